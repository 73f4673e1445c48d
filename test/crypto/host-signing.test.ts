// The host signing helper gives RFC 8032 §7.1's signatures from the seeds (test/vectors/rfc8032-ed25519.json),
// the same from a made key as from the seed, and refuses a seed that is not 32 bytes.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { publicKeyFromSeed } from '../../host-tools/crypto/verify-host';

type Vector = { name: string; secretKey: string; publicKey: string; message: string; signature: string };
const vectors = (JSON.parse(readFileSync('test/vectors/rfc8032-ed25519.json', 'utf8')) as { vectors: Vector[] }).vectors;
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('RFC 8032 §7.1: every vector signed from its seed and from its key', () => {
  assert.ok(vectors.length >= 3, `${vectors.length} vectors`);
  for (const vector of vectors) {
    const seed = unhex(vector.secretKey);
    const message = unhex(vector.message);
    assert.is(hex(signHost(message, seed)), vector.signature, `${vector.name} from the seed`);
    assert.is(hex(signHost(message, signingKey(seed))), vector.signature, `${vector.name} from the key`);
    assert.is(hex(publicKeyFromSeed(seed)), vector.publicKey, `${vector.name} public key`);
  }
});

test('a seed that is not 32 bytes is refused', () => {
  for (const length of [0, 31, 33, 64]) {
    assert.throws(() => signingKey(new Uint8Array(length)), /an Ed25519 seed is 32 bytes/);
    assert.throws(() => signHost(new Uint8Array(1), new Uint8Array(length)), /an Ed25519 seed is 32 bytes/);
  }
});

test.run();
