// Raspberry Pi Pico (RP2040) on Kaluma 1.2.1, shared by both pico builds (boards/pico: our image with
// native crypto; boards/pico-stock: the public image, crypto in JS): builds the Platform from Kaluma's
// own APIs (docs/platforms.md A3) and starts the node. UART0 carries framed link frames; LittleFS (`fs`)
// holds durable state, one file per key (LittleFS commits a file on close, so a reset leaves the old or
// the new value); entropy from rp2.randomBigInt (pico-sdk get_rand_128). Kaluma 1.2.1 exposes no
// hardware watchdog to JavaScript, so feedWatchdog keeps a heartbeat that a second timer checks
// (docs/boards.md).
import { parseProvisioning } from '../common/provision';
import { startBoard } from '../common/start';
import { UartDeframer, encodeUartFrame } from '../drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { extraLinks } from '../drivers/extra-links';
import type { NodeConfig } from '../../firmware/node-api';
import type { BoardCrypto, Link, Platform } from '../../firmware/platform';

/** The fields of a pico's board.json this file reads (the build keeps only these: named imports). */
export type PicoSettings = {
  board: string;
  heap_bytes_max: number;
  tick_interval_ms: number;
  watchdog_ms: number;
  uart: { port: number; baud: number; tx: number; rx: number };
};

type KalumaUart = { on(event: 'data', callback: (data: Uint8Array) => void): void; write(data: Uint8Array): void };
type KalumaFs = {
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array): void;
  unlink(path: string): void;
  exists(path: string): boolean;
};
declare function __runtimeRequire(name: 'uart'): { UART: new (port: number, options: object) => KalumaUart };
declare function __runtimeRequire(name: 'fs'): KalumaFs;
declare function __runtimeRequire(name: 'rp2'): { randomBigInt(): { toString(radix: number): string } };
declare function millis(): number;
declare function setInterval(callback: () => void, delayMs: number): number;
declare function setTimeout(callback: () => void, delayMs: number): number;
declare function clearTimeout(timer: unknown): void;
declare function print(text: string): void;
declare const process: { memoryUsage(): { heapUsed: number } };


/** One line of the board's log, with a fixed code first (the Platform's log, also before there is one). */
export function logLine(code: string, message: string): void {
  print('[' + code + '] ' + message);
}

function path(key: string): string {
  return '/sc-' + key;
}

function entropy(rp2: { randomBigInt(): { toString(radix: number): string } }, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let filled = 0;
  while (filled < count) {
    // 128 bits per call, as 32 hex digits (leading zeros restored).
    let hex = rp2.randomBigInt().toString(16);
    while (hex.length < 32) hex = '0' + hex;
    for (let index = 0; index < 16 && filled < count; index++) out[filled++] = parseInt(hex.substr(index * 2, 2), 16);
  }
  return out;
}

/**
 * Opens the UART, reads /provision.json and starts the node on this board's cryptography; `wire` adds
 * what that cryptography needs to the node's configuration (the sliced JS path's jobs, or nothing).
 */
export function startPico(settings: PicoSettings, crypto: BoardCrypto, wire: (config: NodeConfig) => void): void {
  const uart = settings.uart;
  const fs = __runtimeRequire('fs');
  const rp2 = __runtimeRequire('rp2');
  const UART = __runtimeRequire('uart').UART;
  const serial = new UART(uart.port, { baudrate: uart.baud, tx: uart.tx, rx: uart.rx, bufferSize: 2048 });
  let heartbeatMs = millis();
  const uartLink: Link = {
    name: 'uart0',
    frameBytesMax: UART_PAYLOAD_BYTES_MAX,
    send: function (frame: Uint8Array): boolean {
      serial.write(encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX));
      return true;
    },
  };

  const platform: Platform = {
    board: settings.board,
    nowMs: millis,
    wallClockMs: function () {
      return Date.now();
    },
    randomBytes: function (count: number) {
      return entropy(rp2, count);
    },
    storage: {
      read: function (key: string) {
        return fs.exists(path(key)) ? fs.readFile(path(key)) : null;
      },
      write: function (key: string, value: Uint8Array) {
        fs.writeFile(path(key), value.slice());
      },
      remove: function (key: string) {
        if (fs.exists(path(key))) fs.unlink(path(key));
      },
    },
    links: [uartLink].concat(
      extraLinks.map(function (extra) {
        return extra.link;
      }),
    ),
    log: logLine,
    heapUsedBytes: function () {
      return process.memoryUsage().heapUsed;
    },
    feedWatchdog: function () {
      heartbeatMs = millis();
    },
    crypto: crypto,
  };

  const provisioned = parseProvisioning(fs.exists('/provision.json') ? String.fromCharCode.apply(null, Array.prototype.slice.call(fs.readFile('/provision.json'))) : null, settings.heap_bytes_max);
  if (provisioned.config === null) {
    platform.log(provisioned.code as string, 'write /provision.json (docs/boards.md) and reset');
  } else {
    const config = provisioned.config;
    wire(config);
    const node = startBoard(platform, config, { setTimeout: setTimeout, clearTimeout: clearTimeout }, settings.tick_interval_ms);
    const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, function (payload: Uint8Array) {
      node.receive(0, payload);
    });
    serial.on('data', function (data: Uint8Array) {
      deframer.push(data);
    });
    // Links of a build variant (the LoRa radio, boards/pico/kaluma-lora.ts) deliver on link 1, 2, ...
    // (A function per link: Espruino's let is function-scoped, so a loop closure would see the last index.)
    extraLinks.forEach(function (extra, index) {
      extra.start(function (payload: Uint8Array) {
        node.receive(index + 1, payload);
      });
    });
    // The node at the REPL: `smartchain.stats()`.
    (globalThis as unknown as { smartchain: unknown }).smartchain = node;
    setInterval(function () {
      if (millis() - heartbeatMs > settings.watchdog_ms) platform.log('WATCHDOG_EXPIRED', 'no tick for ' + (millis() - heartbeatMs) + ' ms');
    }, settings.watchdog_ms);
  }
}
