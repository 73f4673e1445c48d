// Installs a board's runtime profile into a fresh context: the globals every profile shares (timers,
// print, console.log), then the runtime's own (kaluma.ts, espruino.ts, generic.ts). The GPIO and SPI
// globals and the native crypto module are the runtime's, not the program's: the heap they take is added
// to the baseline, as it was measured before they existed (heap-model.ts).
import type { QuickJSHandle } from 'quickjs-emscripten';
import type { BoardState } from '../board-state';
import { quickjsMemoryUsed } from '../heap-model';
import { defineFunction } from '../marshal';
import { installEspruino, installEspruinoConsole, installEspruinoGpio } from './espruino';
import { installGeneric } from './generic';
import { installKaluma, installKalumaGpio, makeNativeCrypto } from './kaluma';

function print(board: BoardState, args: QuickJSHandle[]): void {
  const vm = board.vm;
  board.log.push(args.map((arg) => (vm.typeof(arg) === 'string' ? vm.getString(arg) : JSON.stringify(vm.dump(arg)))).join(' '));
}

export function installProfile(board: BoardState): void {
  const vm = board.vm;
  const global = vm.global;
  const timersRequireDelay = board.profile === 'kaluma';
  defineFunction(vm, global, 'setTimeout', (callback, delay) => board.timers.add(vm, board.nowMs(), callback, delay, false, timersRequireDelay));
  defineFunction(vm, global, 'setInterval', (callback, delay) => board.timers.add(vm, board.nowMs(), callback, delay, true, timersRequireDelay));
  const clear = (id: QuickJSHandle) => board.timers.clear(vm.getNumber(id));
  defineFunction(vm, global, 'clearTimeout', clear);
  defineFunction(vm, global, 'clearInterval', clear);
  defineFunction(vm, global, 'print', (...args) => print(board, args));
  const consoleObject = vm.newObject();
  defineFunction(vm, consoleObject, 'log', (...args) => print(board, args));
  vm.setProp(global, 'console', consoleObject);
  consoleObject.dispose();
  if (board.profile === 'kaluma') installKaluma(board);
  else if (board.profile === 'espruino') installEspruino(board);
  else installGeneric(board);
  if (board.profile === 'emulator') return;
  const before = quickjsMemoryUsed(board.runtime, vm);
  if (board.profile === 'kaluma') {
    installKalumaGpio(board);
    // The native module's object is the image's, made before the program runs, like the GPIO globals.
    if (board.options.nativeCrypto !== undefined) board.nativeCryptoModule = makeNativeCrypto(board, board.options.nativeCrypto);
  } else {
    installEspruinoGpio(board);
    installEspruinoConsole(board);
  }
  board.heap.baselineBytes += quickjsMemoryUsed(board.runtime, vm) - before;
}
