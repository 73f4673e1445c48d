// What work costs on each board, so an emulated board's clock advances by board time, deterministically:
// never by wall-clock readings taken during a run. Two parts:
//
// 1. Interpreter work, counted by QuickJS's interrupt handler, which QuickJS calls every 10,000 "poll
//    points" (function calls and backward jumps): the count depends only on the code and its inputs.
//    Basis (docs/platforms.md D): an integer loop runs about 15,800 iterations a second in Kaluma 1.2.1 on an
//    emulated RP2040, and such a loop costs one QuickJS interrupt per 4,975 iterations (measured here),
//    so one interrupt is 0.315 s of pico time.
// 2. Cryptography, whose straight-line field arithmetic has few poll points, so interrupts undercount
//    it: the firmware counts its tweetnacl operations (node stats crypto_verify, crypto_sign,
//    crypto_hash) and each adds the board time that the interrupts of that operation do not already
//    account for. Basis: one nacl-fast verification takes 226 s of board time on the emulated RP2040;
//    boards bundle nacl.js, which JerryScript runs 3.06 times slower than nacl-fast (1,260 / 412 ms on the
//    host, docs/platforms.md D), so 691 s; a signature half of that; SHA-512 of two blocks 1,179 ms. Measured
//    QuickJS interrupts for nacl.js: 961 per verify, 488 per sign, 3.15 per two-block SHA-512.
// 3. The firmware's fast verification counts its field multiplications and squarings (crypto_field_ops).
//    tweetnacl's verify does 10,252 of them in 691 s of pico time: 67.4 ms each, all in; QuickJS counts
//    0.094 interrupts per field operation (measured: 727 for 7,746 operations), 29.6 ms of it, so each
//    adds 37.8 ms beyond its interrupts.
//
// ESP32 (Espruino): 8.1 times slower than JerryScript on the same CPU (3,345 / 412 ms, docs/platforms.md D)
// and 240 MHz against 125 MHz: 8.1 x 125 / 240 = 4.2 times the pico's figures. A real board replaces
// these figures with its own measurement (`BoardCosts` is plain data).

export type BoardCosts = {
  /** Board milliseconds per QuickJS interrupt (10,000 poll points). */
  interruptMs: number;
  /** Board milliseconds a tweetnacl operation costs beyond its own interrupts. */
  verifyExtraMs: number;
  signExtraMs: number;
  hashExtraMs: number;
  /** Board milliseconds a field multiplication or squaring of the fast verification costs beyond its interrupts. */
  fieldOpExtraMs: number;
  /** Board milliseconds per call into the board (event dispatch, timer). */
  callMs: number;
  /** The factor relating this board to the pico, and where it comes from. */
  basis: string;
};

const PICO_INTERRUPT_MS = 315;
const NACL_VERIFY_INTERRUPTS = 961;
const NACL_SIGN_INTERRUPTS = 488;
const PICO_VERIFY_MS = 226000 * (1260 / 412);
const PICO_SIGN_MS = PICO_VERIFY_MS / 2;
const PICO_HASH_MS = 1179;

export const PICO_COSTS: BoardCosts = {
  interruptMs: PICO_INTERRUPT_MS,
  verifyExtraMs: PICO_VERIFY_MS - NACL_VERIFY_INTERRUPTS * PICO_INTERRUPT_MS,
  signExtraMs: PICO_SIGN_MS - NACL_SIGN_INTERRUPTS * PICO_INTERRUPT_MS,
  hashExtraMs: PICO_HASH_MS - 3.15 * PICO_INTERRUPT_MS,
  fieldOpExtraMs: PICO_VERIFY_MS / 10252 - 0.094 * PICO_INTERRUPT_MS,
  callMs: 0.06,
  basis: 'Kaluma 1.2.1 on an emulated RP2040 (docs/platforms.md D): 226 s per nacl-fast verify, 15,800 loop iterations/s',
};

const ESP32_FACTOR = (3345 / 412) * (125 / 240);

export const ESP32_COSTS: BoardCosts = {
  interruptMs: PICO_COSTS.interruptMs * ESP32_FACTOR,
  verifyExtraMs: PICO_COSTS.verifyExtraMs * ESP32_FACTOR,
  signExtraMs: PICO_COSTS.signExtraMs * ESP32_FACTOR,
  hashExtraMs: PICO_COSTS.hashExtraMs * ESP32_FACTOR,
  fieldOpExtraMs: PICO_COSTS.fieldOpExtraMs * ESP32_FACTOR,
  callMs: PICO_COSTS.callMs * ESP32_FACTOR,
  basis: `pico x ${ESP32_FACTOR.toFixed(2)}: Espruino 8.1x slower than JerryScript per operation, 240 MHz vs 125 MHz`,
};

/** The generic emulator board runs at the host's QuickJS speed: about 1,400 times the pico's (docs/platforms.md D). */
export const HOST_QUICKJS_COSTS: BoardCosts = {
  interruptMs: PICO_COSTS.interruptMs / 1400,
  verifyExtraMs: PICO_COSTS.verifyExtraMs / 1400,
  signExtraMs: PICO_COSTS.signExtraMs / 1400,
  hashExtraMs: PICO_COSTS.hashExtraMs / 1400,
  fieldOpExtraMs: PICO_COSTS.fieldOpExtraMs / 1400,
  callMs: PICO_COSTS.callMs / 1400,
  basis: 'pico / 1,400: QuickJS on this host against Kaluma on an emulated RP2040 (docs/platforms.md D)',
};

/** By board name; host-tools/emulator/profile.ts maps a board.json's runtime to its costs. */
export const COSTS: Record<string, BoardCosts> = { pico: PICO_COSTS, 'pico-stock': PICO_COSTS, esp32: ESP32_COSTS, emulator: HOST_QUICKJS_COSTS };

export type WorkCount = { interrupts: number; verifies: number; signs: number; hashes: number; fieldOps: number; calls: number };

export function boardMs(costs: BoardCosts, work: WorkCount): number {
  return (
    work.interrupts * costs.interruptMs + work.verifies * costs.verifyExtraMs + work.signs * costs.signExtraMs +
    work.hashes * costs.hashExtraMs + work.fieldOps * costs.fieldOpExtraMs + work.calls * costs.callMs
  );
}
