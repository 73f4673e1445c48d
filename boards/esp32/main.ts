// ESP32 on Espruino: builds the Platform from Espruino's APIs (docs/platforms.md B3) and starts the node.
// Serial2 carries framed link frames (its data events deliver Strings); Storage holds durable state.
// Espruino's Math.random and E.hwRand are predictable on ESP32, so randomness is a hash DRBG over the
// seed provisioned from the host (smartchain keygen) and a persisted counter, hedged with E.hwRand and
// the clock: never the predictable sources alone. The hardware watchdog is fed from tick.
import { parseProvisioning } from '../common/provision';
import { startBoard } from '../common/start';
import { slicedCrypto, useSlicedCrypto } from '../common/sliced-crypto';
import { UartDeframer, encodeUartFrame } from '../drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { extraLinks } from '../drivers/extra-links';
import { sha512 } from '../../firmware/crypto/ed25519';
import { useEspruinoNatives } from './natives';
import { collectAfterWork } from './collect';
import type { Link, Platform } from '../../firmware/platform';
import board from './board.json';
import { copyBytes } from '../../firmware/bytes';

type EspruinoSerial = { setup(baud: number, options: object): void; on(event: 'data', callback: (data: string) => void): void; write(data: Uint8Array): void };
type EspruinoStorage = { read(name: string): string | undefined; readArrayBuffer(name: string): ArrayBuffer | undefined; write(name: string, data: Uint8Array | string): boolean; erase(name: string): void };
declare const Serial2: EspruinoSerial;
declare const global: { smartchain: unknown };
declare function __runtimeRequire(name: 'Storage'): EspruinoStorage;
declare function getTime(): number;
declare function setTimeout(callback: () => void, delayMs: number): number;
declare function clearTimeout(timer: unknown): void;
declare function print(text: string): void;
declare const E: { hwRand(): number; enableWatchdog(timeoutSeconds: number, automatic: boolean): void; kickWatchdog(): void };
declare const process: { memory(): { usage: number; blocksize: number }; on(event: string, callback: (error: unknown) => void): void };

/** Signing nonces kept ready in flash (each 64 bytes). */
const NONCE_STOCK = 4;
const Storage = __runtimeRequire('Storage');
// Native SHA-512 and E.convolve where the firmware has them, before anything hashes (natives.ts).
const natives = useEspruinoNatives(true);
Serial2.setup(board.uart.baud, { tx: board.uart.tx, rx: board.uart.rx });

function name(key: string): string {
  return 'sc.' + key;
}

function readBytes(key: string): Uint8Array | null {
  const buffer = Storage.readArrayBuffer(name(key));
  return buffer === undefined ? null : copyBytes(new Uint8Array(buffer), 0);
}

let drbgCounter = 0;
function entropy(count: number): Uint8Array {
  const seed = readBytes('seed');
  if (seed === null) throw new Error('no provisioned seed: run smartchain keygen and write it to the board');
  const out = new Uint8Array(count);
  let filled = 0;
  while (filled < count) {
    drbgCounter++;
    const input = new Uint8Array(32 + 16);
    input.set(seed, 0);
    const stored = readBytes('drbg');
    const persisted = stored === null ? 0 : stored[0] + stored[1] * 256 + stored[2] * 65536 + stored[3] * 16777216;
    const counter = persisted + 1;
    Storage.write(name('drbg'), new Uint8Array([counter & 255, (counter >> 8) & 255, (counter >> 16) & 255, (counter >>> 24) & 255]));
    const mix = [counter, drbgCounter, E.hwRand() | 0, Math.floor(getTime() * 1000) | 0];
    for (let index = 0; index < 4; index++) {
      for (let byte = 0; byte < 4; byte++) input[32 + index * 4 + byte] = (mix[index] >> (byte * 8)) & 255;
    }
    const block = sha512(input);
    for (let index = 0; index < 64 && filled < count; index++) out[filled++] = block[index];
  }
  return out;
}

const uartLink: Link = {
  name: 'serial2',
  frameBytesMax: UART_PAYLOAD_BYTES_MAX,
  send: function (frame: Uint8Array): boolean {
    Serial2.write(encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX));
    return true;
  },
};

const platform: Platform = {
  board: 'esp32',
  nowMs: function () {
    return getTime() * 1000;
  },
  wallClockMs: function () {
    // getTime() is seconds with a fraction; records carry whole milliseconds.
    return Math.floor(getTime() * 1000);
  },
  randomBytes: entropy,
  storage: {
    read: readBytes,
    write: function (key: string, value: Uint8Array) {
      Storage.write(name(key), value);
    },
    remove: function (key: string) {
      Storage.erase(name(key));
    },
  },
  links: [uartLink].concat(
    extraLinks.map(function (extra) {
      return extra.link;
    }),
  ),
  log: function (code: string, message: string) {
    print('[' + code + '] ' + message);
  },
  heapUsedBytes: function () {
    const memory = process.memory();
    return memory.usage * memory.blocksize;
  },
  feedWatchdog: function () {
    E.kickWatchdog();
  },
  crypto: slicedCrypto,
};

process.on('uncaughtException', function (error: unknown) {
  platform.log('UNCAUGHT', String(error));
});
platform.log('NATIVE_CRYPTO', 'sha512 ' + (natives.sha512 ? 'native' : 'js') + ', field multiplication ' + (natives.convolve ? 'E.convolve' : 'js'));
const provisionText = Storage.read('provision.json');
const provisioned = parseProvisioning(provisionText === undefined ? null : provisionText, board.heap_bytes_max);
if (provisioned.config === null) {
  platform.log(provisioned.code as string, 'write provision.json to Storage (docs/boards.md) and reset');
} else {
  const config = provisioned.config;
  // The trade-time path: sliced verification, a nonce stock, sliced key derivation (the pico runs the
  // same, with little heap to spare: docs/boards.md). Measured here: 183,769 B of 229,362 B while a
  // record is verified and a nonce precomputed (`node --import tsx host-tools/bench/heap.ts`).
  // With E.convolve a field multiplication is about 80 ms of projected ESP32 time and a native SHA-512 of
  // a record about 6 ms as the node makes it (`npx smartchain bench validation --target espruino --board
  // esp32`): six operations a slice (at most 6 - 1 + 9 with a point addition) stay near 1.2 s, under the 6.5 s bound in
  // board.json and the 8 s watchdog; without the natives (a firmware lacking them) a slice is longer.
  useSlicedCrypto(config, NONCE_STOCK, 6);
  config.rationVerification = true;
  if (config.seed !== undefined) Storage.write(name('seed'), config.seed);
  E.enableWatchdog(board.watchdog_ms / 1000, false);
  const node = startBoard(platform, config, { setTimeout: setTimeout, clearTimeout: clearTimeout }, board.tick_interval_ms, collectAfterWork());
  const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, function (payload: Uint8Array) {
    node.receive(0, payload);
  });
  Serial2.on('data', function (data: string) {
    deframer.push(data);
  });
  // Links of a build variant (the LoRa radio, boards/esp32/lora.ts) deliver on link 1, 2, ...
  // (A function per link: Espruino's let is function-scoped, so a loop closure would see the last index.)
  extraLinks.forEach(function (extra, index) {
    extra.start(function (payload: Uint8Array) {
      node.receive(index + 1, payload);
    });
  });
  // The node at the console: `smartchain.stats()`.
  global.smartchain = node;
}
