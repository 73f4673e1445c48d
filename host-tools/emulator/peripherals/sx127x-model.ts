// A register-level model of the Semtech SX1276 LoRa radio (datasheet rev. 7: §4.1 LoRa modem, §6.4 LoRa
// register map) for emulated boards. It decodes SPI transfers (address bit 7 = write, bursts
// auto-increment except on the FIFO), keeps the 256-byte FIFO, enters TX and RX from RegOpMode, and
// drives DIO0 from the IRQ flags and RegDioMapping1. It is stricter than the chip: an access the chip
// would ignore or that corrupts a packet (unknown or read-only register, FIFO in sleep, LongRangeMode
// changed outside sleep, no chip select, in or just out of reset) throws an Sx127xFault with a code.
// Written from the datasheet, not from the driver in boards/drivers, so a shared mistake is not hidden.
import { type LoraModulation, airtimeMs } from '../../../boards/drivers/lora-airtime';

export class Sx127xFault extends Error {
  constructor(public code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** `atMs`: when the board's program started it (its clock within the call), set on the board's bus. */
export type Transmission = { payload: Uint8Array; modulation: LoraModulation; frequencyHz: number; syncWord: number; atMs?: number };
/** A channel activity detection the chip started: the world answers it after cadDurationMs. */
export type CadRequest = { modulation: LoraModulation; frequencyHz: number; syncWord: number; durationMs: number; atMs?: number };

/**
 * How long a CAD takes (datasheet §4.1.6.2 and its figure "CAD timing"): the chip receives for one symbol
 * plus 32 chips of settling, (2^SF + 32) / BW, then correlates for about one more symbol before CadDone.
 */
export function cadDurationMs(modulation: LoraModulation): number {
  const symbolMs = (Math.pow(2, modulation.spreadingFactor) / modulation.bandwidthHz) * 1000;
  return ((Math.pow(2, modulation.spreadingFactor) + 32) / modulation.bandwidthHz) * 1000 + symbolMs;
}

const FIFO = 0x00;
const OP_MODE = 0x01;
const FIFO_ADDR_PTR = 0x0d;
const FIFO_TX_BASE = 0x0e;
const FIFO_RX_BASE = 0x0f;
const FIFO_RX_CURRENT = 0x10;
const IRQ_FLAGS = 0x12;
const RX_NB_BYTES = 0x13;
const RX_HEADER_COUNT = 0x14;
const RX_PACKET_COUNT = 0x16;
const FIFO_RX_BYTE_ADDR = 0x25;
const MODEM_CONFIG_1 = 0x1d;
const MODEM_CONFIG_2 = 0x1e;
const PAYLOAD_LENGTH = 0x22;
const MODEM_CONFIG_3 = 0x26;
const SYNC_WORD = 0x39;
const DIO_MAPPING_1 = 0x40;
const MODEM_STAT = 0x18;
const RSSI_WIDEBAND = 0x2c;

export const MODE_SLEEP = 0;
export const MODE_STANDBY = 1;
export const MODE_TX = 3;
export const MODE_RX_CONTINUOUS = 5;
export const MODE_CAD = 7;
export const IRQ_RX_DONE = 0x40;
export const IRQ_CRC_ERROR = 0x20;
export const IRQ_VALID_HEADER = 0x10;
export const IRQ_TX_DONE = 0x08;
export const IRQ_CAD_DONE = 0x04;
export const IRQ_CAD_DETECTED = 0x01;
/** The chip is ready 5 ms after its reset line is released (datasheet §7.2.2). */
export const RESET_READY_MS = 5;
const BANDWIDTHS_HZ = [7800, 10400, 15600, 20800, 31250, 41700, 62500, 125000, 250000, 500000];

/** Reset values of the LoRa-page registers this model knows (datasheet Table 41 and §6.4). */
const RESET_VALUES: Record<number, number> = {
  0x01: 0x09, 0x06: 0x6c, 0x07: 0x80, 0x08: 0x00, 0x09: 0x4f, 0x0a: 0x09, 0x0b: 0x2b, 0x0c: 0x20, 0x0d: 0x00, 0x0e: 0x80,
  0x0f: 0x00, 0x10: 0x00, 0x11: 0x00, 0x12: 0x00, 0x13: 0x00, 0x1d: 0x72, 0x1e: 0x70, 0x1f: 0x64, 0x20: 0x00, 0x21: 0x08,
  0x22: 0x01, 0x23: 0xff, 0x24: 0x00, 0x26: 0x04, 0x27: 0x00, 0x31: 0xc3, 0x33: 0x27, 0x37: 0x0a, 0x39: 0x12, 0x40: 0x00,
  0x41: 0x00, 0x42: 0x12, 0x4b: 0x09, 0x4d: 0x84,
};
/** Registers the chip sets and software only reads (RxCurrentAddr, packet status, modem status, Version). */
const READ_ONLY = new Set([0x10, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x25, 0x28, 0x29, 0x2a, 0x2c, 0x42]);
/** Frequency and modem settings must not change under a packet on air. */
const FIXED_IN_TX = new Set([0x06, 0x07, 0x08, 0x1d, 0x1e, 0x20, 0x21, 0x22, 0x26, 0x39]);

export class Sx127xModel {
  readonly registers = new Uint8Array(0x80);
  readonly fifo = new Uint8Array(256);
  /** Chip select is active low; the board's CS pin drives it (Kaluma) or the SPI send does (Espruino). */
  selected = false;
  private resetLow = false;
  private readyAtMs = 0;
  private dio0Level = false;
  /** When the packet being sent leaves the antenna, on the board's clock (set as TX begins). */
  private txEndMs = Infinity;
  transfers = 0;
  /**
   * Valid packets written over in the FIFO before the program had read all their bytes: by a later
   * packet once the ring came round, or by a payload the program wrote to send.
   */
  overwritten = 0;
  /**
   * The same packets by kind: `kindOf` names a lost packet from its first bytes, still in the FIFO when it
   * is lost (the world passes the city's frame types), 'packet' otherwise.
   */
  readonly overwrittenByKind: Record<string, number> = {};
  kindOf: (payload: Uint8Array) => string = () => 'packet';
  /** Where the receiver writes the next packet's first byte (RX continuous fills the FIFO as a ring). */
  private rxWriteAddress = 0;
  /** Per FIFO byte, the valid packet it belongs to while the program has not read it (0: none). */
  private readonly owners = new Int32Array(256);
  /** Per valid packet still in the FIFO: its bytes not yet read, where it starts and its length. */
  private readonly unread = new Map<number, { bytes: number; start: number; length: number }>();
  private packetsWritten = 0;
  /**
   * Whether a packet is arriving at this radio now (the world knows the medium): RegModemStat bit 0
   * "signal detected" and bit 2 "RX on-going" (§6.4) are read from it while the chip listens.
   */
  receivingNow: () => boolean = () => false;

  /** `noise` gives RegRssiWideband's LSBs (the thermal noise a real chip reads, used as a random source). */
  constructor(private nowMs: () => number, private noise: () => number = () => 0) {
    this.powerOn();
  }

  private powerOn(): void {
    this.registers.fill(0);
    for (const [address, value] of Object.entries(RESET_VALUES)) this.registers[Number(address)] = value;
    this.fifo.fill(0);
    this.owners.fill(0);
    this.unread.clear();
    this.rxWriteAddress = 0;
    this.dio0Level = false;
    this.txEndMs = Infinity;
  }

  /** The NRESET line: low holds the chip in reset; it answers again RESET_READY_MS after release. */
  setResetLine(high: boolean): void {
    if (!high) {
      this.resetLow = true;
      this.powerOn();
    } else if (this.resetLow) {
      this.resetLow = false;
      this.readyAtMs = this.nowMs() + RESET_READY_MS;
    }
  }

  mode(): number {
    return this.registers[OP_MODE] & 0x07;
  }

  isLora(): boolean {
    return (this.registers[OP_MODE] & 0x80) !== 0;
  }

  frequencyHz(): number {
    const frf = this.registers[0x06] * 65536 + this.registers[0x07] * 256 + this.registers[0x08];
    return Math.round((frf * 32000000) / 524288);
  }

  /** The modulation the registers describe, for airtime and for matching a receiver to a sender. */
  modulation(): LoraModulation {
    const config1 = this.registers[MODEM_CONFIG_1];
    const config2 = this.registers[MODEM_CONFIG_2];
    const bandwidth = BANDWIDTHS_HZ[config1 >> 4];
    if (bandwidth === undefined) throw new Sx127xFault('SX127X_BANDWIDTH_RESERVED', `RegModemConfig1 bandwidth code ${config1 >> 4}`);
    const codingRate = ((config1 >> 1) & 0x07) + 4;
    if (codingRate < 5 || codingRate > 8) throw new Sx127xFault('SX127X_CODING_RATE_RESERVED', `RegModemConfig1 coding rate code ${codingRate - 4}`);
    const spreadingFactor = config2 >> 4;
    if (spreadingFactor < 6 || spreadingFactor > 12) throw new Sx127xFault('SX127X_SPREADING_FACTOR_RESERVED', `RegModemConfig2 SF ${spreadingFactor}`);
    return {
      spreadingFactor, bandwidthHz: bandwidth, codingRate, preambleSymbols: this.registers[0x20] * 256 + this.registers[0x21],
      crc: (config2 & 0x04) !== 0, implicitHeader: (config1 & 0x01) !== 0, lowDataRateOptimize: (this.registers[MODEM_CONFIG_3] & 0x08) !== 0,
    };
  }

  /** DIO0 per RegDioMapping1 bits 7-6: 00 RxDone, 01 TxDone, 10 CadDone (Table 18). */
  dio0(): boolean {
    this.finishTransmitDue();
    const mapping = this.registers[DIO_MAPPING_1] >> 6;
    const flags = this.registers[IRQ_FLAGS];
    return (mapping === 0 && (flags & IRQ_RX_DONE) !== 0) || (mapping === 1 && (flags & IRQ_TX_DONE) !== 0) || (mapping === 2 && (flags & IRQ_CAD_DONE) !== 0);
  }

  /** A received packet not yet read: RxDone still set. */
  rxDonePending(): boolean {
    return (this.registers[IRQ_FLAGS] & IRQ_RX_DONE) !== 0;
  }

  /** True once per low-to-high edge of DIO0 since the last call (what a rising-edge watch sees). */
  takeDio0Rise(): boolean {
    const level = this.dio0();
    const rose = level && !this.dio0Level;
    this.dio0Level = level;
    return rose;
  }

  /** One SPI transaction (chip select held for its length); returns the bytes on MISO. */
  transfer(out: Uint8Array, onTransmit: (transmission: Transmission) => void, onCad: (request: CadRequest) => void = () => undefined): Uint8Array {
    if (!this.selected) throw new Sx127xFault('SX127X_NOT_SELECTED', 'SPI transfer with chip select high');
    if (this.resetLow) throw new Sx127xFault('SX127X_IN_RESET', 'SPI transfer while the reset line is low');
    if (this.nowMs() < this.readyAtMs) throw new Sx127xFault('SX127X_NOT_READY', `SPI transfer within ${RESET_READY_MS} ms of reset`);
    this.finishTransmitDue();
    if (out.length < 2) throw new Sx127xFault('SX127X_SHORT_TRANSFER', `a register access is an address and at least one data byte, got ${out.length} byte(s)`);
    this.transfers++;
    const write = (out[0] & 0x80) !== 0;
    let address = out[0] & 0x7f;
    const back = new Uint8Array(out.length);
    for (let index = 1; index < out.length; index++) {
      if (address === FIFO) {
        if (this.mode() === MODE_SLEEP) throw new Sx127xFault('SX127X_FIFO_IN_SLEEP', 'the FIFO cannot be accessed in sleep mode');
        const pointer = this.registers[FIFO_ADDR_PTR];
        if (write) {
          this.writeOver(pointer);
          this.fifo[pointer] = out[index];
        } else {
          back[index] = this.fifo[pointer];
          this.readByte(pointer);
        }
        this.registers[FIFO_ADDR_PTR] = (pointer + 1) & 0xff;
        continue;
      }
      if (RESET_VALUES[address] === undefined && !READ_ONLY.has(address)) throw new Sx127xFault('SX127X_REGISTER_UNKNOWN', `register 0x${address.toString(16)}`);
      if (write) this.writeRegister(address, out[index], onTransmit, onCad);
      else if (address === MODEM_STAT) back[index] = this.modemStatus();
      else if (address === RSSI_WIDEBAND) back[index] = Math.floor(this.noise() * 256) & 0xff;
      else back[index] = this.registers[address];
      address = (address + 1) & 0x7f;
    }
    return back;
  }

  /** RegModemStat: signal detected and RX on-going while a packet arrives in RX; bits 7-5 the last coding rate. */
  private modemStatus(): number {
    return this.mode() === MODE_RX_CONTINUOUS && this.receivingNow() ? 0x05 : 0x00;
  }

  private writeRegister(address: number, value: number, onTransmit: (transmission: Transmission) => void, onCad: (request: CadRequest) => void): void {
    if (READ_ONLY.has(address)) throw new Sx127xFault('SX127X_REGISTER_READ_ONLY', `register 0x${address.toString(16)} is read-only`);
    if (this.mode() === MODE_TX && FIXED_IN_TX.has(address)) throw new Sx127xFault('SX127X_CONFIG_IN_TX', `register 0x${address.toString(16)} written while transmitting`);
    if (address === IRQ_FLAGS) {
      // Flags are cleared by writing 1 to them.
      this.registers[IRQ_FLAGS] &= ~value & 0xff;
      return;
    }
    if (address !== OP_MODE) {
      this.registers[address] = value;
      return;
    }
    if (((value ^ this.registers[OP_MODE]) & 0x80) !== 0 && this.mode() !== MODE_SLEEP) {
      throw new Sx127xFault('SX127X_MODE_NOT_SLEEP', 'LongRangeMode changes only in sleep mode');
    }
    const mode = value & 0x07;
    if ((value & 0x80) === 0 && (mode === MODE_TX || mode === MODE_RX_CONTINUOUS)) throw new Sx127xFault('SX127X_FSK_UNSUPPORTED', 'TX or RX in FSK/OOK mode');
    if ((value & 0x80) === 0 && mode === MODE_CAD) throw new Sx127xFault('SX127X_FSK_UNSUPPORTED', 'CAD in FSK/OOK mode');
    if (mode !== MODE_SLEEP && mode !== MODE_STANDBY && mode !== MODE_TX && mode !== MODE_RX_CONTINUOUS && mode !== MODE_CAD) {
      throw new Sx127xFault('SX127X_MODE_UNSUPPORTED', `RegOpMode mode ${mode}`);
    }
    const entersTx = mode === MODE_TX && this.mode() !== MODE_TX;
    const entersCad = mode === MODE_CAD && this.mode() !== MODE_CAD;
    // Entering RX the receiver starts again from RegFifoRxBaseAddr, its counters from 0; sleep clears them.
    if ((mode === MODE_RX_CONTINUOUS && this.mode() !== MODE_RX_CONTINUOUS) || mode === MODE_SLEEP) {
      this.rxWriteAddress = this.registers[FIFO_RX_BASE];
      this.registers.fill(0, RX_HEADER_COUNT, RX_PACKET_COUNT + 2);
    }
    this.registers[OP_MODE] = value;
    if (entersCad) {
      const modulation = this.modulation();
      onCad({ modulation, frequencyHz: this.frequencyHz(), syncWord: this.registers[SYNC_WORD], durationMs: cadDurationMs(modulation) });
      return;
    }
    if (!entersTx) return;
    const length = this.registers[PAYLOAD_LENGTH];
    if (length === 0) throw new Sx127xFault('SX127X_PAYLOAD_EMPTY', 'TX with RegPayloadLength 0');
    const base = this.registers[FIFO_TX_BASE];
    const payload = Uint8Array.from({ length }, (_, index) => this.fifo[(base + index) & 0xff]);
    const modulation = this.modulation();
    this.txEndMs = this.nowMs() + airtimeMs(length, modulation);
    onTransmit({ payload, modulation, frequencyHz: this.frequencyHz(), syncWord: this.registers[SYNC_WORD] });
  }

  /**
   * The packet has left the antenna: TxDone is set and the chip returns to standby (§4.1.6). The world
   * says so at the packet's end (`atMs`); a packet already finished, or a later one under way, is left.
   */
  finishTransmit(atMs = Infinity): void {
    if (this.mode() !== MODE_TX || atMs < this.txEndMs) return;
    this.txEndMs = Infinity;
    this.registers[IRQ_FLAGS] |= IRQ_TX_DONE;
    this.registers[OP_MODE] = (this.registers[OP_MODE] & 0xf8) | MODE_STANDBY;
  }

  /**
   * A program still within one call reads its radio (the flags over SPI, or DIO0) after its packet's
   * airtime on the board's clock: the chip has finished sending by then, as the world will say when the
   * call is over. So a program that polls its radio within long work sees TxDone there and can listen again.
   */
  private finishTransmitDue(): void {
    if (this.mode() === MODE_TX && this.nowMs() >= this.txEndMs) this.finishTransmit();
  }

  /** The CAD is over (§4.1.6.2): CadDone, CadDetected when a LoRa preamble was on the channel, then standby. */
  finishCad(detected: boolean): void {
    if (this.mode() !== MODE_CAD) return;
    this.registers[IRQ_FLAGS] |= IRQ_CAD_DONE | (detected ? IRQ_CAD_DETECTED : 0);
    this.registers[OP_MODE] = (this.registers[OP_MODE] & 0xf8) | MODE_STANDBY;
  }

  /** Whether this chip, set as it is, would demodulate (or detect) the transmission: same channel and modulation. */
  tunedTo(transmission: { modulation: LoraModulation; frequencyHz: number; syncWord: number }): boolean {
    let own: LoraModulation;
    try {
      own = this.modulation();
    } catch (error) {
      if (error instanceof Sx127xFault) return false;
      throw error;
    }
    const other = transmission.modulation;
    return this.frequencyHz() === transmission.frequencyHz && own.spreadingFactor === other.spreadingFactor && own.bandwidthHz === other.bandwidthHz && this.registers[SYNC_WORD] === transmission.syncWord;
  }

  /** Whether a transmission reaches this receiver: listening, same frequency, modulation and sync word. */
  hears(transmission: Transmission): boolean {
    if (this.resetLow || !this.isLora() || this.mode() !== MODE_RX_CONTINUOUS) return false;
    let own: LoraModulation;
    try {
      own = this.modulation();
    } catch (error) {
      // A receiver set to a reserved bandwidth, coding rate or spreading factor demodulates nothing.
      if (error instanceof Sx127xFault) return false;
      throw error;
    }
    const other = transmission.modulation;
    return (
      this.frequencyHz() === transmission.frequencyHz && own.spreadingFactor === other.spreadingFactor && own.bandwidthHz === other.bandwidthHz &&
      own.implicitHeader === other.implicitHeader && this.registers[SYNC_WORD] === transmission.syncWord
    );
  }

  /**
   * A packet received in RX continuous. The receiver writes each packet after the one before it, the
   * FIFO as a ring of 256 bytes, so a packet not yet read stays until the ring comes round over it; the
   * status registers describe the last packet only (RegFifoRxCurrentAddr, RegRxNbBytes, §4.1.2.3 and
   * the register map), and RegRxHeaderCnt and RegRxPacketCnt count the valid headers and valid packets
   * since the chip entered RX. RxDone (and PayloadCrcError) are raised.
   */
  receive(payload: Uint8Array, crcValid: boolean): void {
    const start = this.rxWriteAddress;
    const id = crcValid ? ++this.packetsWritten : 0;
    for (let index = 0; index < payload.length; index++) {
      const address = (start + index) & 0xff;
      this.writeOver(address);
      this.fifo[address] = payload[index];
      this.owners[address] = id;
    }
    if (crcValid && payload.length > 0) this.unread.set(id, { bytes: payload.length, start, length: payload.length });
    this.rxWriteAddress = (start + payload.length) & 0xff;
    this.registers[FIFO_RX_CURRENT] = start;
    this.registers[RX_NB_BYTES] = payload.length;
    this.registers[FIFO_RX_BYTE_ADDR] = (this.rxWriteAddress - 1) & 0xff;
    this.count(RX_HEADER_COUNT);
    if (crcValid) this.count(RX_PACKET_COUNT);
    this.registers[IRQ_FLAGS] |= IRQ_RX_DONE | IRQ_VALID_HEADER | (crcValid ? 0 : IRQ_CRC_ERROR);
  }

  /** A 16-bit counter, most significant byte first. */
  private count(address: number): void {
    const value = (this.registers[address] * 256 + this.registers[address + 1] + 1) & 0xffff;
    this.registers[address] = value >> 8;
    this.registers[address + 1] = value & 0xff;
  }

  /** A byte is written at this FIFO address: a valid packet not yet read whole is lost under it. */
  private writeOver(address: number): void {
    const id = this.owners[address];
    if (id === 0) return;
    // Named now, before the byte at `address` is written: the packet's first two bytes are still there.
    const entry = this.unread.get(id);
    const head = entry === undefined ? new Uint8Array(0) : Uint8Array.of(this.fifo[entry.start], this.fifo[(entry.start + 1) & 0xff]).subarray(0, Math.min(2, entry.length));
    this.countOverwritten(entry === undefined ? 'packet' : this.kindOf(head));
    this.unread.delete(id);
    for (let index = 0; index < 256; index++) if (this.owners[index] === id) this.owners[index] = 0;
  }

  /** The program read this FIFO byte: a packet is read once all its bytes are. */
  private readByte(address: number): void {
    const id = this.owners[address];
    if (id === 0) return;
    this.owners[address] = 0;
    const entry = this.unread.get(id);
    if (entry === undefined) return;
    if (--entry.bytes === 0) this.unread.delete(id);
  }

  /** A valid packet lost before the program read it (in the FIFO, or waiting behind it: radio-reads.ts). */
  countOverwritten(kind: string): void {
    this.overwritten++;
    this.overwrittenByKind[kind] = (this.overwrittenByKind[kind] ?? 0) + 1;
  }
}
