// Offline/online Ed25519 signing (RFC 8032 §5.1.6 split in two): in idle time a nonce pair (r, R = [r]B)
// is precomputed, r = SHA-512(prefix || fresh randomness || counter) mod L (hedged: neither a weak
// random source nor a repeated counter alone decides it), and kept in a bounded stock in durable storage.
// At signing time: one SHA-512 and arithmetic mod L, no point multiplication. A nonce is used at most
// once, ever: its storage key is removed before the signature is computed, so a reset at any point loses
// a nonce but never reuses one. The signatures are ordinary Ed25519 signatures.
import type { KeyValueStore } from '../platform';
import { ScalarBaseJob, secretScalar, sha512 } from './fast-verify';
import { prepareSigningScalar, reduceModL, signatureScalarFromHash } from './ed25519';
import { copyBytes } from '../bytes';

const COUNTER_KEY = 'nonce-count';
const NONCE_PREFIX = 'nonce';


export class NonceStock {
  private scalar: Uint8Array;
  private prefix: Uint8Array;
  private job: ScalarBaseJob | null = null;
  private pendingR: Uint8Array | null = null;
  fallbacks = 0;
  private hashed = 0;
  private spent = 0;

  constructor(
    private store: KeyValueStore,
    seed: Uint8Array,
    private publicKey: Uint8Array,
    readonly capacity: number,
    private randomBytes: (count: number) => Uint8Array,
  ) {
    this.scalar = secretScalar(seed);
    this.prefix = copyBytes(sha512(seed), 32, 64);
  }

  private key(slot: number): string {
    return NONCE_PREFIX + slot;
  }

  /** Whether a precomputation is under way (its points held in memory). */
  busy(): boolean {
    return this.job !== null;
  }

  count(): number {
    let count = 0;
    for (let slot = 0; slot < this.capacity; slot++) if (this.store.read(this.key(slot)) !== null) count++;
    return count;
  }

  /** Advances the precomputation of one nonce; false when the stock is full and nothing was done. */
  step(units: number): boolean {
    // The board's signing table (boards/esp32/scalar-convolve.ts), 4 rows a step (about 2.7 ms of the Linux
    // Espruino interpreter), before any nonce work, so that no signature builds it.
    if (!prepareSigningScalar(this.scalar, 4)) return true;
    if (this.job === null) {
      let free = -1;
      for (let slot = 0; slot < this.capacity && free < 0; slot++) if (this.store.read(this.key(slot)) === null) free = slot;
      if (free < 0) return false;
      const stored = this.store.read(COUNTER_KEY);
      const counter = stored === null ? 1 : stored[0] + stored[1] * 256 + stored[2] * 65536 + stored[3] * 16777216 + 1;
      // The counter is durable before it is used: two nonces never share (randomness, counter).
      this.store.write(COUNTER_KEY, new Uint8Array([counter & 255, (counter >> 8) & 255, (counter >> 16) & 255, (counter >>> 24) & 255]));
      const input = new Uint8Array(32 + 32 + 4);
      input.set(this.prefix, 0);
      input.set(this.randomBytes(32), 32);
      input.set(new Uint8Array([counter & 255, (counter >> 8) & 255, (counter >> 16) & 255, (counter >>> 24) & 255]), 64);
      this.pendingR = reduceModL(sha512(input));
      this.hashed++;
      this.job = new ScalarBaseJob(this.pendingR);
      return true;
    }
    const before = this.job.operations();
    const finished = this.job.step(units);
    this.spent += this.job.operations() - before;
    if (!finished) return true;
    const value = new Uint8Array(64);
    value.set(this.pendingR as Uint8Array, 0);
    value.set(this.job.value() as Uint8Array, 32);
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.store.read(this.key(slot)) === null) {
        this.store.write(this.key(slot), value);
        break;
      }
    }
    this.job = null;
    this.pendingR = null;
    return true;
  }

  /** SHA-512 computations of the precomputations so far, for the cost accounting. */
  hashes(): number {
    return this.hashed;
  }

  /** Field operations of all precomputations so far, for the cost accounting. */
  operations(): number {
    return this.spent;
  }

  /** An ordinary Ed25519 signature with a stored nonce, or null when the stock is empty. */
  sign(message: Uint8Array): Uint8Array | null {
    let slot = -1;
    let value: Uint8Array | null = null;
    for (let index = 0; index < this.capacity && value === null; index++) {
      value = this.store.read(this.key(index));
      if (value !== null) slot = index;
    }
    if (value === null || value.length !== 64) {
      this.fallbacks++;
      return null;
    }
    // Used at most once, ever: the nonce leaves storage before the signature exists.
    this.store.remove(this.key(slot));
    const r = copyBytes(value, 0, 32);
    const encodedR = copyBytes(value, 32, 64);
    const input = new Uint8Array(64 + message.length);
    input.set(encodedR, 0);
    input.set(this.publicKey, 32);
    input.set(message, 64);
    const signature = new Uint8Array(64);
    signature.set(encodedR, 0);
    signature.set(signatureScalarFromHash(r, sha512(input), this.scalar), 32);
    return signature;
  }
}
