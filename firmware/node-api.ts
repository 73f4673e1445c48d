// The surface a board adapter sees of the light node: created once at boot, fed frames from the links
// by the board's event handlers (which only append to a bounded inbox), and advanced by tick, which does
// a bounded amount of work per call.
import type { KeyValueStore, Platform } from './platform';

export type NodeConfig = {
  /** Member id assigned at registration (0 before the node is registered). */
  memberId: number;
  /** 32-byte Ed25519 seed, provisioned or drawn from the board's entropy on first boot. */
  seed?: Uint8Array;
  /**
   * The public key of that seed, when provisioned with it: deriving it is a scalar multiplication,
   * minutes of board time on a Pico, so a board told its key skips the derivation at boot.
   */
  publicKey?: Uint8Array;
  /**
   * The member's token key, shared with the aggregator alone (provisioned by the consortium): its
   * proof-of-time grants and the aggregator's acknowledgements of its records are MACs under it.
   */
  tokenKey: Uint8Array;
  /** Heap bytes the node may use for its fixed-capacity structures (from boards/<board>/board.json). */
  heapBytesBudget: number;
  /** The consortium's public key: it signs membership records. */
  consortiumPublicKey: Uint8Array;
  /** The aggregator's public key: it signs offload acknowledgements and balance checkpoints. */
  aggregatorPublicKey: Uint8Array;
  /** Members provisioned with the firmware (id, key, starting balance); more arrive as membership records. */
  members?: { id: number; publicKey: Uint8Array; balance: number }[];
  /** Proof of time: tokens required per record (k), slot length, and how long a grant stays usable. */
  tokensRequired?: number;
  slotMs?: number;
  /** Cap selection: alpha of the weighted walk; 0 gives the uniform random walk. */
  alpha?: number;
  /**
   * Starts a resumable signature verification (firmware/crypto/fast-verify.ts), for a board whose
   * cryptography has no one-step verify (platform.crypto.verify); such a board must give it.
   */
  startVerify?: (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => VerificationJob;
  /**
   * Offline/online signing (firmware/crypto/nonces.ts) on boards whose heap holds it: nonces are
   * precomputed in idle time and each signature then costs one SHA-512.
   */
  createNonceStock?: (
    store: KeyValueStore,
    seed: Uint8Array,
    publicKey: Uint8Array,
    randomBytes: (count: number) => Uint8Array,
  ) => { sign(message: Uint8Array): Uint8Array | null; step(units: number): boolean; operations(): number; count(): number; busy(): boolean; hashes?(): number };
  /**
   * Derives the public key from the seed as a resumable job ([a]B, firmware/crypto/fast-verify.ts), for a
   * node not provisioned with its key: the derivation is minutes of board time, so it runs a slice per tick.
   */
  derivePublicKey?: (seed: Uint8Array) => { step(units: number): boolean; value(): Uint8Array | null; operations(): number };
  /** Verify only as many records as the node's own records approve, the newest first (firmware/node/admission.ts): for a slow verifier. */
  rationVerification?: boolean;
  /** Field operations per slice of a background signature verification. */
  verifySliceUnits?: number;
  clockSkewMs?: number;
  recordAgeMaxMs?: number;
  helloIntervalMs?: number;
};

/** The board's clocks, as the platform gives them. */
export type Clock = { nowMs(): number; wallClockMs(): number };

/** A record the node is asked to issue (the EV's trader asks): its kind and terms. */
export type IssueRequest = {
  kind: number;
  energyWh: number;
  ecash: number;
  counterparty?: number;
  ref?: Uint8Array;
};

export type NodeStats = { [name: string]: number | string };

/** A verification advanced in slices: step returns true once finished, then valid() is the answer. */
export interface VerificationJob {
  step(units: number): boolean;
  valid(): boolean;
  /** Field operations done so far, for the board's cost accounting. */
  operations(): number;
  /** SHA-512 computations done so far, for the board's cost accounting. */
  hashes?(): number;
}

export interface LightNode {
  /**
   * Advances the node by one bounded slice of work; feeds the watchdog. True when it did work or has
   * some waiting (the board ticks again soon), false when idle (the board may sleep until a frame).
   */
  tick(nowMs: number): boolean;
  /** Hands a frame received on links[linkIndex] to the node; never throws, drops when the inbox is full. */
  receive(linkIndex: number, frame: Uint8Array): void;
  stats(): NodeStats;
}

export type CreateNode = (platform: Platform, config: NodeConfig) => LightNode;
