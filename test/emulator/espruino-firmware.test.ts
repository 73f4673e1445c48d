// The esp32 firmware bundle on the real Espruino interpreter (its Linux build in ../shared/upstream/):
// the whole bundle parses and starts from a provisioning file written with require("Storage").write,
// takes Espruino's native SHA-512 and E.convolve, grants a proof-of-time token whose MAC the host
// recomputes, and issues a signed record that verifies with node:crypto and that the aggregator
// accepts; its memory use in Espruino variables is printed. The Linux build has no UART device behind
// Serial2, so the only shim is a Serial2 object that hands frames to and from the host. Skipped, on
// one line, when the interpreter is absent.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { buildBoard } from '../../host-tools/build/bundle';
import { EspruinoProcess, espruinoMissing } from '../../host-tools/bench/espruino-runner';
import { provisionBoards, EMULATED_CONSORTIUM_SEED } from '../../host-tools/emulator/provision';
import { seededRandom } from '../../host-tools/random';
import { tokenKeyFor } from '../../host-tools/crypto/token-key';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { Aggregator, recordIdHost } from '../../host-tools/aggregator/aggregator';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { FRAME_RECORD, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, decodeFrame, encodeFrame, encodeToken, keyedMac, tokenMessage } from '../../firmware/frames';
import { KIND_OFFER, RECORD_BYTES_MAX, bytesToSign, decodeRecord } from '../../firmware/records';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { slotOf } from '../../firmware/ledger/rules';

/** How long the node may take for a reply, in polls a second apart (a nonce is seconds of host CPU). */
const POLLS_MAX = 600;
const missing = espruinoMissing();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sha512Host = (bytes: Uint8Array) => new Uint8Array(createHash('sha512').update(bytes).digest());

/** Before the bundle: the provisioning file, and a Serial2 whose writes the host collects as hex. */
function prelude(provisionJson: string): string {
  return `var __written = [];
var __serialData = null;
var Serial2 = { setup: function () {}, on: function (event, callback) { if (event === 'data') __serialData = callback; },
  write: function (data) { var text = ''; for (var i = 0; i < data.length; i++) text += (data[i] + 256).toString(16).substr(1); __written.push(text); } };
function __take() { var out = __written; __written = []; return out; }
function __feed(hexText) { var text = ''; for (var i = 0; i < hexText.length; i += 2) text += String.fromCharCode(parseInt(hexText.substr(i, 2), 16)); __serialData(text); return 1; }
require('Storage').write('provision.json', ${JSON.stringify(provisionJson)});
`;
}

if (missing !== null) {
  console.log(`espruino-firmware: ${missing}`);
} else {
  test('the esp32 bundle boots on Espruino, grants a token, and issues a record the host verifies and the aggregator accepts', async () => {
    const provisioned = provisionBoards(2, seededRandom(21), { tokensRequired: 0 });
    const ours = provisioned.boards[0];
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-espruino-fw-'));
    let espruino: EspruinoProcess | null = null;
    const aggregator = new Aggregator({ dbPath: join(directory, 'a.sqlite'), consortiumSeed: EMULATED_CONSORTIUM_SEED, aggregatorSeed: provisioned.aggregatorSeed, tokensRequired: 0 });
    try {
      const outfile = join(directory, 'firmware.js');
      await buildBoard(loadBoard('esp32'), { outfile });
      espruino = EspruinoProcess.start(prelude(ours.json) + readFileSync(outfile, 'utf8'));
      const board = espruino;
      await board.evaluate('1');
      assert.match(board.printed(), /\[NODE_STARTED\] member 1 on esp32/);
      assert.match(board.printed(), /\[NATIVE_CRYPTO\] sha512 native, field multiplication E.convolve/);
      const frames: ReturnType<typeof decodeFrame>[] = [];
      const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => frames.push(decodeFrame(payload)));
      const waitFor = async (type: number) => {
        for (let poll = 0; poll < POLLS_MAX; poll++) {
          for (const text of JSON.parse((await board.evaluate('__take()')).value) as string[]) deframer.push(Buffer.from(text, 'hex').toString('latin1'));
          const found = frames.find((frame) => frame.ok && frame.value.type === type);
          if (found !== undefined && found.ok) return found.value;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        throw new Error(`no frame of type ${type}; the board printed: ${board.printed().slice(-600)}`);
      };
      // Member 2 asks member 1 (the board) for a token in the current slot: the grant is a MAC (SHA-512).
      const slot = slotOf(Date.now(), 60000);
      const request = encodeFrame({ type: FRAME_TOKEN_REQUEST, requester: 2, seq: 1, slot, asked: [1] });
      await board.evaluate(`__feed("${hex(encodeUartFrame(request, UART_PAYLOAD_BYTES_MAX))}")`);
      const grant = await waitFor(FRAME_TOKEN_GRANT);
      const mac = keyedMac(sha512Host, tokenKeyFor(EMULATED_CONSORTIUM_SEED, 1), tokenMessage(1, 2, 1, slot));
      assert.is(hex(grant.token as Uint8Array), hex(encodeToken({ granter: 1, requester: 2, seq: 1, slot, mac })), 'the grant carries the token a record keeps');
      // The board issues an offer (no tokens required here): signed with a nonce it precomputed itself.
      assert.is((await board.evaluate('smartchain.requestIssue({ kind: 2, energyWh: 100, ecash: 10 })')).value, 'true');
      const recordFrame = await waitFor(FRAME_RECORD);
      const decoded = decodeRecord(recordFrame.record as Uint8Array, RECORD_BYTES_MAX);
      assert.ok(decoded.ok);
      if (!decoded.ok) return;
      assert.is(decoded.value.record.kind, KIND_OFFER);
      assert.ok(verifyHost(bytesToSign(decoded.value.payload), decoded.value.signature, ours.publicKey), 'the signature made on Espruino verifies with node:crypto');
      for (const entry of provisioned.boards) assert.ok(aggregator.addMember(entry.publicKey, 100000).ok);
      const submitted = aggregator.submit(recordFrame.record as Uint8Array);
      assert.ok(submitted.ok, JSON.stringify(submitted));
      if (submitted.ok) assert.is(submitted.id, hex(recordIdHost(decoded.value.payload, decoded.value.signature)));
      const stats = JSON.parse((await board.evaluate('smartchain.stats()')).value) as Record<string, number>;
      assert.is(stats.records_issued, 1);
      const memory = JSON.parse((await board.evaluate('process.memory()')).value) as { usage: number; total: number; blocksize: number };
      console.log(`  espruino-firmware: ${memory.usage} of ${memory.total} variables in use after issuing (${memory.blocksize}-byte blocks here; 14 on the ESP32)`);
      assert.ok(memory.usage < 16383, 'within the ESP32 build\'s variable count');
    } finally {
      espruino?.close();
      aggregator.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
  test.run();
}
