// The exact poll points of a call (poll-counter.ts): the counter found in a fresh context gives a loop's
// points linear in its length, the same per iteration whether or not the loop crosses QuickJS's interrupt
// (every 10,000 points), so the sum over calls is what the interrupts count; a context offering no such
// word is refused; and on an emulated board every call is charged its own points, not whole interrupts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext } from 'quickjs-emscripten';
import { POLLS_PER_INTERRUPT, findPollCounter, pollsBetween } from '../../host-tools/emulator/poll-counter';
import { EmulatedBoard } from '../../host-tools/emulator/board';
import { ESP32_COSTS } from '../../host-tools/emulator/cost-model';
import { loadQuickJS, seededRandom } from '../../host-tools/emulator/world';

async function freshContext(): Promise<{ vm: QuickJSContext; interrupts: () => number; dispose: () => void }> {
  const module = await getQuickJS();
  const runtime = module.newRuntime();
  let interrupts = 0;
  runtime.setInterruptHandler(() => {
    interrupts++;
    return false;
  });
  const vm = runtime.newContext();
  return { vm, interrupts: () => interrupts, dispose: () => { vm.dispose(); runtime.dispose(); } };
}

test('a loop is charged the same points per iteration below and across an interrupt', async () => {
  const { vm, interrupts, dispose } = await freshContext();
  const counter = findPollCounter(vm, interrupts);
  const polls = (iterations: number) => {
    const before = counter();
    const interruptsBefore = interrupts();
    vm.unwrapResult(vm.evalCode(`(function () { for (var i = 0; i < ${iterations}; i++) {} })()`)).dispose();
    return { polls: pollsBetween(before, counter(), interrupts() - interruptsBefore), interrupts: interrupts() - interruptsBefore };
  };
  const small = polls(100);
  const double = polls(200);
  const perIteration = (double.polls - small.polls) / 100;
  assert.ok(perIteration >= 1 && Number.isInteger(perIteration), `whole poll points per iteration (${perIteration})`);
  const overhead = small.polls - 100 * perIteration;
  const big = polls(25000);
  assert.ok(big.interrupts >= 2, `the long loop crosses interrupts (${big.interrupts})`);
  assert.is(big.polls, overhead + 25000 * perIteration, 'the points across interrupts are the linear count');
  // Over many calls the points add up to what the interrupts counted, within one interrupt.
  let total = 0;
  const startInterrupts = interrupts();
  for (let call = 0; call < 60; call++) total += polls(997).polls;
  assert.ok(Math.abs(total - (interrupts() - startInterrupts) * POLLS_PER_INTERRUPT) <= POLLS_PER_INTERRUPT, `${total} points against ${interrupts() - startInterrupts} interrupts`);
  dispose();
});

test('a context where no single word behaves as the counter is refused with a clear error', async () => {
  const { vm, dispose } = await freshContext();
  // An interrupt count that moves during every probe stands for a counter that cannot be told apart.
  let fake = 0;
  assert.throws(() => findPollCounter(vm, () => fake++), /every probe was interrupted/);
  const broken = Object.create(vm) as QuickJSContext;
  Object.defineProperty(broken, 'ctx', { value: undefined });
  assert.throws(() => findPollCounter(broken, () => 0), /not the 0\.32/);
  dispose();
});

test('an emulated board charges each call its own poll points', async () => {
  // An espruino board with no program: its calls are the REPL lines below.
  const board = new EmulatedBoard(await loadQuickJS(), { name: 'esp32', profile: 'espruino', costs: ESP32_COSTS, heapBytesMax: 229362, watchdogMs: 3600000, random: seededRandom(7) });
  board.load('');
  const charged: number[] = [];
  for (let call = 0; call < 40; call++) {
    board.evaluate('(function () { for (var i = 0; i < 50; i++) {} })()');
    charged.push(board.lastCallBoardMs());
  }
  const costs = board.options.costs;
  const least = Math.min(...charged);
  const most = Math.max(...charged);
  // Every call did the same work: the same charge, above the bare call cost, and far below one interrupt.
  assert.ok(least > costs.callMs, `a call's own points are charged (${least} ms)`);
  assert.ok(most - least < 1e-6, `every call the same (${least} to ${most} ms)`);
  assert.ok(most < costs.interruptMs / 2, `no call carries a whole interrupt (${most} ms against ${costs.interruptMs} ms)`);
});

test.run();
