// The only door between the portable ledger code and a board: clock, entropy, small durable storage,
// links and a log. A board adapter in boards/<board>/ builds one from its runtime's native APIs; the
// ledger code never touches a global of the runtime itself.

/** A link to neighbours (UART cable, LoRa radio, or the emulator's virtual medium). */
export interface Link {
  /** Short name for logs and stats: 'uart0', 'lora'. */
  name: string;
  /** Largest frame this link carries in one piece, in bytes. */
  frameBytesMax: number;
  /** Queues one frame for sending; false when the link refuses it now (busy or over its duty cycle). */
  send(frame: Uint8Array): boolean;
  /** Milliseconds a frame of this many bytes occupies a shared medium (a radio); absent on a point-to-point cable. */
  airtimeMs?: (frameBytes: number) => number;
  /** Whether a frame is arriving now or a burst of them is under way (a radio); absent where it cannot tell. */
  receiving?: () => boolean;
  /** Services the link's receiver now (a radio's FIFO): called between slices, so a missed interrupt costs no frame. */
  poll?: () => void;
}

/**
 * Small durable storage with all-or-nothing writes of one key (Kaluma `storage`/`fs`, Espruino
 * `Storage`). Values are bytes; a board that stores strings encodes them itself.
 */
export interface KeyValueStore {
  read(key: string): Uint8Array | null;
  write(key: string, value: Uint8Array): void;
  remove(key: string): void;
}

export interface Platform {
  /** Board name as in boards/<board>/board.json. */
  board: string;
  /** Monotonic board clock in milliseconds (Kaluma `millis()`, Espruino `getTime()*1000`). */
  nowMs(): number;
  /** Wall-clock time in milliseconds since the Unix epoch, as well as the board knows it. */
  wallClockMs(): number;
  /** Bytes from the board's hardware entropy source; never Math.random. */
  randomBytes(count: number): Uint8Array;
  storage: KeyValueStore;
  links: Link[];
  /** One line for the board's log, with a fixed code first. */
  log(code: string, message: string): void;
  /** Heap bytes in use now, as the runtime reports it. */
  heapUsedBytes(): number;
  /** Feeds the hardware watchdog; called from every tick. */
  feedWatchdog(): void;
  /** The board's cryptography (BoardCrypto): the node hashes, signs and verifies only through it. */
  crypto: BoardCrypto;
}

/**
 * SHA-512 and Ed25519 as a board offers them: natively (the pico image's `smartcrypto` module, whose
 * functions have exactly these names and arguments; node:crypto on the host), or only SHA-512 where the
 * board runs the sliced JS path (boards/common/sliced-crypto.ts) for the rest; jsCrypto
 * (firmware/crypto/js-crypto.ts) is all of it in JS in one step, for hosts and tests. A board hands the
 * node its own, so a bundle carries only the cryptography its runtime lacks.
 */
export interface BoardCrypto {
  /** SHA-512 (FIPS 180-4): record ids, token and acknowledgement MACs. */
  sha512(bytes: Uint8Array): Uint8Array;
  /**
   * The Ed25519 public key of a 32-byte seed, in one step (RFC 8032 §5.1.5). Absent on a board that
   * derives it in slices (NodeConfig.derivePublicKey).
   */
  publicKey?(seed: Uint8Array): Uint8Array;
  /**
   * An Ed25519 signature in one step (RFC 8032 §5.1.6); secretKey is the seed then the public key.
   * Absent on a board that signs with precomputed nonces (NodeConfig.createNonceStock).
   */
  sign?(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * Verification in one step, with the shared policy applied (firmware/crypto/policy.ts: S < L,
   * canonical R and A); false on any malformed input, never a throw. Absent where a verification is too
   * long for one tick: the node then verifies in slices (NodeConfig.startVerify).
   */
  verify?(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}
