// On the real Espruino interpreter (its Linux build, ../shared/upstream/espruino/): the native SHA-512
// (require("crypto").SHA512) and the JS one give node:crypto's bytes on the FIPS 180-4 examples and on
// random inputs across the block boundaries, and the E.convolve field multiplication gives the limbs of
// the same multiplication on the host (field-convolve.ts with a JS E.convolve), the field element of
// tweetnacl's M; the arithmetic mod L (scalar-convolve.ts, the fused hash path included) gives tweetnacl's
// bytes, and the trade-record codec the host's payloads and rejection codes. Skipped, on one line, when
// the interpreter is absent.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { loadBoard } from '../../host-tools/build/boards';
import { buildBoard } from '../../host-tools/build/bundle';
import { EspruinoProcess, espruinoMissing } from '../../host-tools/bench/espruino-runner';
import { convolveMultiply } from '../../boards/esp32/field-convolve';
import { BOUNDARY_LENGTHS } from '../support/sha512-lengths';
import { createRng, testSeed } from '../support/rng';
import { KINDS, randomRecord } from '../support/records';
import { RECORD_BYTES_MAX, decodeRecord, encodePayload, encodeRecord, useTradeCodec } from '../../firmware/records';
import { tweetnaclReduce } from '../support/tweetnacl-modl';
import { jsConvolve } from '../support/js-convolve';

const low = (nacl as unknown as { lowlevel: { modL(r: Uint8Array, x: Float64Array): void; M(o: Float64Array, a: Float64Array, b: Float64Array): void; pack25519(o: Uint8Array, n: Float64Array): void } }).lowlevel;

const convolve = jsConvolve;

function encoded(limbs: Float64Array): string {
  const out = new Uint8Array(32);
  low.pack25519(out, limbs);
  return Buffer.from(out).toString('hex');
}
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const missing = espruinoMissing();

async function start(): Promise<EspruinoProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-natives-'));
  try {
    const outfile = join(directory, 'check.js');
    await buildBoard(loadBoard('esp32'), { entry: 'test/support/espruino-crypto-entry.ts', outfile });
    return EspruinoProcess.start(readFileSync(outfile, 'utf8'));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (missing !== null) {
  console.log(`espruino-natives: ${missing}`);
} else {
  test('native and JS SHA-512 on Espruino give node:crypto\'s bytes; E.convolve gives tweetnacl\'s limbs', async () => {
    const rng = createRng(testSeed('espruino natives'));
    const inputs = ['616263', '', Buffer.from('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu').toString('hex')];
    for (const length of BOUNDARY_LENGTHS) inputs.push(Buffer.from(rng.bytes(length)).toString('hex'));
    const expected = inputs.map((input) => createHash('sha512').update(Buffer.from(input, 'hex')).digest('hex')).join(',');
    const espruino = await start();
    try {
      assert.is((await espruino.evaluate('check.natives(true)')).value, '"sha512,convolve"', 'the Linux build has the crypto library and E.convolve');
      assert.is(JSON.parse((await espruino.evaluate(`check.sha512(${JSON.stringify(inputs)})`)).value), expected, 'native');
      const hostMultiply = convolveMultiply(convolve);
      for (let round = 0; round < 20; round++) {
        const a = Array.from({ length: 16 }, () => rng.int(0, 4194303) - 2097151);
        const b = Array.from({ length: 16 }, () => rng.int(0, 65535));
        const reference = new Float64Array(16);
        low.M(reference, Float64Array.from(a), Float64Array.from(b));
        const host = new Float64Array(16);
        hostMultiply(host, Float64Array.from(a), Float64Array.from(b));
        const board = Float64Array.from(JSON.parse((await espruino.evaluate(`check.multiply(${JSON.stringify(a)}, ${JSON.stringify(b)})`)).value) as number[]);
        assert.equal(Array.from(board), Array.from(host), `convolve round ${round}: Espruino's limbs are the host's`);
        assert.is(encoded(board), encoded(reference), `convolve round ${round}: tweetnacl's field element`);
      }
      for (let round = 0; round < 20; round++) {
        const r = rng.bytes(32);
        r[31] &= 15;
        const hash = round === 0 ? new Uint8Array(64).fill(255) : rng.bytes(64);
        const a = rng.bytes(32);
        const reduced = tweetnaclReduce(hash);
        const wide = new Float64Array(64);
        for (let index = 0; index < 32; index++) wide[index] = r[index];
        for (let index = 0; index < 32; index++) for (let other = 0; other < 32; other++) wide[index + other] += reduced[index] * a[other];
        const expectedS = new Uint8Array(32);
        low.modL(expectedS, wide);
        const board = JSON.parse((await espruino.evaluate(`check.scalar("${hex(r)}", "${hex(hash)}", "${hex(a)}")`)).value);
        assert.is(board, hex(reduced) + ',' + hex(expectedS), `mod L round ${round}`);
      }
      useTradeCodec(null);
      for (let round = 0; round < 40; round++) {
        const bytes = encodeRecord(encodePayload(randomRecord(rng, KINDS[round % KINDS.length])), rng.bytes(64), []);
        if (round % 2 === 1) bytes[rng.int(0, bytes.length - 1)] ^= 1 << rng.int(0, 7);
        const host = decodeRecord(bytes, RECORD_BYTES_MAX);
        const expectedRecord = host.ok ? hex(encodePayload(host.value.record)) + ',' + hex(host.value.signature) : host.code;
        assert.is(JSON.parse((await espruino.evaluate(`check.record("${hex(bytes)}")`)).value), expectedRecord, `record round ${round}: ${hex(bytes)}`);
      }
      assert.is((await espruino.evaluate('check.natives(false)')).value, '"-,-"');
      assert.is(JSON.parse((await espruino.evaluate(`check.sha512(${JSON.stringify(inputs)})`)).value), expected, 'JS');
    } finally {
      espruino.close();
    }
  });
  test.run();
}
