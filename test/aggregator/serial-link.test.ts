// The aggregator's serial link against a real pseudo-terminal: a light node's offload (the record, then
// its tokens as grants, in UART framing, after line noise and a malformed frame) is validated, stored
// and acknowledged on the line with a MAC under the issuer's token key, and the record is then served over HTTP.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { encodeCbor } from '../../firmware/codec/cbor';
import { FRAME_OFFLOAD_ACK, Frame, ackMessage, decodeFrame, encodeFrame, encodeToken, offloadFrames, tokenMessage } from '../../firmware/frames';
import { macHost, tokenKeyFor } from '../../host-tools/crypto/token-key';
import { slotOf } from '../../firmware/ledger/rules';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { secretsFor } from '../../host-tools/aggregator/server';
import { KIND_OFFER, signRecord, testKey } from '../support/records';

function waitFor(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${output}`)), 20000);
    child.stdout?.on('data', (chunk) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

test('an offload over the serial link is stored and acknowledged on the line', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-serial-'));
  const dbPath = join(directory, 'aggregator.sqlite');
  const keys = [testKey(0x31), testKey(0x32), testKey(0x33)];
  const secrets = secretsFor(dbPath);
  const setup = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
  for (const key of keys) assert.ok(setup.addMember(key.publicKey, 1000).ok);
  setup.close();
  const relay = spawn('python3', ['host-tools/emulator/pty-relay.py'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const [, pty] = await waitFor(relay, /^(\/dev\/\S+)\n/);
  const aggregator = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--db', dbPath, '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', '0', '--link', `serial:${pty}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [, url] = await waitFor(aggregator, /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*link on /);
    // Member 1 offers; members 2 and 3 granted its proof-of-time tokens.
    const timeMs = Date.now();
    const slot = slotOf(timeMs, 60000);
    const tokens = [2, 3].map((granter) => encodeToken({ granter, requester: 1, seq: 1, slot, mac: macHost(tokenKeyFor(secrets.consortiumSeed, granter), tokenMessage(granter, 1, 1, slot)) }));
    const record = signRecord({ kind: KIND_OFFER, issuer: 1, seq: 1, timeMs, parents: [GENESIS_ID, GENESIS_ID], pot: [2, 3], energyWh: 4000, ecash: 1000 }, keys[0], tokens);
    // The record as the board stores it (with its tokens), offloaded in parts.
    const frames: Frame[] = offloadFrames(1, record.id, record.bytes);
    const acks: Frame[] = [];
    const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => {
      const decoded = decodeFrame(payload);
      if (decoded.ok && decoded.value.type === FRAME_OFFLOAD_ACK) acks.push(decoded.value);
    });
    relay.stdout?.on('data', (chunk) => deframer.push(new Uint8Array(chunk)));
    relay.stdin?.write(Buffer.from([0x00, 0x7e, 0x03, 0xff, 0x55]));
    relay.stdin?.write(encodeUartFrame(encodeCbor([99, 1], 16), UART_PAYLOAD_BYTES_MAX));
    for (const frame of frames) relay.stdin?.write(encodeUartFrame(encodeFrame(frame), UART_PAYLOAD_BYTES_MAX));
    for (let waited = 0; waited < 100 && acks.length === 0; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(acks.length, 1, 'one acknowledgement on the line');
    assert.equal(acks[0].id, record.id);
    const mac = macHost(tokenKeyFor(secrets.consortiumSeed, 1), ackMessage(record.id));
    assert.is(Buffer.from(acks[0].mac as Uint8Array).toString('hex'), Buffer.from(mac).toString('hex'), 'a MAC under the issuer\'s token key');
    const response = await fetch(`${url}/v1/records/${Buffer.from(record.id).toString('hex')}`);
    assert.is(response.status, 200);
  } finally {
    aggregator.kill('SIGTERM');
    relay.stdin?.end();
    relay.kill();
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a bad --link is refused with exit code 2', async () => {
  const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--link', 'radio:7'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is(code, 2);
});

test.run();
