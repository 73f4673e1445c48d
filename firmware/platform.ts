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
  /**
   * Native Ed25519, where the platform has it (the host's node:crypto in simulations; a board with a
   * crypto engine). The node applies the shared policy first and falls back to tweetnacl without it.
   */
  nativeEd25519?: {
    verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
    sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  };
}
