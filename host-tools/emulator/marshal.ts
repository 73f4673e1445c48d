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

/** A Uint8Array in the board holding a copy of the bytes. */
export function bytesHandle(vm: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  const buffer = vm.newArrayBuffer(bytes.slice().buffer);
  const make = vm.unwrapResult(vm.evalCode('(function (b) { return new Uint8Array(b); })'));
  const array = vm.unwrapResult(vm.callFunction(make, vm.undefined, buffer));
  make.dispose();
  buffer.dispose();
  return array;
}

/** An 8-bit String of the bytes, built inside the board (a host string would stop at a NUL byte). */
export function bytesString(vm: QuickJSContext, bytes: Uint8Array): QuickJSHandle {
  // Plain ASCII without NUL passes as a host string at once: the runtime's own Storage.read maps flash
  // and costs no board time, so neither should this (a 53 KB .bootcde built in a loop would).
  if (bytes.every((byte) => byte > 0 && byte < 0x80)) return vm.newString(Buffer.from(bytes).toString('latin1'));
  const array = bytesHandle(vm, bytes);
  const make = vm.unwrapResult(vm.evalCode('(function (a) { var s = ""; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return s; })'));
  try {
    return vm.unwrapResult(vm.callFunction(make, vm.undefined, array));
  } finally {
    make.dispose();
    array.dispose();
  }
}

/** The bytes of a board String (8-bit) or typed array; `wholeBuffer`: all of the ArrayBuffer behind it. */
export function hostBytes(vm: QuickJSContext, handle: QuickJSHandle, wholeBuffer: boolean): Uint8Array {
  const type = vm.typeof(handle);
  if (type === 'string') {
    const text = vm.getString(handle);
    return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
  }
  const bufferHandle = vm.getProp(handle, 'buffer');
  const offset = vm.getNumber(vm.getProp(handle, 'byteOffset'));
  const length = vm.getNumber(vm.getProp(handle, 'byteLength'));
  const lifetime = vm.getArrayBuffer(bufferHandle);
  const all = new Uint8Array(lifetime.value);
  const out = wholeBuffer ? all.slice() : all.slice(offset, offset + length);
  lifetime.dispose();
  bufferHandle.dispose();
  return out;
}

/** The numbers of a Float64Array (read as its bytes), or of any other array-like (read as JSON). */
export function hostNumbers(vm: QuickJSContext, handle: QuickJSHandle): ArrayLike<number> {
  const constructor = vm.getProp(handle, 'constructor');
  const name = vm.getProp(constructor, 'name');
  const isDoubles = vm.dump(name) === 'Float64Array';
  name.dispose();
  constructor.dispose();
  if (!isDoubles) return Object.values(vm.dump(handle) as Record<string, number>);
  const bytes = hostBytes(vm, handle, false);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}
