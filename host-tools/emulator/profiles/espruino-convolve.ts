// Espruino's native E.convolve(a, b, offset) for the emulated ESP32: sum over i of a[i] b[(i + offset)
// mod b.length]. The board's field multiplication makes 16 calls of it per operation and its arithmetic
// mod L a hundred a signature (boards/esp32/field-convolve.ts, scalar-convolve.ts), so a mixed city makes
// millions. As a host function each call crossed into the host a dozen times (the arrays' buffers,
// offsets and lengths read, the number made), which was most of an esp32's host time; this one runs
// inside the board's QuickJS for the Float64Arrays of up to KERNEL_LIMBS_MAX entries the firmware passes,
// and hands anything else to the host function (hostConvolve), so every input gets the host's answer.
//
// Board time is the cost model's, per call (convolveCalls), as before, plus the QuickJS interrupts the
// call takes. The calibration (esp32-calibration.json, field_op_convolve) counted those interrupts with
// the host function, which takes 7 QuickJS poll points a call (its entry, and the getters buffer,
// byteOffset and byteLength of both arrays, read from the host); QuickJS polls at each call, each
// getter and each conditional jump. This one takes the same 7 (its entry, both byteLengths, the buffer
// and byteOffset of a and the buffer of b, and the kernel's call), with no branch, so the interrupts,
// the board time and a city's run stay exactly what they were (test/emulator/espruino-convolve.test.ts
// counts them). Only the host fallback (never taken by the firmware) costs its own 7 more.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import { type BoardState, peekConvolveCalls } from '../board-state';
import { quickjsMemoryUsed } from '../heap-model';
import { hostNumbers } from '../marshal';

/** The longest `a` the in-board kernels take (the firmware passes 16 limbs at most). */
export const KERNEL_LIMBS_MAX = 16;

/** The host's dot product: the reference every kernel must equal, and the fallback for other inputs. */
export function hostConvolve(vm: QuickJSContext, left: QuickJSHandle, right: QuickJSHandle, offsetHandle: QuickJSHandle): number {
  const a = hostNumbers(vm, left);
  const b = hostNumbers(vm, right);
  const lengthA = a.length;
  const lengthB = b.length;
  const offset = vm.getNumber(offsetHandle);
  let sum = 0;
  for (let index = 0; index < lengthA; index++) sum += a[index] * b[(index + offset) % lengthB];
  return sum;
}

/** A kernel for `a` of `limbs` entries: the host's sum, term by term in the same order, without a loop. */
function kernelSource(limbs: number): string {
  const terms = Array.from({ length: limbs }, (_, index) => `$cvS += $cvA[${index}] * $cvB[(${index} + $cvO) % $cvM];`).join(' ');
  return `function ($cvA, $cvB, $cvO, $cvM) { var $cvS = 0; ${terms} return $cvS; }`;
}

/**
 * The board-side E.convolve. kernels[k] takes an `a` of k doubles; kernels[0] is the host function.
 * The key is computed without a branch: k when both are Float64Arrays, the offset a number and a at
 * most KERNEL_LIMBS_MAX long, else 0 (`| 0` turns the NaN of an array without byteLength into 0).
 * `$cvCalls` counts the calls for the cost model. Every name is the emulator's own ($cv...): a name the
 * bundle also uses would become an atom here, before the bundle, and leave the program's heap short of it.
 */
const WRAPPER = `(function ($cvHost, $cvCount) {
  var $cvKernels = [function ($cvA, $cvB, $cvO) { return $cvHost($cvA, $cvB, $cvO); }, ${Array.from({ length: KERNEL_LIMBS_MAX }, (_, index) => kernelSource(index + 1)).join(', ')}];
  return function convolve($cvA, $cvB, $cvO) {
    var $cvN = $cvA.byteLength / 8, $cvM = $cvB.byteLength / 8;
    $cvA.buffer; $cvA.byteOffset; $cvB.buffer;
    $cvCount.$cvCalls++;
    return $cvKernels[(($cvA.BYTES_PER_ELEMENT === 8 & $cvB.BYTES_PER_ELEMENT === 8 & typeof $cvO === 'number' & $cvN <= ${KERNEL_LIMBS_MAX}) * $cvN) | 0]($cvA, $cvB, $cvO, $cvM);
  };
})`;

/**
 * Sets `target.convolve` and returns the call counter's handle (the caller owns it). The host function
 * is set first, as it was alone before, and counts as the program's heap as it did; what the in-board
 * parts add is the emulator's, so it goes into the heap baseline and a board's heap stays what it was.
 */
export function installConvolve(board: BoardState, target: QuickJSHandle): QuickJSHandle {
  const vm = board.vm;
  const host = vm.newFunction('convolve', (left, right, offset) => vm.newNumber(hostConvolve(vm, left, right, offset)));
  vm.setProp(target, 'convolve', host);
  const before = quickjsMemoryUsed(board.runtime, vm);
  const count = vm.newObject();
  const zero = vm.newNumber(0);
  vm.setProp(count, '$cvCalls', zero);
  const wrap = vm.unwrapResult(vm.evalCode(WRAPPER, 'espruino-convolve'));
  const convolve = vm.unwrapResult(vm.callFunction(wrap, vm.undefined, host, count));
  vm.setProp(target, 'convolve', convolve);
  for (const handle of [zero, wrap, convolve, host]) handle.dispose();
  board.heap.baselineBytes += quickjsMemoryUsed(board.runtime, vm) - before;
  return count;
}

/** The calls made since the last reading (the counter restarts at 0). */
export function takeConvolveCalls(vm: QuickJSContext, count: QuickJSHandle): number {
  const calls = peekConvolveCalls(vm, count);
  if (calls !== 0) {
    const zero = vm.newNumber(0);
    vm.setProp(count, '$cvCalls', zero);
    zero.dispose();
  }
  return calls;
}
