// Calls from an emulated board's program into the host's functions (vm.newFunction), in straight-line
// code. quickjs-emscripten 0.32 runs each such call through two generators and a Scope so that its
// asyncified build can suspend (QuickJSContext's cToHostCallbacks.callFunction in quickjs-emscripten-core):
// a quarter of a city's host time, and much of its garbage collection, went there (docs/emulator.md). The
// emulator uses the sync build, which never suspends, so this takes the same steps in the same order:
// the receiver and arguments as weak handles, the host function, its result duplicated for the board
// and released, a thrown error thrown into the board. Nothing the board runs changes: the same values,
// the same QuickJS poll points and allocations, so board time and heap are what they were.
import { Lifetime, WeakLifetime } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

type HostFunction = (this: QuickJSHandle, ...args: QuickJSHandle[]) => unknown;
type HostResult = QuickJSHandle | { error?: QuickJSHandle; value?: QuickJSHandle } | undefined | void;
/** The members of quickjs-emscripten-core 0.32's QuickJSContext this relies on (checked at install). */
type ContextInternals = {
  ctx: { value: number };
  cToHostCallbacks: { callFunction: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number };
  getFunction(fnId: number): HostFunction;
  errorToHandle(error: unknown): QuickJSHandle;
  ffi: {
    QTS_ArgvGetJSValueConstPointer(argv: number, index: number): number;
    QTS_DupValuePointer(ctx: number, value: number): number;
    QTS_Throw(ctx: number, error: number): number;
  };
  memory: { copyJSValue: (value: number) => number; freeJSValue: (value: number) => void };
};

/** Replaces the context's call path into host functions; throws if the library's shape is not the one known. */
export function useDirectHostCalls(vm: QuickJSContext): void {
  const inner = vm as unknown as ContextInternals;
  const known = typeof inner.cToHostCallbacks?.callFunction === 'function' && typeof inner.getFunction === 'function' &&
    typeof inner.errorToHandle === 'function' && typeof inner.ffi?.QTS_ArgvGetJSValueConstPointer === 'function' &&
    typeof inner.ffi.QTS_DupValuePointer === 'function' && typeof inner.ffi.QTS_Throw === 'function' &&
    typeof inner.memory?.copyJSValue === 'function' && typeof inner.memory.freeJSValue === 'function' && typeof inner.ctx?.value === 'number';
  if (!known) throw new Error('host-calls: quickjs-emscripten is not the 0.32 this was written for (QuickJSContext internals differ)');
  const { ffi, memory } = inner;
  const runtime = vm.runtime;
  const weak = (pointer: number) => new WeakLifetime(pointer, memory.copyJSValue, memory.freeJSValue, runtime) as unknown as QuickJSHandle;
  inner.cToHostCallbacks.callFunction = (ctx, thisPtr, argc, argv, fnId) => {
    if (ctx !== inner.ctx.value) throw new Error('host-calls: a call from another context');
    const fn = inner.getFunction(fnId);
    const thisHandle = weak(thisPtr);
    const args: QuickJSHandle[] = new Array(argc);
    for (let index = 0; index < argc; index++) args[index] = weak(ffi.QTS_ArgvGetJSValueConstPointer(argv, index));
    let handle: QuickJSHandle | undefined;
    try {
      const result = fn.apply(thisHandle, args) as HostResult;
      if (!result) return 0;
      if (!(result instanceof Lifetime) && 'error' in result && result.error) throw result.error;
      handle = result instanceof Lifetime ? result : result.value;
      if (handle === undefined) return 0;
      return ffi.QTS_DupValuePointer(inner.ctx.value, handle.value as unknown as number);
    } catch (error) {
      return inner.errorToHandle(error).consume((errorHandle) => ffi.QTS_Throw(inner.ctx.value, errorHandle.value as unknown as number));
    } finally {
      // As the library's Scope does on leaving: the result, then the arguments and receiver, last first.
      if (handle !== undefined && handle.alive) handle.dispose();
      for (let index = argc - 1; index >= 0; index--) args[index].dispose();
      thisHandle.dispose();
    }
  };
}
