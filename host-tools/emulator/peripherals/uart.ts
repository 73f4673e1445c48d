// The receive side of an emulated board's UARTs: the program's data handler per port and, for Kaluma,
// the 2 KB receive buffer that holds bytes arriving while the board is away from its event loop and
// loses what does not fit (docs/platforms.md A4).
import type { QuickJSHandle } from 'quickjs-emscripten';

export const KALUMA_UART_BUFFER_BYTES = 2048;

export class UartReceiver {
  /** The program's `data` handler per port. */
  readonly handlers = new Map<number, QuickJSHandle>();
  /** Bytes lost because the receive buffer was full. */
  overflowBytes = 0;
  /** Bytes in the receive buffer waiting for the board to return to its event loop, and when it will. */
  private heldBytes = 0;
  private drainMs = -1;

  /** What of `bytes`, arriving at `arrivalMs` on a board busy until `busyUntilMs`, fits Kaluma's receive buffer. */
  admitKaluma(bytes: Uint8Array, arrivalMs: number, busyUntilMs: number): Uint8Array {
    if (arrivalMs >= this.drainMs) {
      this.heldBytes = 0;
      this.drainMs = Math.max(arrivalMs, busyUntilMs);
    }
    const room = Math.max(0, KALUMA_UART_BUFFER_BYTES - this.heldBytes);
    let delivered = bytes;
    if (bytes.length > room) {
      this.overflowBytes += bytes.length - room;
      delivered = bytes.subarray(0, room);
    }
    this.heldBytes += delivered.length;
    return delivered;
  }

  /** The handlers go with the runtime; bytes held in the buffer stay (the hardware is not reset). */
  dispose(): void {
    for (const handler of this.handlers.values()) handler.dispose();
    this.handlers.clear();
  }
}
