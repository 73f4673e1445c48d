// The virtual world: one simulated clock for every board, a seeded PRNG for every chance event, UART
// cables (10 bits a byte at the cable's baud rate, optional byte loss and corruption) and a LoRa medium
// (Semtech airtime, the 1 % duty cycle enforced per sender, collisions when airtimes overlap at a
// receiver, loss by probability). The same seed gives the same run, byte for byte. Boards of the kaluma
// and espruino profiles join the medium through their SX127x model: what their driver puts in the FIFO
// goes on air with the airtime of the modulation in its registers, and reaches receivers listening on the
// same frequency, spreading factor, bandwidth and sync word; the generic emulator board's links carry
// frames directly, on the channel given to connectLora.
import { readFileSync } from 'node:fs';
import { QuickJSWASMModule, getQuickJS } from 'quickjs-emscripten';
import { airtimeMs, DutyCycle, LoraModulation, EU868_DEFAULT } from '../../boards/drivers/lora-airtime';
import { EmulatedBoard } from './board';
import type { BoardOptions } from './board-state';
import type { CadRequest, Transmission } from './peripherals/sx127x-model';
import { seededRandom } from '../random';

export { seededRandom };

let quickjs: QuickJSWASMModule | null = null;
export async function loadQuickJS(): Promise<QuickJSWASMModule> {
  if (quickjs === null) quickjs = await getQuickJS();
  return quickjs;
}

type Endpoint = { board: EmulatedBoard; port: number };
type Cable = { a: Endpoint; b: Endpoint; baud: number; lossProbability: number; corruptProbability: number };
/** A host endpoint (a gateway or harness) on a board's UART or on the LoRa channel: it is handed what it receives. */
export type HostReceiver = (bytes: Uint8Array) => void;
type HostCable = { board: EmulatedBoard; port: number; baud: number; receive: HostReceiver };
type Radio = { board: EmulatedBoard | null; link: number; duty: DutyCycle; busyUntilMs: number; receive?: HostReceiver; sent: [number, number][]; backoffs: number };
/**
 * uart: bytes into a UART; frame: a link frame (emulator board, host); rx: a packet into an SX127x; txdone:
 * its own packet sent; caddone: its channel activity detection over.
 */
type Delivery = {
  atMs: number; order: number; to: Endpoint | HostReceiver; bytes: Uint8Array; kind: 'uart' | 'frame' | 'rx' | 'txdone' | 'caddone'; collided?: boolean; startMs?: number;
  /** The packet's kind for the medium's account (World.packetKind), named once when it was sent. */
  packetKind?: string;
  transmission?: Transmission | null; cad?: CadRequest; cadStartMs?: number;
};
/** A packet on the medium: when it started, when its preamble ended, when it ended, and from whom. */
type OnAir = { radio: Radio; startMs: number; preambleEndMs: number; endMs: number; transmission: Transmission | null };
/** How long the medium remembers a packet: longer than any packet's airtime (SF12, 255 B: about 10 s). */
const ON_AIR_KEPT_MS = 15000;
/** The host radio's listen-before-talk backoff: up to this many airtimes of its own frame, at random. */
const HOST_BACKOFF_AIRTIMES_MAX = 4;

export type WorldStats = {
  uart_bytes: number; uart_bytes_lost: number; radio_sent: number; radio_lost: number; radio_collided: number; radio_refused_duty_cycle: number;
  radio_airtime_ms: number;
  /** Packets delivered to a receiver intact (not collided, not lost, the receiver listening). */
  radio_delivered: number;
  /** Channel activity detections run by boards, and how many found the channel busy. */
  radio_cad: number; radio_cad_busy: number;
  /** Times the host's radio found the channel busy and waited. */
  radio_host_backoffs: number;
};

/** The highest share of any hour (from each transmission's start) spent transmitting, in percent. */
export function slidingHourMaxPercent(sent: [number, number][]): number {
  let max = 0;
  let first = 0;
  let sum = 0;
  for (let last = 0; last < sent.length; last++) {
    sum += sent[last][1];
    while (sent[last][0] - sent[first][0] >= 3600000) sum -= sent[first++][1];
    max = Math.max(max, (100 * sum) / 3600000);
  }
  return max;
}

const receiverOf = (to: Endpoint | HostReceiver) => (typeof to === 'function' ? to : to.board);

export class World {
  nowMs = 0;
  readonly random: () => number;
  readonly boards: EmulatedBoard[] = [];
  private cables: Cable[] = [];
  private hostCables: HostCable[] = [];
  private radios: Radio[] = [];
  private modulation: LoraModulation = EU868_DEFAULT;
  private radioLoss = 0;
  private queue: Delivery[] = [];
  private order = 0;
  /** When each UART line (a sender and its port) is free again: a UART sends one byte after another. */
  private lineFreeMs = new Map<string, number>();
  readonly trace: string[] = [];
  readonly stats: WorldStats = { uart_bytes: 0, uart_bytes_lost: 0, radio_sent: 0, radio_lost: 0, radio_collided: 0, radio_refused_duty_cycle: 0, radio_airtime_ms: 0,
    radio_delivered: 0, radio_cad: 0, radio_cad_busy: 0, radio_host_backoffs: 0 };
  private onAir: OnAir[] = [];
  /**
   * Host milliseconds (performance.now) spent in run(): in all, routing what boards send over the cables
   * and the radio medium (collect: airtime, collisions, deliveries queued), and in host receivers (a
   * gateway and the aggregator behind it). The rest of run() is the boards' calls and the event loop.
   */
  readonly hostMs = { run: 0, medium: 0, hostReceivers: 0 };
  /**
   * Names a packet's kind (the city: its frame type), or null for no account by kind. With it the medium
   * keeps, per kind, the packets sent, their airtime and the receptions of them that collided, and per
   * hour of their start the receptions delivered and collided: what fills the channel, and when.
   */
  packetKind: ((bytes: Uint8Array) => string) | null = null;
  readonly radioByKind: Record<string, { sent: number; airtime_ms: number; collided: number }> = {};
  readonly radioByHour: { delivered: number; collided: number }[] = [];

  constructor(private module: QuickJSWASMModule, seed: number) {
    this.random = seededRandom(seed);
  }

  static async create(seed: number): Promise<World> {
    return new World(await loadQuickJS(), seed);
  }

  addBoard(options: Omit<BoardOptions, 'random'>, bundlePath: string): EmulatedBoard {
    const seed = Math.floor(this.random() * 4294967296);
    const board = new EmulatedBoard(this.module, { ...options, random: seededRandom(seed) });
    board.load(readFileSync(bundlePath, 'utf8'));
    this.boards.push(board);
    this.collect(board);
    return board;
  }

  connectUart(a: EmulatedBoard, portA: number, b: EmulatedBoard, portB: number, options: { baud?: number; lossProbability?: number; corruptProbability?: number } = {}): void {
    this.cables.push({ a: { board: a, port: portA }, b: { board: b, port: portB }, baud: options.baud ?? 115200, lossProbability: options.lossProbability ?? 0, corruptProbability: options.corruptProbability ?? 0 });
  }

  /**
   * Puts boards on one shared LoRa channel: a link of each emulator board, the SX127x of each kaluma or
   * espruino board (its link index is not used). `modulation` is the emulator boards' channel; an SX127x
   * transmits with what its registers say.
   */
  connectLora(entries: { board: EmulatedBoard; link: number }[], modulation: LoraModulation = EU868_DEFAULT, lossProbability = 0, dutyCyclePercent = 1): void {
    this.modulation = modulation;
    this.radioLoss = lossProbability;
    for (const entry of entries) this.radios.push({ ...entry, duty: new DutyCycle(dutyCyclePercent, 3600000, 4096), busyUntilMs: 0, sent: [], backoffs: 0 });
    for (const entry of entries) if (entry.board.radio !== null) {
      const radio = entry.board.radio;
      const own = this.radios.find((candidate) => candidate.board === entry.board) as Radio;
      radio.kindOf = (bytes) => (this.packetKind === null ? 'packet' : this.packetKind(bytes));
      radio.receivingNow = () => this.onAir.some((packet) => packet.radio !== own && packet.startMs <= this.nowMs && this.nowMs < packet.endMs && (packet.transmission === null || radio.tunedTo(packet.transmission)));
    }
  }

  /** Writes bytes into a board's UART from the host side (a gateway or test harness), after `delayMs`. */
  inject(board: EmulatedBoard, port: number, bytes: Uint8Array, kind: 'uart' | 'frame' = 'uart', delayMs = 0): void {
    this.queue.push({ atMs: this.nowMs + delayMs, order: this.order++, to: { board, port }, bytes, kind });
  }

  /**
   * A cable from a board's UART to the host: what the board writes reaches `receive` after its time on
   * the wire; `send` writes to the board the same way. Returns the host's side of the cable.
   */
  connectHost(board: EmulatedBoard, port: number, receive: HostReceiver, baud = 115200): { send(bytes: Uint8Array): void } {
    this.hostCables.push({ board, port, baud, receive });
    return {
      send: (bytes) => {
        const atMs = this.lineDone(`host>${board.name}:${port}`, this.nowMs, bytes.length, baud);
        this.inject(board, port, bytes.slice(), 'uart', atMs - this.nowMs);
      },
    };
  }

  /** When `count` bytes written at `sentAt` on a line have all arrived: after what the line was still sending. */
  private lineDone(line: string, sentAt: number, count: number, baud: number): number {
    const done = Math.max(sentAt, this.lineFreeMs.get(line) ?? 0) + (count * 10 * 1000) / baud;
    this.lineFreeMs.set(line, done);
    return done;
  }

  /** The host's own radio on the LoRa channel (a gateway): airtime and its duty cycle apply to it as well. */
  addHostRadio(receive: HostReceiver, dutyCyclePercent = 1): { send(bytes: Uint8Array): boolean } {
    const radio: Radio = { board: null, link: 0, duty: new DutyCycle(dutyCyclePercent, 3600000, 4096), busyUntilMs: 0, receive, sent: [], backoffs: 0 };
    this.radios.push(radio);
    return { send: (bytes) => this.transmit(radio, bytes, this.hostChannelClear(radio, bytes.length)) };
  }

  /**
   * Listen before talk for a host radio (the gateway's concentrator, an attacker's module): the packet
   * goes when the channel is clear, after a random backoff of up to HOST_BACKOFF_AIRTIMES_MAX of its
   * airtimes each time it was not. Bounded: a channel busy ten times over is taken anyway.
   */
  private hostChannelClear(radio: Radio, length: number): number {
    const airtime = airtimeMs(length, this.modulation);
    let atMs = Math.max(this.nowMs, radio.busyUntilMs);
    for (let attempt = 0; attempt < 10; attempt++) {
      const busy = this.onAir.filter((packet) => packet.radio !== radio && packet.startMs <= atMs && atMs < packet.endMs);
      if (busy.length === 0) return atMs;
      this.stats.radio_host_backoffs++;
      atMs = Math.max(...busy.map((packet) => packet.endMs)) + this.random() * HOST_BACKOFF_AIRTIMES_MAX * airtime;
    }
    return atMs;
  }

  /** Routes what a board wrote during its last call. */
  private collect(board: EmulatedBoard): void {
    const started = performance.now();
    this.route(board);
    this.hostMs.medium += performance.now() - started;
  }

  private route(board: EmulatedBoard): void {
    const sentAt = Math.max(board.busyUntilMs, this.nowMs);
    // The radio acts when the program told it to, within its call (never before the world's now).
    for (const transmission of board.radioOutbox.splice(0)) this.transmitSx127x(board, transmission, Math.max(transmission.atMs ?? sentAt, this.nowMs));
    for (const cad of board.radioCadOutbox.splice(0)) {
      this.stats.radio_cad++;
      const startMs = Math.max(cad.atMs ?? sentAt, this.nowMs);
      this.queue.push({ atMs: startMs + cad.durationMs, order: this.order++, to: { board, port: -1 }, bytes: new Uint8Array(0), kind: 'caddone', cad, cadStartMs: startMs });
    }
    for (const item of board.outbox.splice(0)) {
      const radio = this.radios.find((entry) => entry.board === board && entry.link === item.port && board.profile === 'emulator');
      if (radio) {
        this.transmit(radio, item.bytes, sentAt);
        continue;
      }
      for (const cable of this.cables) {
        const from = cable.a.board === board && cable.a.port === item.port ? cable.a : cable.b.board === board && cable.b.port === item.port ? cable.b : null;
        if (from === null) continue;
        const to = from === cable.a ? cable.b : cable.a;
        const bytes = item.bytes.slice();
        this.stats.uart_bytes += bytes.length;
        const kept: number[] = [];
        for (const byte of bytes) {
          if (this.random() < cable.lossProbability) {
            this.stats.uart_bytes_lost++;
            continue;
          }
          kept.push(this.random() < cable.corruptProbability ? byte ^ (1 << Math.floor(this.random() * 8)) : byte);
        }
        const atMs = this.lineDone(`${board.name}:${item.port}`, sentAt, bytes.length, cable.baud);
        this.queue.push({ atMs, order: this.order++, to, bytes: Uint8Array.from(kept), kind: board.profile === 'emulator' ? 'frame' : 'uart' });
      }
      for (const cable of this.hostCables) {
        if (cable.board !== board || cable.port !== item.port) continue;
        this.stats.uart_bytes += item.bytes.length;
        const atMs = this.lineDone(`${board.name}:${item.port}`, sentAt, item.bytes.length, cable.baud);
        this.queue.push({ atMs, order: this.order++, to: cable.receive, bytes: item.bytes.slice(), kind: 'uart' });
      }
    }
  }

  /** A packet an SX127x started sending: TxDone after its airtime; on the medium if the board is on it. */
  private transmitSx127x(board: EmulatedBoard, transmission: Transmission, atMs: number): void {
    const duration = airtimeMs(transmission.payload.length, transmission.modulation);
    this.queue.push({ atMs: atMs + duration, order: this.order++, to: { board, port: -1 }, bytes: new Uint8Array(0), kind: 'txdone' });
    const radio = this.radios.find((entry) => entry.board === board);
    if (radio) this.transmit(radio, transmission.payload, atMs, transmission);
  }

  /** Whether a receiver hears a sender: an emulator board hears the channel; an SX127x must be tuned to it. */
  private hears(receiver: EmulatedBoard, transmission: Transmission | null): boolean {
    if (receiver.radio === null) return true;
    if (transmission === null) {
      // An emulator board sends on the channel given to connectLora, taken as the frequency the receiver is on.
      transmission = { payload: new Uint8Array(0), modulation: this.modulation, frequencyHz: receiver.radio.frequencyHz(), syncWord: 0x12 };
    }
    return receiver.radio.hears(transmission);
  }

  private transmit(radio: Radio, bytes: Uint8Array, atMs: number, transmission: Transmission | null = null): boolean {
    const duration = airtimeMs(bytes.length, transmission === null ? this.modulation : transmission.modulation);
    const start = transmission === null ? Math.max(atMs, radio.busyUntilMs) : atMs;
    if (!radio.duty.tryTransmit(start, duration)) {
      this.stats.radio_refused_duty_cycle++;
      return false;
    }
    this.stats.radio_airtime_ms += duration;
    radio.sent.push([start, duration]);
    const modulation = transmission === null ? this.modulation : transmission.modulation;
    const symbolMs = (Math.pow(2, modulation.spreadingFactor) / modulation.bandwidthHz) * 1000;
    this.onAir = this.onAir.filter((packet) => packet.endMs > start - ON_AIR_KEPT_MS);
    this.onAir.push({ radio, startMs: start, preambleEndMs: start + (modulation.preambleSymbols + 4.25) * symbolMs, endMs: start + duration, transmission });
    radio.busyUntilMs = start + duration;
    this.stats.radio_sent++;
    const packetKind = this.packetKind === null ? undefined : this.packetKind(bytes);
    if (packetKind !== undefined) {
      const account = this.kindAccount(packetKind);
      account.sent++;
      account.airtime_ms += duration;
    }
    for (const other of this.radios) {
      if (other === radio) continue;
      // A radio not listening on the sender's channel neither receives the packet nor collides with it.
      if (other.board !== null && !this.hears(other.board, transmission)) continue;
      if (this.random() < this.radioLoss) {
        this.stats.radio_lost++;
        continue;
      }
      const to = other.board === null ? (other.receive as HostReceiver) : { board: other.board, port: other.link };
      const kind = other.board === null || other.board.radio === null ? 'frame' : 'rx';
      const delivery: Delivery = { atMs: start + duration, order: this.order++, to, bytes: bytes.slice(), kind, startMs: start, transmission, packetKind };
      // Two transmissions overlapping in time at one receiver destroy each other.
      for (const pending of this.queue) {
        if (receiverOf(pending.to) === receiverOf(to) && pending.startMs !== undefined && pending.startMs < delivery.atMs && start < pending.atMs) {
          if (!pending.collided) this.countCollided(pending);
          pending.collided = true;
          delivery.collided = true;
        }
      }
      if (delivery.collided) this.countCollided(delivery);
      this.queue.push(delivery);
    }
    return true;
  }

  private kindAccount(name: string): { sent: number; airtime_ms: number; collided: number } {
    if (this.radioByKind[name] === undefined) this.radioByKind[name] = { sent: 0, airtime_ms: 0, collided: 0 };
    return this.radioByKind[name];
  }

  private hourOf(delivery: Delivery): { delivered: number; collided: number } {
    const hour = Math.floor((delivery.startMs as number) / 3600000);
    while (this.radioByHour.length <= hour) this.radioByHour.push({ delivered: 0, collided: 0 });
    return this.radioByHour[hour];
  }

  /** A reception destroyed by an overlap, counted in all, by the packet's kind and by the hour it began. */
  private countCollided(delivery: Delivery): void {
    this.stats.radio_collided++;
    if (delivery.packetKind === undefined) return;
    this.kindAccount(delivery.packetKind).collided++;
    this.hourOf(delivery).collided++;
  }

  /** A radio packet delivered intact, counted in all and by the hour it began. */
  private countDelivered(delivery: Delivery): void {
    this.stats.radio_delivered++;
    if (delivery.packetKind !== undefined) this.hourOf(delivery).delivered++;
  }

  /**
   * Whether a CAD (from startMs to endMs) saw a LoRa preamble: the SX127x's
   * CAD correlates on preamble chirps (datasheet §4.1.6.2), so a packet already in its payload is not seen
   * by CAD; the driver reads RegModemStat for that (receivingNow).
   */
  private preambleDuring(board: EmulatedBoard, cad: CadRequest, startMs: number, endMs: number): boolean {
    const radio = board.radio;
    const own = this.radios.find((candidate) => candidate.board === board);
    const busy = this.onAir.some((packet) => packet.radio !== own && packet.startMs < endMs && startMs < packet.preambleEndMs && (packet.transmission === null || radio === null || radio.tunedTo(packet.transmission)));
    if (busy) this.stats.radio_cad_busy++;
    return busy;
  }

  /** Each board radio's highest sliding-hour duty cycle, in percent, by board name. */
  dutyCyclePerBoard(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const radio of this.radios) if (radio.board !== null) out[radio.board.name] = Math.round(slidingHourMaxPercent(radio.sent) * 1000) / 1000;
    return out;
  }

  /** Packets written over in a board radio's FIFO before the board read them (it was busy). */
  radioFramesOverwritten(): number {
    return this.boards.reduce((total, board) => total + (board.radio?.overwritten ?? 0), 0);
  }

  /** The same packets by kind (World.packetKind), over every board radio. */
  radioFramesOverwrittenByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const board of this.boards) for (const [kind, count] of Object.entries(board.radio?.overwrittenByKind ?? {})) out[kind] = (out[kind] ?? 0) + count;
    return out;
  }

  /**
   * The highest share of any hour (sliding, from each transmission's start) that one board's radio spent
   * transmitting, in percent; the host's gateway radio is left out (it may use a 10 % sub-band).
   */
  dutyCycleMaxPercent(): number {
    let max = 0;
    for (const radio of this.radios) if (radio.board !== null) max = Math.max(max, slidingHourMaxPercent(radio.sent));
    return max;
  }

  /** Runs the world until `untilMs`: deliveries and timers in time order, each board in board time. */
  run(durationMs: number): void {
    const started = performance.now();
    this.runEvents(durationMs);
    this.hostMs.run += performance.now() - started;
  }

  private runEvents(durationMs: number): void {
    const end = this.nowMs + durationMs;
    for (;;) {
      this.queue.sort((left, right) => left.atMs - right.atMs || left.order - right.order);
      let next = this.queue.length > 0 ? this.queue[0].atMs : Infinity;
      for (const board of this.boards) next = Math.min(next, board.nextTimerMs());
      if (next > end) break;
      this.nowMs = Math.max(this.nowMs, next);
      while (this.queue.length > 0 && this.queue[0].atMs <= this.nowMs) {
        const delivery = this.queue.shift() as Delivery;
        if (delivery.collided) continue;
        if (typeof delivery.to === 'function') {
          if (delivery.startMs !== undefined) this.countDelivered(delivery);
          const received = performance.now();
          delivery.to(delivery.bytes);
          this.hostMs.hostReceivers += performance.now() - received;
          continue;
        }
        const board = delivery.to.board;
        board.runUntil(this.nowMs);
        this.collect(board);
        if (delivery.kind === 'caddone') {
          board.finishRadioCad(this.preambleDuring(board, delivery.cad as CadRequest, delivery.cadStartMs as number, delivery.atMs));
          this.collect(board);
          continue;
        }
        if (delivery.kind === 'txdone') {
          board.finishRadioTransmit();
          this.trace.push(`${this.nowMs.toFixed(3)} ${board.name} tx done`);
        } else if (delivery.kind === 'rx') {
          // Heard only if, at the packet's end, the radio listens on the sender's channel (half duplex).
          if (!this.hears(board, delivery.transmission ?? null)) continue;
          this.countDelivered(delivery);
          board.deliverRadio(delivery.bytes, true);
        } else if (delivery.kind === 'frame') {
          if (delivery.startMs !== undefined) this.countDelivered(delivery);
          board.deliverFrame(delivery.to.port, delivery.bytes);
        }
        else board.deliverUart(delivery.to.port, delivery.bytes);
        if (delivery.kind !== 'txdone') this.trace.push(`${this.nowMs.toFixed(3)} ${board.name} <- ${delivery.bytes.length} B`);
        this.collect(board);
      }
      for (const board of this.boards) {
        board.runUntil(this.nowMs);
        this.collect(board);
      }
    }
    this.nowMs = end;
    for (const board of this.boards) board.runUntil(end);
  }
}
