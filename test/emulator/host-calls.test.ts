// The direct call path into host functions (host-calls.ts) against quickjs-emscripten's own: the same
// program, calling host functions that return numbers, strings, objects, undefined, an argument, a
// `{ error }` result and that throw, gives the same answers, the same QuickJS interrupts (poll points)
// and the same memory_used_size in a context of each; and the installer refuses a context of another shape.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext } from 'quickjs-emscripten';
import { useDirectHostCalls } from '../../host-tools/emulator/host-calls';

const PROGRAM = `
var out = [];
for (var round = 0; round < 10000; round++) {
  out.push(host.twice(round), host.text('a' + round).length, host.object(round).n, host.nothing() === undefined, host.same(out) === out);
  try { host.fail(round); } catch (error) { out.push(error.message); }
  try { host.failResult(); } catch (error) { out.push(String(error)); }
}
JSON.stringify([out.length, out.slice(0, 12), out.slice(-12)]);
`;

/** Runs PROGRAM in a fresh runtime and context; returns its value, the interrupts counted and the memory in use. */
async function runProgram(direct: boolean): Promise<{ value: string; interrupts: number; memoryBytes: number }> {
  const module = await getQuickJS();
  const runtime = module.newRuntime();
  let interrupts = 0;
  runtime.setInterruptHandler(() => {
    interrupts++;
    return false;
  });
  const vm: QuickJSContext = runtime.newContext();
  if (direct) useDirectHostCalls(vm);
  const host = vm.newObject();
  const define = (name: string, body: (...args: ReturnType<QuickJSContext['newNumber']>[]) => unknown) => {
    const handle = vm.newFunction(name, body as never);
    vm.setProp(host, name, handle);
    handle.dispose();
  };
  define('twice', (value) => vm.newNumber(vm.getNumber(value) * 2));
  define('text', (value) => vm.newString(vm.getString(value) + '!'));
  define('object', (value) => {
    const object = vm.newObject();
    vm.setProp(object, 'n', vm.newNumber(vm.getNumber(value) + 1));
    return object;
  });
  define('nothing', () => undefined);
  define('same', (value) => value);
  define('fail', (value) => {
    throw new Error(`failed ${vm.getNumber(value)}`);
  });
  define('failResult', () => ({ error: vm.newString('refused') }));
  vm.setProp(vm.global, 'host', host);
  host.dispose();
  const value = vm.unwrapResult(vm.evalCode(PROGRAM)).consume((handle) => vm.getString(handle));
  const usage = runtime.computeMemoryUsage();
  const used = vm.getProp(usage, 'memory_used_size');
  const memoryBytes = vm.getNumber(used);
  used.dispose();
  usage.dispose();
  vm.dispose();
  runtime.dispose();
  return { value, interrupts, memoryBytes };
}

test('the direct path answers as the library path does, with the same interrupts and memory', async () => {
  const library = await runProgram(false);
  const direct = await runProgram(true);
  assert.ok(library.interrupts > 10, `the program takes interrupts (${library.interrupts})`);
  assert.equal(direct.value, library.value);
  assert.ok(direct.value.includes('failed 9999') && direct.value.includes('refused'), direct.value);
  assert.is(direct.interrupts, library.interrupts);
  assert.is(direct.memoryBytes, library.memoryBytes);
});

test('a context whose internals are not the known ones is refused', () => {
  assert.throws(() => useDirectHostCalls({} as QuickJSContext), /not the 0\.32/);
});

test.run();
