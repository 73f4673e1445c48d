// How an emulated board's SX127x model (sx127x-model.ts) is wired: SPI transactions go to the model,
// the chip select (active low) and reset GPIO lines drive it, DIO0 reads its interrupt line, and a rising
// DIO0 calls the program's pin watches on that pin from the event loop, as the runtime's setWatch does.
import type { QuickJSHandle } from 'quickjs-emscripten';
import { BoardState, WORLD_EPOCH_MS } from '../board-state';
import { callBoard } from '../call-meter';
import { bytesHandle, hostBytes } from '../marshal';
import { Sx127xFault } from './sx127x-model';
import { RADIO_WAITING_MAX } from './radio-reads';

/** One SPI transaction with the radio; a fault is logged with its code and thrown into the board. */
export function radioTransfer(board: BoardState, data: QuickJSHandle, wholeBuffer: boolean): QuickJSHandle {
  if (board.radio === null) throw new Error('no device on this SPI bus');
  const out = hostBytes(board.vm, data, wholeBuffer);
  // A read of RegIrqFlags (address 0x12, bit 7 clear): the driver services what it finds there.
  if (board.inCall && out[0] === 0x12) board.radioReads?.noteRead(board.nowMs());
  try {
    return bytesHandle(board.vm, board.radio.transfer(out, (transmission) => board.radioOutbox.push({ ...transmission, atMs: board.nowMs() }), (request) => board.radioCadOutbox.push({ ...request, atMs: board.nowMs() })));
  } catch (error) {
    if (error instanceof Sx127xFault) {
      board.radioFaults.push(error.code);
      board.log.push(`[RADIO_FAULT] ${error.message}`);
    }
    throw error;
  }
}

/** A GPIO output: the radio's chip select (active low) and reset lines are wired to the model. */
export function writePin(board: BoardState, pin: number, high: boolean): void {
  if (board.radio === null || board.radioPins === null) return;
  if (pin === board.radioPins.cs) board.radio.selected = !high;
  if (pin === board.radioPins.reset) board.radio.setResetLine(high);
}

/** A GPIO input: 1 on DIO0 while the radio raises it, 0 on every other pin. */
export function readPin(board: BoardState, pin: number): number {
  if (board.radioPins === null || pin !== board.radioPins.dio0) return 0;
  if (board.inCall) board.radioReads?.noteRead(board.nowMs());
  return board.radio?.dio0() ? 1 : 0;
}

/**
 * Calls the watch on the DIO0 pin at a rising edge, as the runtime's pin watch would; then again for each
 * packet the program took out of the FIFO during its work (radio-reads.ts), one rise each.
 */
export function raiseRadioInterrupt(board: BoardState): void {
  for (let presented = 0; presented <= RADIO_WAITING_MAX; presented++) {
    if (board.radio === null || board.radioPins === null) return;
    board.radioReads?.present(board.radio);
    if (!board.radio.takeDio0Rise()) return;
    if (!callDio0Watches(board)) return;
  }
}

/** The program's watches on DIO0, one call each; false once a reset has dropped them. */
function callDio0Watches(board: BoardState): boolean {
  if (board.radio === null || board.radioPins === null) return false;
  const watches = board.pins.watches;
  for (const [id, watch] of [...watches]) {
    if (watch.pin !== board.radioPins.dio0 || !watch.rising) continue;
    const vm = board.vm;
    const argument = board.profile === 'kaluma' ? vm.newNumber(watch.pin) : vm.newObject();
    if (board.profile === 'espruino') {
      vm.setProp(argument, 'state', vm.true);
      vm.setProp(argument, 'pin', vm.newNumber(watch.pin));
      vm.setProp(argument, 'time', vm.newNumber((WORLD_EPOCH_MS + board.clockMs) / 1000));
    }
    const callback = watch.callback;
    if (!watch.repeat) watches.delete(id);
    const succeeded = callBoard(board, () => vm.callFunction(callback, vm.undefined, argument));
    argument.dispose();
    if (!watch.repeat) callback.dispose();
    // Kaluma 1.2.1 stops a watch whose callback throws (src/global.c set_watch_cb).
    else if (!succeeded && board.profile === 'kaluma' && watches.get(id) === watch) {
      watches.delete(id);
      callback.dispose();
    }
    if (board.resetPending) {
      // A reset drops every watch with the runtime.
      board.resetIfPending();
      return false;
    }
  }
  return true;
}
