// The bundle stamp: the build's bundles carry it, and the check refuses everything that is not a whole
// bundle built for the board asked for (each refusal with its code).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BundleError, checkBundle, projectVersion, stampBundle } from '../../host-tools/build/bundle-stamp';
import { createRng, testSeed } from '../support/rng';

const body = Buffer.from('print("hello");\n');
const refusal = (bytes: Uint8Array, board: string): string => {
  try {
    checkBundle(bytes, board);
  } catch (error) {
    assert.instance(error, BundleError);
    return (error as BundleError).code;
  }
  return 'ACCEPTED';
};

test('a stamped body passes for its board and gives back board, version, length and checksum', () => {
  const stamped = stampBundle('pico', '0.1.0', body);
  const stamp = checkBundle(stamped, 'pico');
  assert.equal({ board: stamp.board, version: stamp.version, bytes: stamp.bytes }, { board: 'pico', version: '0.1.0', bytes: body.length });
  assert.match(Buffer.from(stamped).toString('latin1').split('\n')[0], /^\/\/ smartchain-bundle board=pico version=0\.1\.0 bytes=16 sha256=[0-9a-f]{64}$/);
});

test('the built bundles carry the stamp of their board and the project version (after make build)', () => {
  for (const board of ['pico', 'esp32', 'emulator']) {
    const stamp = checkBundle(new Uint8Array(readFileSync(`dist/${board}/firmware.js`)), board);
    assert.is(stamp.board, board);
    assert.is(stamp.version, projectVersion());
  }
});

test('refused: empty, random bytes, text that is not a bundle, another board, a changed or cut body', () => {
  const stamped = stampBundle('pico', '0.1.0', body);
  assert.is(refusal(new Uint8Array(0), 'pico'), 'BUNDLE_EMPTY');
  assert.is(refusal(Buffer.from('just some notes\nnot a program at all\n'), 'pico'), 'BUNDLE_UNMARKED');
  assert.is(refusal(Buffer.from('var x = 1;\n'), 'pico'), 'BUNDLE_UNMARKED');
  assert.is(refusal(stamped, 'esp32'), 'BUNDLE_WRONG_BOARD');
  const changed = Buffer.from(stamped);
  changed[changed.length - 3] ^= 1;
  assert.is(refusal(changed, 'pico'), 'BUNDLE_CORRUPT');
  assert.is(refusal(stamped.subarray(0, stamped.length - 1), 'pico'), 'BUNDLE_CORRUPT');
  assert.is(refusal(Buffer.concat([stamped, Buffer.from('x')]), 'pico'), 'BUNDLE_CORRUPT');
  const line = Buffer.from(stamped).toString('latin1').split('\n')[0];
  assert.is(refusal(Buffer.from(`${line} \n${body}`), 'pico'), 'BUNDLE_UNMARKED', 'a stamp line with anything added');
});

test('random byte strings are refused, never accepted or thrown as anything but a BundleError', () => {
  const seed = testSeed('bundle-stamp');
  const rng = createRng(seed);
  for (let round = 0; round < 500; round++) {
    const bytes = rng.bytes(1 + (round % 300));
    assert.ok(['BUNDLE_UNMARKED', 'BUNDLE_EMPTY'].includes(refusal(bytes, 'pico')), `seed ${seed}, round ${round}`);
  }
  assert.is(refusal(new Uint8Array(randomBytes(4096)), 'esp32'), 'BUNDLE_UNMARKED');
});

test.run();
