// Values across the boundary between the host and an emulated board's QuickJS context: host functions
// as board globals, bytes in as a Uint8Array or an 8-bit String, bytes and numbers out.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

/** A host function as `target[name]` in the board. */
export function defineFunction(vm: QuickJSContext, target: QuickJSHandle, name: string, body: (...args: QuickJSHandle[]) => QuickJSHandle | void): void {
  const handle = vm.newFunction(name, (...args) => body(...args) ?? vm.undefined);
  vm.setProp(target, name, handle);
  handle.dispose();
}

/** Host functions cannot be called with `new`: a small constructor in the board forwards to `open`. */
export function setConstructor(vm: QuickJSContext, module: QuickJSHandle, name: string, open: QuickJSHandle): void {
  const wrap = vm.unwrapResult(vm.evalCode(`(function (open) { return function ${name}(a, b) { return open(a, b); }; })`));
  const constructor = vm.unwrapResult(vm.callFunction(wrap, vm.undefined, open));
  vm.setProp(module, name, constructor);
  for (const handle of [wrap, constructor, open]) handle.dispose();
}

/**
 * The two board functions the marshalling calls, compiled once per context (prepareMarshal, at boot before
 * the heap baseline is taken: they are the emulator's, not the program's). Compiling them on every call
 * was a tenth of a city's host time (every SPI transfer with the radio makes a Uint8Array).
 */
type Makers = { array: QuickJSHandle; string: QuickJSHandle };
const makers = new WeakMap<QuickJSContext, Makers>();

export function prepareMarshal(vm: QuickJSContext): Makers {
  let made = makers.get(vm);
  if (made === undefined) {
    made = {
      array: vm.unwrapResult(vm.evalCode('(function (b) { return new Uint8Array(b); })')),
      string: vm.unwrapResult(vm.evalCode('(function (a) { var s = ""; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return s; })')),
    };
    makers.set(vm, made);
  }
  return made;
}

/** Releases the context's compiled functions, before the context is disposed. */
export function releaseMarshal(vm: QuickJSContext): void {
  const made = makers.get(vm);
  if (made === undefined) return;
  made.array.dispose();
  made.string.dispose();
  makers.delete(vm);
}

/** A Uint8Array in the board holding a copy of the bytes. */
export function bytesHandle(vm: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  const buffer = vm.newArrayBuffer(bytes.slice().buffer);
  const array = vm.unwrapResult(vm.callFunction(prepareMarshal(vm).array, vm.undefined, buffer));
  buffer.dispose();
  return array;
}

/** An 8-bit String of the bytes, built inside the board (a host string would stop at a NUL byte). */
export function bytesString(vm: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  // Plain ASCII without NUL passes as a host string at once: the runtime's own Storage.read maps flash
  // and costs no board time, so neither should this (a 53 KB .bootcde built in a loop would).
  if (bytes.every((byte) => byte > 0 && byte < 0x80)) return vm.newString(Buffer.from(bytes).toString('latin1'));
  const array = bytesHandle(vm, bytes);
  try {
    return vm.unwrapResult(vm.callFunction(prepareMarshal(vm).string, vm.undefined, array));
  } finally {
    array.dispose();
  }
}

/** A number property of a board value (its handle released at once). */
function numberProp(vm: QuickJSContext, handle: QuickJSHandle, name: string): number {
  const value = vm.getProp(handle, name);
  const number = vm.getNumber(value);
  value.dispose();
  return number;
}

/** The bytes of a board String (8-bit) or typed array; `wholeBuffer`: all of the ArrayBuffer behind it. */
export function hostBytes(vm: QuickJSContext, handle: QuickJSHandle, wholeBuffer: boolean): Uint8Array {
  const type = vm.typeof(handle);
  if (type === 'string') {
    const text = vm.getString(handle);
    return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
  }
  const bufferHandle = vm.getProp(handle, 'buffer');
  const offset = numberProp(vm, handle, 'byteOffset');
  const length = numberProp(vm, handle, 'byteLength');
  const lifetime = vm.getArrayBuffer(bufferHandle);
  const all = new Uint8Array(lifetime.value);
  const out = wholeBuffer ? all.slice() : all.slice(offset, offset + length);
  lifetime.dispose();
  bufferHandle.dispose();
  return out;
}

/** The numbers of a Float64Array (read as its bytes), or of any other array-like (read as JSON). */
export function hostNumbers(vm: QuickJSContext, handle: QuickJSHandle): ArrayLike<number> {
  // A Float64Array is told by its element size and a number in it (Espruino has no BigInt64Array): a
  // few property reads, where its constructor's name took a string across the boundary on every call.
  const size = vm.getProp(handle, 'BYTES_PER_ELEMENT');
  const isDoubles = vm.typeof(size) === 'number' && vm.getNumber(size) === 8;
  size.dispose();
  if (!isDoubles) return Object.values(vm.dump(handle) as Record<string, number>);
  const bytes = hostBytes(vm, handle, false);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}
