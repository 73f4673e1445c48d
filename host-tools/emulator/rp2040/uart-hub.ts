// UART cables between emulated Picos, and from a Pico to the host (a gateway): a byte the firmware writes
// to one board's UART TX reaches the other end's RX after its time on the wire, 10 bit times at the cable's
// baud rate (8N1), one byte after another per line, on the receiver's own clock. rp2040js hands out a
// byte the moment the firmware writes it (its TX FIFO never fills), so the wire's pace is modelled here.
// A byte sent while the two ends' UARTs are set to different baud rates arrives as a framing error would:
// it is not delivered, and counted. Boards run in turns of SLICE_NS of board time, so a byte can arrive up
// to one slice after its time when the receiver already ran ahead (documented in docs/emulator.md).
import type { Rp2040Machine } from './machine';

export const SLICE_NS = 100_000;
/** Bytes in flight on one line before the sender's bytes are dropped (a runaway sender, not a real UART). */
export const LINE_BYTES_IN_FLIGHT_MAX = 65536;

type End = { machine: Rp2040Machine; port: number };
type HostEnd = { receive: HostReceiver };
/** The host's end of a cable: each byte with its board time of arrival. */
export type HostReceiver = (bytes: Uint8Array, atNanos: number) => void;
type Line = { from: End | HostEnd; to: End | HostEnd; baud: number; freeAtNanos: number; inFlight: number };

export type HubStats = { uart_bytes: number; uart_bytes_baud_mismatch: number; uart_bytes_dropped_in_flight: number };

const isBoard = (end: End | HostEnd): end is End => 'machine' in end;

export class UartHub {
  readonly machines: Rp2040Machine[] = [];
  private lines: Line[] = [];
  readonly stats: HubStats = { uart_bytes: 0, uart_bytes_baud_mismatch: 0, uart_bytes_dropped_in_flight: 0 };
  /** The hub's board time: the slowest board's clock. */
  get nowNanos(): number {
    return this.machines.length === 0 ? 0 : Math.min(...this.machines.map((machine) => machine.nowNanos));
  }

  add(machine: Rp2040Machine): void {
    if (this.machines.includes(machine)) return;
    this.machines.push(machine);
    const attach = () => {
      for (let port = 0; port < machine.mcu.uart.length; port++) {
        machine.mcu.uart[port].onByte = (byte) => this.sent(machine, port, byte);
      }
    };
    const previous = machine.onPowerUp;
    machine.onPowerUp = (mcu) => {
      previous(mcu);
      attach();
    };
    attach();
  }

  /** A cable between two boards' UARTs (TX of each to RX of the other). */
  connect(a: Rp2040Machine, portA: number, b: Rp2040Machine, portB: number, baud: number): void {
    this.add(a);
    this.add(b);
    this.lines.push({ from: { machine: a, port: portA }, to: { machine: b, port: portB }, baud, freeAtNanos: 0, inFlight: 0 });
    this.lines.push({ from: { machine: b, port: portB }, to: { machine: a, port: portA }, baud, freeAtNanos: 0, inFlight: 0 });
  }

  /** A cable from a board's UART to the host: `receive` gets each byte on arrival; `send` writes to the board. */
  connectHost(machine: Rp2040Machine, port: number, baud: number, receive: HostReceiver): { send(bytes: Uint8Array): void } {
    this.add(machine);
    const board: End = { machine, port };
    const host: HostEnd = { receive };
    this.lines.push({ from: board, to: host, baud, freeAtNanos: 0, inFlight: 0 });
    const toBoard: Line = { from: host, to: board, baud, freeAtNanos: 0, inFlight: 0 };
    this.lines.push(toBoard);
    return { send: (bytes) => { for (const byte of bytes) this.transmit(toBoard, byte, machine.nowNanos); } };
  }

  private sent(machine: Rp2040Machine, port: number, byte: number): void {
    for (const line of this.lines) {
      if (isBoard(line.from) && line.from.machine === machine && line.from.port === port) this.transmit(line, byte, machine.nowNanos);
    }
  }

  private transmit(line: Line, byte: number, sentAtNanos: number): void {
    if (line.inFlight >= LINE_BYTES_IN_FLIGHT_MAX) {
      this.stats.uart_bytes_dropped_in_flight++;
      return;
    }
    const arrival = Math.max(sentAtNanos, line.freeAtNanos) + (10 * 1e9) / line.baud;
    line.freeAtNanos = arrival;
    line.inFlight++;
    this.stats.uart_bytes++;
    const deliver = () => {
      line.inFlight--;
      if (!isBoard(line.to)) return line.to.receive(Uint8Array.of(byte), arrival);
      const uart = line.to.machine.mcu.uart[line.to.port];
      const senderBaud = isBoard(line.from) ? line.from.machine.mcu.uart[line.from.port].baudRate : line.baud;
      // A receiver (or sender) set to another rate than the cable's sees framing errors, not bytes.
      if (!withinTolerance(uart.baudRate, line.baud) || !withinTolerance(senderBaud, line.baud)) {
        this.stats.uart_bytes_baud_mismatch++;
        return;
      }
      uart.feedByte(byte);
    };
    if (isBoard(line.to)) scheduleOn(line.to.machine, arrival, deliver);
    else this.hostDeliveries.push({ atNanos: arrival, deliver });
  }

  private hostDeliveries: { atNanos: number; deliver: () => void }[] = [];

  /** Runs every board to board time `untilNanos`, in turns of SLICE_NS; bytes to the host when their time comes. */
  run(untilNanos: number, wallMsMax = Infinity): void {
    const wallEnd = Date.now() + wallMsMax;
    while (this.nowNanos < untilNanos && Date.now() < wallEnd) {
      const sliceEnd = Math.min(untilNanos, this.nowNanos + SLICE_NS);
      for (const machine of this.machines) machine.runUntil(sliceEnd);
      this.hostDeliveries.sort((left, right) => left.atNanos - right.atNanos);
      while (this.hostDeliveries.length > 0 && this.hostDeliveries[0].atNanos <= sliceEnd) (this.hostDeliveries.shift() as { deliver: () => void }).deliver();
    }
  }
}

/** UARTs tolerate a few percent of rate error (RP2040 datasheet §4.2: the divider's fractional error). */
function withinTolerance(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= expected * 0.03;
}

/** Runs `callback` on the machine's clock at board time `atNanos` (now if that is already past). */
function scheduleOn(machine: Rp2040Machine, atNanos: number, callback: () => void): void {
  const delta = atNanos - machine.nowNanos;
  if (delta <= 0) return callback();
  machine.schedule(delta, callback);
}
