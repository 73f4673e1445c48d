// What work costs on each board, so an emulated board's clock advances by board time, deterministically:
// never by wall-clock readings taken during a run. Two parts:
//
// 1. Interpreter work, counted by QuickJS's interrupt handler, which QuickJS calls every 10,000 "poll
//    points" (function calls and backward jumps): the count depends only on the code and its inputs.
//    Basis: such a loop costs one QuickJS interrupt per 4,975 iterations (measured here), and 20,000
//    iterations of it take 216 ms of board time on Kaluma 1.2.1's own firmware in the rp2040 engine
//    (test/emulator/rp2040-engine.test.ts prints it), so one interrupt is 53.7 ms of pico time. (The
//    earlier basis, 15,800 iterations a second in docs/platforms.md D, 0.315 s an interrupt, was measured
//    while rp2040js answered every idle USB read at once, which took about two thirds of the cycles.)
//    The crypto totals below are still those earlier measurements: pessimistic, to be re-measured.
//    A call is charged its own poll points at that rate (poll-counter.ts reads QuickJS's counter before
//    and after it), not whole interrupts: the totals are the same, and no call carries another's work.
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
// ESP32 (Espruino): crypto calibrated on Espruino's own interpreter (ESP32_COSTS below); the rest is
// 8.1 times slower than JerryScript on the same CPU (3,345 / 412 ms, docs/platforms.md D) at 240 against
// 125 MHz: 4.2 times the pico's figures. A real board replaces these with its own measurement.

import esp32Calibration from './esp32-calibration.json';
import { POLLS_PER_INTERRUPT } from './poll-counter';

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
  /**
   * Native work (Espruino's crypto module and E.convolve; absent on boards without them): board
   * milliseconds per native SHA-512 call and per 128-byte block, and per field multiplication made of 16
   * E.convolve calls, beyond its interrupts. A hash or field operation the firmware counts that went
   * through a native call is charged these instead of hashExtraMs or fieldOpExtraMs.
   */
  nativeHashCallMs?: number;
  nativeHashBlockMs?: number;
  convolveFieldOpExtraMs?: number;
  /** Board milliseconds of one garbage collection the program asks for (Espruino's process.memory()). */
  collectionMs?: number;
  /** The factor relating this board to the pico, and where it comes from. */
  basis: string;
};

/** 20,000 loop iterations on the real firmware (rp2040 engine, 216 ms) over 20,000 / 4,975 interrupts here. */
const PICO_INTERRUPT_MS = 216 / (20000 / 4975);
/** The earlier figure, which the esp32's interpreter work and the generic board are still scaled from. */
const PICO_INTERRUPT_MS_EARLIER = 315;
const NACL_VERIFY_INTERRUPTS = 961;
const NACL_SIGN_INTERRUPTS = 488;
const PICO_VERIFY_MS = 226000 * (1260 / 412);
const PICO_SIGN_MS = PICO_VERIFY_MS / 2;
const PICO_HASH_MS = 1179;

/** The pico's costs for a given interpreter cost: each crypto total stays what was measured. */
function picoCosts(interruptMs: number, basis: string): BoardCosts {
  return {
    interruptMs: interruptMs,
    verifyExtraMs: PICO_VERIFY_MS - NACL_VERIFY_INTERRUPTS * interruptMs,
    signExtraMs: PICO_SIGN_MS - NACL_SIGN_INTERRUPTS * interruptMs,
    hashExtraMs: PICO_HASH_MS - 3.15 * interruptMs,
    fieldOpExtraMs: PICO_VERIFY_MS / 10252 - 0.094 * interruptMs,
    callMs: 0.06,
    basis: basis,
  };
}

export const PICO_COSTS = picoCosts(
  PICO_INTERRUPT_MS,
  'interpreter: 53.7 ms an interrupt, a loop timed on Kaluma 1.2.1 in the rp2040 engine; crypto: 226 s per nacl-fast verify on an emulated RP2040 (docs/platforms.md D)',
);
const PICO_COSTS_EARLIER = picoCosts(PICO_INTERRUPT_MS_EARLIER, 'docs/platforms.md D');

/** The pico-to-ESP32 factor that still sets the ESP32's general interpreter cost (interrupts, calls). */
const ESP32_FACTOR = (3345 / 412) * (125 / 240);
const ESP32_INTERRUPT_MS = PICO_COSTS_EARLIER.interruptMs * ESP32_FACTOR;
type Measured = { esp32_ms: number; quickjs_interrupts: number };
/** Board milliseconds of a calibrated workload beyond what its QuickJS interrupts already charge. */
const beyondInterrupts = (unit: Measured) => Math.max(0, unit.esp32_ms - unit.quickjs_interrupts * ESP32_INTERRUPT_MS);
const esp32Units = esp32Calibration.per_unit;

/**
 * ESP32 (Espruino). Crypto is calibrated on Espruino 2v29's own interpreter (its Linux build), per
 * workload, by `npx smartchain bench validation --target espruino --board esp32`, which writes
 * esp32-calibration.json: a field multiplication (tweetnacl's M, and through E.convolve), SHA-512 of a
 * record (tweetnacl's, and the native module, per call: a record is two blocks), each as projected ESP32
 * milliseconds (host CPU time x HOST_TO_ESP32, validation-espruino.ts) less what its QuickJS interrupts
 * charge. tweetnacl's own verify and sign (the naive path) are its field multiplications at that cost.
 * The general interpreter cost per interrupt and per call is still the pico's x 4.23; the codec workload
 * of the same calibration measures more (docs/emulator.md), not adopted yet.
 */
export const ESP32_COSTS: BoardCosts = {
  interruptMs: ESP32_INTERRUPT_MS,
  verifyExtraMs: esp32Calibration.tweetnacl_field_ops_per_verification * beyondInterrupts(esp32Units.field_op_js),
  signExtraMs: (esp32Calibration.tweetnacl_field_ops_per_verification * beyondInterrupts(esp32Units.field_op_js)) / 2,
  hashExtraMs: beyondInterrupts(esp32Units.sha512_record_js),
  fieldOpExtraMs: beyondInterrupts(esp32Units.field_op_js),
  callMs: PICO_COSTS_EARLIER.callMs * ESP32_FACTOR,
  nativeHashCallMs: beyondInterrupts(esp32Units.sha512_record_native),
  nativeHashBlockMs: 0,
  convolveFieldOpExtraMs: beyondInterrupts(esp32Units.field_op_convolve),
  collectionMs: esp32Units.collection.esp32_ms,
  basis: `crypto calibrated on Espruino 2v29's interpreter x ${esp32Calibration.host_to_esp32} (HOST_TO_ESP32); interpreter work pico x ${ESP32_FACTOR.toFixed(2)}`,
};

/** The generic emulator board runs at the host's QuickJS speed: about 1,400 times the pico's (docs/platforms.md D). */
export const HOST_QUICKJS_COSTS: BoardCosts = {
  interruptMs: PICO_COSTS_EARLIER.interruptMs / 1400,
  verifyExtraMs: PICO_COSTS_EARLIER.verifyExtraMs / 1400,
  signExtraMs: PICO_COSTS_EARLIER.signExtraMs / 1400,
  hashExtraMs: PICO_COSTS_EARLIER.hashExtraMs / 1400,
  fieldOpExtraMs: PICO_COSTS_EARLIER.fieldOpExtraMs / 1400,
  callMs: PICO_COSTS_EARLIER.callMs / 1400,
  basis: 'pico / 1,400: QuickJS on this host against Kaluma on an emulated RP2040 (docs/platforms.md D)',
};

export type WorkCount = {
  /** QuickJS interrupts (every 10,000 poll points) and the exact poll points (poll-counter.ts); time is charged by the points. */
  interrupts: number; polls: number; verifies: number; signs: number; hashes: number; fieldOps: number; calls: number;
  /** Native SHA-512 calls, their 128-byte blocks, and E.convolve calls (16 per field operation). */
  nativeHashes: number; nativeHashBlocks: number; convolveCalls: number;
};

export function emptyWork(): WorkCount {
  return { interrupts: 0, polls: 0, verifies: 0, signs: 0, hashes: 0, fieldOps: 0, calls: 0, nativeHashes: 0, nativeHashBlocks: 0, convolveCalls: 0 };
}

/** E.convolve calls per field multiplication (boards/esp32/field-convolve.ts: one per output limb). */
export const CONVOLVE_CALLS_PER_FIELD_OP = 16;

export function boardMs(costs: BoardCosts, work: WorkCount): number {
  // The firmware counts every hash and field operation; those done natively are charged as native.
  const jsHashes = Math.max(0, work.hashes - work.nativeHashes);
  const convolvedOps = work.convolveCalls / CONVOLVE_CALLS_PER_FIELD_OP;
  const jsFieldOps = Math.max(0, work.fieldOps - convolvedOps);
  return (
    (work.polls / POLLS_PER_INTERRUPT) * costs.interruptMs + work.verifies * costs.verifyExtraMs + work.signs * costs.signExtraMs +
    jsHashes * costs.hashExtraMs + jsFieldOps * costs.fieldOpExtraMs + work.calls * costs.callMs +
    work.nativeHashes * (costs.nativeHashCallMs ?? 0) + work.nativeHashBlocks * (costs.nativeHashBlockMs ?? 0) +
    convolvedOps * (costs.convolveFieldOpExtraMs ?? 0)
  );
}
