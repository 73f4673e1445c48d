// The pico image (make image): it builds from ../shared/upstream/, boots to Kaluma's REPL in rp2040js with
// `smartcrypto` among its built-in modules, and RFC 8032, Wycheproof and 1,000 seeded random and mutated
// cases run through the module on the image agree with node:crypto plus the shared policy.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BOOTROM_PATH, KalumaBoard } from '../../host-tools/bench/rp2040-repl';
import { imageCases, runCasesOnImage } from '../../host-tools/bench/smartcrypto-image';
import { testSeed } from '../support/rng';

const ROOT = resolve(import.meta.dirname, '../..');
const TARBALL = resolve(ROOT, '../shared/upstream/kaluma/kaluma-1.2.1-src.tar.xz');
const IMAGE = resolve(ROOT, 'dist/pico/kaluma-smartchain.bin');
const RANDOM_CASES = 1000;
/** Wycheproof vectors whose signature is not 64 bytes: the module throws a TypeError for each. */
const WYCHEPROOF_WRONG_LENGTH = 12;

if (!existsSync(TARBALL) || !existsSync(BOOTROM_PATH)) {
  console.log('  skipped: the pico image tests (../shared/upstream/ with Kaluma 1.2.1 and the RP2040 boot ROM is absent)');
} else {
  test('make image builds dist/pico/kaluma-smartchain.bin and .uf2 from ../shared/upstream/', () => {
    // Incremental: after `make image` (make test depends on it) this only checks that nothing changed.
    const build = spawnSync('node', ['--import', 'tsx', 'host-tools/build/image.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 3_600_000 });
    assert.is(build.status, 0, build.stderr.slice(-2000));
    const image = readFileSync(IMAGE);
    assert.ok(image.length > 500_000 && image.length < 0xfc000, `image of ${image.length} bytes`);
    assert.is(readFileSync(IMAGE.replace(/\.bin$/, '.uf2')).length, Math.ceil(image.length / 256) * 512);
  });

  test('the image boots to the REPL; smartcrypto is built in; bad arguments throw TypeErrors', () => {
    const board = new KalumaBoard(readFileSync(IMAGE));
    board.boot();
    assert.is(board.evaluate("process.builtin_modules.indexOf('smartcrypto')>=0").text, 'true');
    board.define("var sc=require('smartcrypto');");
    assert.is(board.evaluate("Object.keys(sc).sort().join(',')").text, 'publicKey,sha512,sign,verify');
    const thrown = (call: string) => board.evaluate(`(function(){try{${call};return 'none'}catch(e){return (e instanceof TypeError)+' '+e.message}})()`).text;
    assert.is(thrown('sc.sha512([1,2])'), 'true smartcrypto.sha512: bytes must be a Uint8Array');
    assert.is(thrown('sc.sha512(new Uint16Array(2))'), 'true smartcrypto.sha512: bytes must be a Uint8Array');
    assert.is(thrown('sc.verify(new Uint8Array(63),new Uint8Array(0),new Uint8Array(32))'), 'true smartcrypto.verify: signature must be 64 bytes');
    assert.is(thrown('sc.verify(new Uint8Array(64),new Uint8Array(0),new Uint8Array(33))'), 'true smartcrypto.verify: publicKey must be 32 bytes');
    assert.is(thrown('sc.verify(new Uint8Array(64),"m",new Uint8Array(32))'), 'true smartcrypto.verify: message must be a Uint8Array');
    assert.is(thrown('sc.sign(new Uint8Array(1),new Uint8Array(32))'), 'true smartcrypto.sign: secretKey must be 64 bytes');
    assert.is(thrown('sc.sign(new Uint8Array(1))'), 'true smartcrypto.sign: secretKey must be a Uint8Array');
    assert.is(thrown('sc.publicKey(new Uint8Array(31))'), 'true smartcrypto.publicKey: seed must be 32 bytes');
    assert.is(thrown('sc.publicKey()'), 'true smartcrypto.publicKey: seed must be a Uint8Array');
    assert.is(board.evaluate('sc.verify(new Uint8Array(64),new Uint8Array(0),new Uint8Array(32))').text, 'false');
    // A view into a larger buffer hashes only its own bytes.
    assert.is(board.evaluate("(function(){var b=new Uint8Array(8);b[2]=0x61;b[3]=0x62;b[4]=0x63;return sc.sha512(b.subarray(2,5))[0]})()").text, String(0xdd));
  });

  test('RFC 8032, Wycheproof and 1,000 random and mutated cases on the image agree with node:crypto', () => {
    const seed = testSeed('smartcrypto on the image');
    const cases = imageCases(RANDOM_CASES, seed);
    const result = runCasesOnImage(readFileSync(IMAGE), cases);
    console.log(`  ${result.cases} cases: ${result.boardSeconds.toFixed(1)} s board time, ${result.wallSeconds.toFixed(0)} s wall`);
    assert.equal(result.disagreements, []);
    assert.is(result.agreed, cases.length);
    assert.is(result.typeErrors, WYCHEPROOF_WRONG_LENGTH);
  });
}

test.run();
