// The Pico's USB serial (TinyUSB CDC in the firmware) as seen from a host: rp2040js's USBCDC enumerates
// the device; what the host sends waits in a bounded queue and enters the device only as fast as the
// device takes it (USBCDC's own FIFO holds 512 bytes and drops what overflows it; a real USB host is
// flow-controlled by the device's NAKs, which this queue stands in for).
import { USBCDC, type RPUSBController } from 'rp2040js';

/** Host bytes not yet taken by the device. A YMODEM packet is 1,029 bytes; a REPL line at most 1,024. */
export const HOST_QUEUE_BYTES_MAX = 1 << 20;

export class UsbSerial {
  private cdc: USBCDC;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private offset = 0;
  connected = false;

  constructor(usb: RPUSBController, private onData: (bytes: Uint8Array) => void) {
    this.cdc = new USBCDC(usb);
    this.cdc.onDeviceConnected = () => {
      this.connected = true;
    };
    this.cdc.onSerialData = (bytes) => this.onData(bytes);
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

  /** Moves queued bytes into the device's FIFO while it has room. Called between slices of simulation. */
  pump(): void {
    if (!this.connected) return;
    const fifo = this.cdc.txFIFO;
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
