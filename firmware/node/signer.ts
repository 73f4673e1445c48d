// The node's key pair and its signatures. The seed is provisioned or drawn once and kept durable; the
// public key is provisioned with it, computed in one step, or derived a slice per tick (minutes of board
// time). A signature comes from the nonce stock (one SHA-512, firmware/crypto/nonces.ts) or from the
// board's one-step sign; when the stock is empty the next nonce is precomputed first and the caller asks
// again, never a point multiplication in one step.
import type { NodePersistence } from '../ledger/persist';
import type { NodeConfig } from '../node-api';
import type { Platform } from '../platform';
import { SEED_BYTES } from '../protocol';
import type { Counters } from './counters';
import type { SlicedJob, Work } from './work';


type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array };
type Stock = ReturnType<NonNullable<NodeConfig['createNonceStock']>>;

export interface Signer {
  /** The public key; empty while a derivation is under way. */
  publicKey: Uint8Array;
  /** Whether the public key is still being derived. */
  deriving: boolean;
  /** One slice of the key derivation; true once the key pair is complete. */
  deriveSlice(): boolean;
  /** Makes the key pair complete when the key needs no derivation (after the node's random state is drawn). */
  start(): void;
  /** A signature now, or null when it must wait (the key is being derived, or no nonce is in stock). */
  sign(message: Uint8Array): Uint8Array | null;
  /** Whether a signature can be made now; else the next nonce is wanted first. */
  canSign(): boolean;
  /**
   * One slice of nonce precomputation when it goes before verification (a signature waits for a nonce,
   * one spent since the last was made, a precomputation is under way, or no verification waits), never
   * while a verification is under way
   * (`verifying`: the two jobs' points at once would pass the pico's heap); true when it ran.
   */
  precompute(verifying: boolean, idle: boolean): boolean;
}

/** The provisioned public key, when it belongs to the seed in use (then nothing is derived). */
function provisionedKey(seed: Uint8Array, config: NodeConfig): Uint8Array | null {
  if (config.publicKey === undefined || config.seed === undefined || config.publicKey.length !== 32) return null;
  for (let index = 0; index < SEED_BYTES; index++) if (config.seed[index] !== seed[index]) return null;
  return config.publicKey;
}

export function createSigner(platform: Platform, config: NodeConfig, persistence: NodePersistence, work: Work, counters: Counters): Signer {
  const crypto = platform.crypto;
  let seed = persistence.loadSeed();
  if (seed === null) {
    seed = config.seed !== undefined ? config.seed : platform.randomBytes(SEED_BYTES);
    persistence.saveSeed(seed);
  }
  const own = seed;
  let keys: KeyPair | null = null;
  const knownKey = provisionedKey(own, config);
  // Deriving the public key is a scalar multiplication: sliced when the board has the job for it.
  let derivation = knownKey === null && config.derivePublicKey !== undefined ? config.derivePublicKey(own) : null;
  let nonces: Stock | null = null;
  /** Set while a signature waits for a nonce: the precomputation then goes before background verification. */
  let nonceWanted = false;
  /**
   * Set when a signature spent a nonce: the next one is precomputed before another verification starts,
   * so that the signature after that verification (the record approving what it verified) waits for
   * nothing; cleared once a nonce is made or the stock is full.
   */
  let refill = false;

  /** The node's public key is known: the key pair is complete and the nonce stock can start. */
  function keysReady(publicKey: Uint8Array): void {
    const secretKey = new Uint8Array(64);
    secretKey.set(own, 0);
    secretKey.set(publicKey, 32);
    keys = { publicKey: publicKey, secretKey: secretKey };
    signer.publicKey = publicKey;
    if (config.createNonceStock !== undefined) nonces = config.createNonceStock(platform.storage, own, publicKey, platform.randomBytes);
  }

  const signer: Signer = {
    publicKey: new Uint8Array(0),
    deriving: derivation !== null,
    deriveSlice: function (): boolean {
      if (derivation === null || !work.slice(derivation as SlicedJob)) return false;
      keysReady(derivation.value() as Uint8Array);
      derivation = null;
      signer.deriving = false;
      return true;
    },
    start: function (): void {
      if (derivation === null) keysReady(knownKey || (crypto.publicKey as (seed: Uint8Array) => Uint8Array)(own));
    },
    sign: function (message: Uint8Array): Uint8Array | null {
      if (keys === null) return null;
      if (nonces !== null) {
        const online = nonces.sign(message);
        if (online !== null) {
          nonceWanted = false;
          refill = true;
          counters.signatures_online++;
          counters.crypto_hash++;
          return online;
        }
        if (!nonceWanted) counters.sign_fallbacks++;
        nonceWanted = true;
        return null;
      }
      counters.crypto_sign++;
      return (crypto.sign as (message: Uint8Array, secretKey: Uint8Array) => Uint8Array)(message, keys.secretKey);
    },
    canSign: function (): boolean {
      if (nonces === null || nonces.count() > 0) return true;
      nonceWanted = true;
      return false;
    },
    precompute: function (verifying: boolean, idle: boolean): boolean {
      if (nonces === null || verifying || !(nonceWanted || refill || nonces.busy() || idle)) return false;
      const making = nonces.busy();
      // A slice does nothing (false) when the stock is full; a job that ends has made a nonce.
      if (!work.slice(nonces) || (making && !nonces.busy())) refill = false;
      return true;
    },
  };
  return signer;
}
