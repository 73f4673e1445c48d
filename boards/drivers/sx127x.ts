// A register-level driver for the Semtech SX1276/77/78/79 LoRa radio on SPI (SX1276 datasheet rev. 7,
// §4.1 LoRa modem, §6.4 LoRa register map), with the radio settings as data (board.json "lora"). Interrupt
// driven: DIO0 signals RxDone or TxDone and `service` reads the IRQ flags, so nothing here waits in a
// loop. The sender keeps the duty cycle: a frame whose airtime would pass it is refused, never sent.
// Explicit header, CRC on, one frame on air at a time (a send while transmitting is refused as busy).
import { airtimeMs, DutyCycle, LoraModulation } from './lora-airtime';

/** Full-duplex SPI transfer with chip select held for its length; returns the bytes clocked in. */
export type Sx127xBus = { transfer(out: Uint8Array): Uint8Array };

export type LoraRadioSettings = {
  frequency_hz: number; spreading_factor: number; bandwidth_hz: number; coding_rate: number;
  power_dbm: number; preamble_symbols: number; duty_cycle_percent: number;
};

export const LORA_PAYLOAD_BYTES_MAX = 255;
/** Transmissions remembered for the duty cycle's sliding hour; a full ledger refuses (never over-sends). */
const DUTY_ENTRIES_MAX = 64;
/** A TxDone later than the airtime plus this is taken as lost: the radio is put back to receive. */
const TX_DONE_LATE_MS = 2000;
/** Bandwidth codes 0..9 of RegModemConfig1 bits 7-4 (datasheet §4.1.1.4). */
const BANDWIDTHS_HZ = [7800, 10400, 15600, 20800, 31250, 41700, 62500, 125000, 250000, 500000];

// Registers and bits are written as numbers with their datasheet names beside them: on the boards a named
// constant is a variable that costs heap, and the heap, not the bundle, is what runs out.
// RegOpMode (0x01): bit 7 LongRangeMode, bits 2-0 the mode: 0 sleep, 1 standby, 3 TX, 5 RX continuous.
// RegIrqFlags (0x12): 0x40 RxDone, 0x20 PayloadCrcError, 0x08 TxDone. RegDioMapping1 (0x40) bits 7-6:
// DIO0 is 00 RxDone, 01 TxDone.

/**
 * The modulation the settings give, or RADIO_SETTINGS_UNSUPPORTED for what this driver does not drive:
 * SF6 (implicit header only), a bandwidth off the chip's list, 18 or 19 dBm (PA_BOOST gives 2..17 dBm,
 * and 20 with the high-power DAC, §5.4.3). Ranges are checked when board.json is loaded.
 */
export function loraModulation(settings: LoraRadioSettings): LoraModulation | string {
  const power = settings.power_dbm;
  if (settings.spreading_factor < 7 || BANDWIDTHS_HZ.indexOf(settings.bandwidth_hz) < 0 || (power > 17 && power < 20)) return 'RADIO_SETTINGS_UNSUPPORTED';
  return { spreadingFactor: settings.spreading_factor, bandwidthHz: settings.bandwidth_hz, codingRate: settings.coding_rate, preambleSymbols: settings.preamble_symbols, crc: true, implicitHeader: false };
}

export class Sx127x {
  readonly counts: { [code: string]: number } = { RADIO_SENT: 0, RADIO_RECEIVED: 0, RADIO_CRC_ERROR: 0, RADIO_BUSY: 0, RADIO_DUTY_CYCLE: 0, RADIO_TX_DONE_LOST: 0 };
  private modulation: LoraModulation | null = null;
  private duty: DutyCycle;
  private txDoneByMs = 0;

  constructor(
    private bus: Sx127xBus,
    private settings: LoraRadioSettings,
    private nowMs: () => number,
    private onFrame: (payload: Uint8Array) => void,
  ) {
    this.duty = new DutyCycle(settings.duty_cycle_percent, 3600000, DUTY_ENTRIES_MAX);
  }

  private read(address: number): number {
    return this.bus.transfer(new Uint8Array([address, 0]))[1];
  }

  /** A write sets bit 7 of the address (§4.3). */
  private write(address: number, value: number): void {
    this.bus.transfer(new Uint8Array([address | 0x80, value]));
  }

  /** Checks the settings, finds the chip (RegVersion 0x42 reads 0x12) and configures it, then listens. */
  begin(): string | null {
    const modulation = loraModulation(this.settings);
    if (typeof modulation === 'string') return modulation;
    if (this.read(0x42) !== 0x12) return 'RADIO_NOT_FOUND';
    // LongRangeMode may only change in sleep: FSK sleep, then LoRa sleep.
    this.write(0x01, 0x00);
    this.write(0x01, 0x80);
    // RegFrf (0x06-0x08) = f / (32 MHz / 2^19), 24 bits, most significant first.
    const frf = Math.round((this.settings.frequency_hz * 524288) / 32000000);
    this.write(0x06, Math.floor(frf / 65536));
    this.write(0x07, Math.floor(frf / 256) & 0xff);
    this.write(0x08, frf & 0xff);
    // RegFifoTxBaseAddr, RegFifoRxBaseAddr: both at 0, one packet at a time.
    this.write(0x0e, 0);
    this.write(0x0f, 0);
    const sf = modulation.spreadingFactor;
    // RegModemConfig1: bandwidth code, coding rate 4/(4+n), explicit header. RegModemConfig2: SF, CRC on.
    this.write(0x1d, (BANDWIDTHS_HZ.indexOf(modulation.bandwidthHz) << 4) | ((modulation.codingRate - 4) << 1));
    this.write(0x1e, (sf << 4) | 0x04);
    // RegModemConfig3: low-data-rate optimisation when a symbol lasts over 16 ms (§4.1.1.6), AGC on.
    this.write(0x26, ((Math.pow(2, sf) * 1000) / modulation.bandwidthHz > 16 ? 0x08 : 0) | 0x04);
    this.write(0x20, modulation.preambleSymbols >> 8);
    this.write(0x21, modulation.preambleSymbols & 0xff);
    // PA_BOOST: Pout = 17 - (15 - OutputPower) dBm; 20 dBm with RegPaDac 0x87 and RegOcp raised to 140 mA.
    const power = this.settings.power_dbm;
    this.write(0x4d, power === 20 ? 0x87 : 0x84);
    this.write(0x0b, power === 20 ? 0x31 : 0x2b);
    this.write(0x09, 0xf0 | (power === 20 ? 15 : power - 2));
    this.modulation = modulation;
    this.listen();
    return null;
  }

  /** DIO0 on RxDone, RX continuous. */
  private listen(): void {
    this.txDoneByMs = 0;
    this.write(0x40, 0x00);
    this.write(0x01, 0x85);
  }

  /** Sends a frame now: false when the radio is off or still sending, or the duty cycle is spent. */
  send(payload: Uint8Array): boolean {
    const modulation = this.modulation;
    const now = this.nowMs();
    if (this.txDoneByMs !== 0 && now > this.txDoneByMs) {
      // DIO0 was missed: read the flags ourselves, and if the radio is still not done, start over.
      this.service();
      if (this.txDoneByMs !== 0) {
        this.counts.RADIO_TX_DONE_LOST++;
        this.listen();
      }
    }
    if (modulation === null || this.txDoneByMs !== 0 || payload.length > LORA_PAYLOAD_BYTES_MAX) {
      this.counts.RADIO_BUSY++;
      return false;
    }
    const airtime = airtimeMs(payload.length, modulation);
    if (!this.duty.tryTransmit(now, airtime)) {
      this.counts.RADIO_DUTY_CYCLE++;
      return false;
    }
    // Standby, DIO0 on TxDone, the payload into the FIFO from 0 (RegFifoAddrPtr), its length, then TX.
    this.write(0x01, 0x81);
    this.write(0x40, 0x40);
    this.write(0x0d, 0);
    const burst = new Uint8Array(payload.length + 1);
    burst[0] = 0x80;
    burst.set(payload, 1);
    this.bus.transfer(burst);
    this.write(0x22, payload.length);
    this.write(0x01, 0x83);
    this.txDoneByMs = now + airtime + TX_DONE_LATE_MS;
    this.counts.RADIO_SENT++;
    return true;
  }

  /** Handles DIO0 (or a poll): reads and clears the IRQ flags, delivers a received frame, listens again after TX. */
  service(): void {
    if (this.modulation === null) return;
    const flags = this.read(0x12);
    this.write(0x12, 0xff);
    if ((flags & 0x40) !== 0) {
      if ((flags & 0x20) !== 0) this.counts.RADIO_CRC_ERROR++;
      else {
        // RegRxNbBytes bytes from RegFifoRxCurrentAddr, read in one burst from RegFifo.
        const length = this.read(0x13);
        this.write(0x0d, this.read(0x10));
        const payload = this.bus.transfer(new Uint8Array(length + 1)).slice(1, length + 1);
        this.counts.RADIO_RECEIVED++;
        this.onFrame(payload);
      }
    }
    if ((flags & 0x08) !== 0 && this.txDoneByMs !== 0) this.listen();
  }
}

/** The runtime's pins and timers, as a board adapter wires them. */
export type RadioWiring = {
  setReset(high: boolean): void;
  later(callback: () => void, delayMs: number): void;
  watchDio0(callback: () => void): void;
  log(code: string, message: string): void;
};

/**
 * Resets the radio (reset held low 1 ms, then 10 ms to wake; the datasheet asks 100 us and 5 ms, §7.2.2),
 * configures it and services DIO0. A radio that is missing or refuses its settings is logged with the
 * code and left off: the board keeps its other links. Every callback is guarded (Kaluma cancels a watch
 * or timer whose callback throws).
 */
export function startRadio(radio: Sx127x, wiring: RadioWiring): void {
  const guard = function (work: () => void): () => void {
    return function () {
      try {
        work();
      } catch (error) {
        wiring.log('RADIO_FAILED', String(error));
      }
    };
  };
  wiring.setReset(false);
  wiring.later(guard(function () {
    wiring.setReset(true);
    wiring.later(guard(function () {
      const code = radio.begin();
      if (code !== null) {
        wiring.log(code, 'LoRa radio off; other links only');
        return;
      }
      wiring.watchDio0(guard(function () {
        radio.service();
      }));
      wiring.log('RADIO_READY', 'LoRa listening');
    }), 10);
  }), 1);
}
