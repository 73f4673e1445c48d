// The Pico's USB serial (TinyUSB CDC in the firmware) as seen from a host: rp2040js's USBCDC enumerates
// the device; what the host sends waits in a bounded queue and enters the device only as fast as the
// device takes it (USBCDC's own FIFO holds 512 bytes and drops what overflows it; a real USB host is
// flow-controlled by the device's NAKs, which this queue stands in for). An OUT read the device arms
// while the host has nothing to send is held until there is data, as a host NAKs it: rp2040js's USBCDC
// would answer it at once with zero bytes, and the device's re-arming interrupts would then take most of
// its cycles during a long computation (measured below in docs/emulator.md).
import { USBCDC, type RPUSBController } from 'rp2040js';

/** Host bytes not yet taken by the device. A YMODEM packet is 1,029 bytes; a REPL line at most 1,024. */
export const HOST_QUEUE_BYTES_MAX = 1 << 20;

export class UsbSerial {
  private cdc: USBCDC;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private offset = 0;
  /** An OUT read the device armed while there was nothing to send: answered when data arrives. */
  private heldRead: { endpoint: number; size: number } | null = null;
  private answerRead: (endpoint: number, size: number) => void;
  connected = false;

  constructor(usb: RPUSBController, private onData: (bytes: Uint8Array) => void) {
    this.cdc = new USBCDC(usb);
    this.cdc.onDeviceConnected = () => {
      this.connected = true;
    };
    this.cdc.onSerialData = (bytes) => this.onData(bytes);
    // Only the data OUT endpoint and endpoint 0 (control) are ever read; control reads are never held.
    const answer = usb.onEndpointRead;
    if (answer === undefined) throw new Error('invariant: rp2040js USBCDC handles endpoint reads');
    this.answerRead = answer;
    usb.onEndpointRead = (endpoint, size) => {
      if (endpoint !== 0 && this.cdc.txFIFO.empty) this.heldRead = { endpoint, size };
      else answer(endpoint, size);
    };
  }

  /** Queues bytes for the device; refuses (returns false, queues nothing) past HOST_QUEUE_BYTES_MAX. */
  write(bytes: Uint8Array): boolean {
    if (this.queued + bytes.length > HOST_QUEUE_BYTES_MAX) return false;
    this.queue.push(bytes.slice());
    this.queued += bytes.length;
    return true;
  }

  get pendingBytes(): number {
    return this.queued;
  }

  /** Moves queued bytes into the device's FIFO while it has room, and answers a held read. Called between slices of simulation. */
  pump(): void {
    if (!this.connected) return;
    const fifo = this.cdc.txFIFO;
    this.fill(fifo);
    if (this.heldRead !== null && !fifo.empty) {
      const { endpoint, size } = this.heldRead;
      this.heldRead = null;
      this.answerRead(endpoint, size);
    }
  }

  private fill(fifo: USBCDC['txFIFO']): void {
    while (this.queue.length > 0 && !fifo.full) {
      const head = this.queue[0];
      fifo.push(head[this.offset++]);
      this.queued--;
      if (this.offset === head.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
  }
}
