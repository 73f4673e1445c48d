// The generic emulator board's profile (boards/emulator, runtime quickjs): one `__board` object with the
// board clock, wall clock, random bytes, key-value storage, frame links to the world, log, heap and the
// provisioning JSON, instead of a real runtime's globals.
import { BoardState, WORLD_EPOCH_MS } from '../board-state';
import { bytesHandle, defineFunction, hostBytes } from '../marshal';

export function installGeneric(state: BoardState): void {
  const vm = state.vm;
  const board = vm.newObject();
  defineFunction(vm, board, 'now_ms', () => vm.newNumber(state.nowMs()));
  // Whole milliseconds, as a board's clock reads: board time accumulates fractions of a millisecond.
  defineFunction(vm, board, 'wall_ms', () => vm.newNumber(WORLD_EPOCH_MS + Math.floor(state.nowMs())));
  defineFunction(vm, board, 'random_bytes', (count) => bytesHandle(vm, state.randomBytes(vm.getNumber(count))));
  defineFunction(vm, board, 'storage_read', (key) => {
    const data = state.files.get(vm.getString(key));
    return data === undefined ? vm.null : bytesHandle(vm, data);
  });
  defineFunction(vm, board, 'storage_write', (key, value) => void state.files.set(vm.getString(key), hostBytes(vm, value, false)));
  defineFunction(vm, board, 'storage_remove', (key) => void state.files.delete(vm.getString(key)));
  defineFunction(vm, board, 'send', (link, frame) => {
    state.outbox.push({ port: vm.getNumber(link), bytes: hostBytes(vm, frame, false) });
    return vm.true;
  });
  defineFunction(vm, board, 'on_frame', (callback) => {
    state.frameHandler = callback.dup();
  });
  defineFunction(vm, board, 'link_count', () => vm.newNumber(state.options.links ?? 1));
  defineFunction(vm, board, 'log', (code, message) => void state.log.push(`[${vm.getString(code)}] ${vm.getString(message)}`));
  defineFunction(vm, board, 'heap_used_bytes', () => vm.newNumber(state.heapUsedBytes()));
  defineFunction(vm, board, 'feed_watchdog', () => undefined);
  defineFunction(vm, board, 'config', () => vm.newString(state.options.config ?? '{}'));
  vm.setProp(vm.global, '__board', board);
  board.dispose();
}
