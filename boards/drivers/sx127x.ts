// A register-level driver for the Semtech SX1276/77/78/79 LoRa radio on SPI (SX1276 datasheet rev. 7,
// §4.1 LoRa modem, §6.4 LoRa register map), with the radio settings as data (board.json "lora"). Interrupt
// driven: DIO0 signals RxDone or TxDone and `service` reads the IRQ flags, so nothing here waits in a
// loop. The sender keeps the duty cycle: a frame whose airtime would pass it is refused, never sent.
// Explicit header, CRC on, one frame on air at a time; up to TX_QUEUE_MAX more wait for TxDone.
// Listen before talk (docs/wire-format.md "Medium access: LBT-CAD with random backoff"), when the board
// gives the driver a timer: a frame goes on air only when RegModemStat shows no packet arriving and a
// channel activity detection (§4.1.6.2) finds no preamble; otherwise the radio listens again and retries
// after a random backoff of 1 to 2^n airtimes of the frame (n the attempt, at most BACKOFF_EXPONENT_MAX);
// the first check comes after a random 0 to 1 airtime,
// from a seed the chip's wideband RSSI gives (RegRssiWideband, the LSB of 32 reads: AN1200.24).
import { airtimeMs, LoraModulation } from './lora-airtime';
import { copyBytes } from '../../firmware/bytes';

/** Full-duplex SPI transfer with chip select held for its length; returns the bytes clocked in. */
export type Sx127xBus = { transfer(out: Uint8Array): Uint8Array };

export type LoraRadioSettings = {
  frequency_hz: number; spreading_factor: number; bandwidth_hz: number; coding_rate: number;
  power_dbm: number; preamble_symbols: number; duty_cycle_percent: number;
};

export const LORA_PAYLOAD_BYTES_MAX = 255;
/** Frames waiting while one is on air (a record and its two tokens fit). */
export const TX_QUEUE_MAX = 4;
/** A TxDone later than the airtime plus this is taken as lost: the radio is put back to receive. */
const TX_DONE_LATE_MS = 2000;
/** The backoff window doubles up to 2^4 airtimes; after BACKOFF_ATTEMPTS_MAX busy channels the frame goes anyway. */
const BACKOFF_EXPONENT_MAX = 4;
const BACKOFF_ATTEMPTS_MAX = 8;
/** A CadDone later than this is taken as lost (DIO0 missed): the check is counted busy and retried. */
const CAD_DONE_LATE_MS = 500;
/**
 * A clear CAD is acted on only while fresh: within seven CAD durations of its start (a CAD is about 2.25
 * symbols, so about one preamble of 12.25 symbols after it ends). A board busy in a long call reads
 * CadDone late, and a preamble that began meanwhile was never seen (the modem sat in standby): sending
 * then is what made two boards that had checked at different times start together and collide. A stale
 * answer counts as a busy channel (RADIO_CAD_STALE, then the usual backoff). Two durations were too few
 * for an esp32: its interpreter takes 5 to 10 ms to read the flags after CadDone.
 */
const CAD_FRESH_DURATIONS = 7;
/** After a reception the channel counts as busy for the airtime of a frame this long (a grant is about 60 B). */
const BURST_GAP_AIRTIME_BYTES = 64;
/** Bandwidth codes 0..9 of RegModemConfig1 bits 7-4 (datasheet §4.1.1.4). */
const BANDWIDTHS_HZ = [7800, 10400, 15600, 20800, 31250, 41700, 62500, 125000, 250000, 500000];
/**
 * The duty cycle's hour is kept in 5-minute buckets of airtime; the 13 newest cover the last 60 to 65
 * minutes, so the sender refuses a little early, never late, and the ledger is 208 bytes whatever it sends.
 */
const DUTY_BUCKET_MS = 300000;
const DUTY_BUCKETS = 13;

// Registers and bits are written as numbers with their datasheet names beside them, and the driver is a
// closure rather than a class: on the boards every named constant and property name costs heap, and the
// heap, not the bundle, is what runs out (docs/boards.md).
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

export type Sx127x = {
  /**
   * Counts under their codes: RADIO_SENT, RADIO_RECEIVED, RADIO_CRC_ERROR, RADIO_BUSY, RADIO_DUTY_CYCLE,
   * RADIO_TX_DONE_LOST, RADIO_CHANNEL_BUSY (a check found the channel busy), RADIO_BACKOFF_EXHAUSTED,
   * RADIO_CAD_STALE (a clear CAD read too late to act on), RADIO_RECOVERED (packets read from the FIFO
   * ring after a later one ended, counted in RADIO_RECEIVED too).
   */
  counts: { [code: string]: number };
  /** Checks the settings, finds the chip and configures it, then listens; null when ready, else a code. */
  begin(): string | null;
  /** Sends a frame now: false when the radio is off or still sending, or the duty cycle is spent. */
  send(payload: Uint8Array): boolean;
  /**
   * Whether a packet is arriving (RegModemStat) or one ended less than BURST_GAP_AIRTIME_BYTES' airtime
   * ago (a record's tokens follow it): the board should not start a long piece of work now.
   */
  receiving(): boolean;
  /** Reads RegIrqFlags and services them if a packet, TxDone or CadDone waits: for a board between slices of work. */
  poll(): void;
  /** Handles DIO0 (or a poll): reads and clears the IRQ flags, delivers a received frame, listens again after TX. */
  service(): void;
};

/** A timer for the backoff; without one (a bench rig) the driver sends at once, as before. */
export type Later = (callback: () => void, delayMs: number) => unknown;

/**
 * `onFrame` gets each packet's payload (`packets` 1), or the packets that came before the last one back
 * to back, `packets` of them, for the link to split (their boundaries are in the frames, not the chip).
 */
export function createSx127x(bus: Sx127xBus, settings: LoraRadioSettings, nowMs: () => number, onFrame: (payload: Uint8Array, packets: number) => void, later?: Later): Sx127x {
  const counts: { [code: string]: number } = {
    RADIO_SENT: 0, RADIO_RECEIVED: 0, RADIO_RECOVERED: 0, RADIO_CRC_ERROR: 0, RADIO_BUSY: 0, RADIO_DUTY_CYCLE: 0, RADIO_TX_DONE_LOST: 0, RADIO_CHANNEL_BUSY: 0, RADIO_BACKOFF_EXHAUSTED: 0, RADIO_CAD_STALE: 0,
  };
  const bucketPeriods = new Float64Array(DUTY_BUCKETS).fill(-1);
  const bucketAirtimesMs = new Float64Array(DUTY_BUCKETS);
  const dutyBudgetMs = (3600000 * settings.duty_cycle_percent) / 100;
  let modulation: LoraModulation | null = null;
  let txDoneByMs = 0;
  const waiting: Uint8Array[] = [];
  /** The frame waiting for a clear channel (its CAD under way, or its backoff), and its attempts so far. */
  let held: Uint8Array | null = null;
  let heldAirtime = 0;
  let attempts = 0;
  let cadByMs = 0;
  let cadStartedMs = 0;
  let cadFreshMs = 0;
  let seed = 1;
  let lastReceivedMs = -Infinity;
  /** Where the packet after the last one read begins in the FIFO ring. */
  let rxNext = 0;
  /** RegRxHeaderCnt and RegRxPacketCnt (low bytes) at the last RxDone read, or 0 since RX began. */
  let headersSeen = 0;
  let packetsSeen = 0;

  /** xorshift32 from the RSSI seed: enough to spread backoffs, not for keys. */
  function nextRandom(): number {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  }

  function read(address: number): number {
    return bus.transfer(new Uint8Array([address, 0]))[1];
  }

  /** A write sets bit 7 of the address (§4.3). */
  function write(address: number, value: number): void {
    bus.transfer(new Uint8Array([address | 0x80, value]));
  }

  /** DIO0 on RxDone, RX continuous. */
  function listen(): void {
    txDoneByMs = 0;
    // Entering RX the receiver writes from RegFifoRxBaseAddr (0) again and counts from 0.
    rxNext = headersSeen = packetsSeen = 0;
    write(0x40, 0x00);
    write(0x01, 0x85);
  }

  /** Reads `length` bytes of the FIFO from `address` in one burst and hands them on: `packets` packets. */
  function deliver(address: number, length: number, packets: number): void {
    write(0x0d, address);
    const payload = copyBytes(bus.transfer(new Uint8Array(length + 1)), 1, length + 1);
    counts.RADIO_RECEIVED += packets;
    lastReceivedMs = nowMs();
    onFrame(payload, packets);
  }

  /** Books the airtime if the last 60 to 65 minutes leave room for it (only looks when `book` is false). */
  function bookAirtime(atMs: number, airtimeMs: number, book?: boolean): boolean {
    const period = Math.floor(atMs / DUTY_BUCKET_MS);
    let usedMs = 0;
    for (let index = 0; index < DUTY_BUCKETS; index++) if (bucketPeriods[index] > period - DUTY_BUCKETS) usedMs += bucketAirtimesMs[index];
    if (usedMs + airtimeMs > dutyBudgetMs) return false;
    if (book === false) return true;
    const slot = period % DUTY_BUCKETS;
    if (bucketPeriods[slot] !== period) {
      bucketPeriods[slot] = period;
      bucketAirtimesMs[slot] = 0;
    }
    bucketAirtimesMs[slot] += airtimeMs;
    return true;
  }

  /**
   * Puts a frame on air now: standby (the chip is already in it after a CAD), DIO0 on TxDone, the payload
   * into the FIFO from 0, its length, TX; its airtime is booked once it is on air. Only a frame whose
   * airtime send() found room for comes here, and nothing else is booked while it is held, so the booking
   * never passes the duty cycle. The registers come first: every step before TX is time in which another
   * board's packet can begin unseen (on an esp32's interpreter about 0.13 ms a poll point).
   */
  function transmit(payload: Uint8Array, airtime: number, fromCad?: boolean): void {
    if (fromCad !== true) write(0x01, 0x81);
    write(0x40, 0x40);
    // The payload writes over the FIFO: a packet still unread there is gone, so its RxDone goes too.
    write(0x12, 0x60);
    write(0x0d, 0);
    const burst = new Uint8Array(payload.length + 1);
    burst[0] = 0x80;
    burst.set(payload, 1);
    bus.transfer(burst);
    write(0x22, payload.length);
    write(0x01, 0x83);
    const now = nowMs();
    bookAirtime(now, airtime);
    txDoneByMs = now + airtime + TX_DONE_LATE_MS;
    counts.RADIO_SENT++;
  }

  /**
   * Listen before talk, from the timer a send or a backoff set (nothing to do if the frame went since,
   * or a check is under way): a packet arriving (RegModemStat bits 0 and 2) means busy; else a CAD,
   * DIO0 on CadDone.
   */
  function checkChannel(): void {
    if (held === null || txDoneByMs !== 0 || cadByMs !== 0) return;
    if ((read(0x18) & 0x05) !== 0) {
      channelBusy(true);
      return;
    }
    write(0x01, 0x81);
    write(0x40, 0x80);
    write(0x01, 0x87);
    cadStartedMs = nowMs();
    cadByMs = cadStartedMs + CAD_DONE_LATE_MS;
  }

  /**
   * The channel was busy: listen again (`listening`: the chip never left RX, and its packet counters and
   * FIFO position go on, so the driver's must too), and check again after a random backoff (or send,
   * when out of attempts).
   */
  function channelBusy(listening?: boolean): void {
    counts.RADIO_CHANNEL_BUSY++;
    cadByMs = 0;
    if (!listening) listen();
    attempts++;
    if (attempts > BACKOFF_ATTEMPTS_MAX) {
      counts.RADIO_BACKOFF_EXHAUSTED++;
      sendHeld();
      return;
    }
    const window = Math.pow(2, attempts < BACKOFF_EXPONENT_MAX ? attempts : BACKOFF_EXPONENT_MAX);
    const delayMs = (1 + Math.floor(nextRandom() * window)) * heldAirtime;
    (later as Later)(checkChannel, delayMs);
  }

  /** The held frame goes on air (`fromCad`: straight after a clear CAD, the chip in standby). */
  function sendHeld(fromCad?: boolean): void {
    const payload = held as Uint8Array;
    held = null;
    cadByMs = 0;
    transmit(payload, heldAirtime, fromCad);
  }

  const radio: Sx127x = {
    counts: counts,
    begin: function () {
      const wanted = loraModulation(settings);
      if (typeof wanted === 'string') return wanted;
      if (read(0x42) !== 0x12) return 'RADIO_NOT_FOUND';
      // LongRangeMode may only change in sleep: FSK sleep, then LoRa sleep.
      write(0x01, 0x00);
      write(0x01, 0x80);
      // RegFrf (0x06-0x08) = f / (32 MHz / 2^19), 24 bits, most significant first.
      const frf = Math.round((settings.frequency_hz * 524288) / 32000000);
      write(0x06, Math.floor(frf / 65536));
      write(0x07, Math.floor(frf / 256) & 0xff);
      write(0x08, frf & 0xff);
      // RegFifoTxBaseAddr, RegFifoRxBaseAddr: both at 0 (RX fills the FIFO as a ring from there).
      write(0x0e, 0);
      write(0x0f, 0);
      const sf = wanted.spreadingFactor;
      // RegModemConfig1: bandwidth code, coding rate 4/(4+n), explicit header. RegModemConfig2: SF, CRC on.
      write(0x1d, (BANDWIDTHS_HZ.indexOf(wanted.bandwidthHz) << 4) | ((wanted.codingRate - 4) << 1));
      write(0x1e, (sf << 4) | 0x04);
      // RegModemConfig3: low-data-rate optimisation when a symbol lasts over 16 ms (§4.1.1.6), AGC on.
      write(0x26, ((Math.pow(2, sf) * 1000) / wanted.bandwidthHz > 16 ? 0x08 : 0) | 0x04);
      write(0x20, wanted.preambleSymbols >> 8);
      write(0x21, wanted.preambleSymbols & 0xff);
      // PA_BOOST: Pout = 17 - (15 - OutputPower) dBm; 20 dBm with RegPaDac 0x87 and RegOcp raised to 140 mA.
      const power = settings.power_dbm;
      write(0x4d, power === 20 ? 0x87 : 0x84);
      write(0x0b, power === 20 ? 0x31 : 0x2b);
      write(0x09, 0xf0 | (power === 20 ? 15 : power - 2));
      modulation = wanted;
      cadFreshMs = CAD_FRESH_DURATIONS * cadDurationMs(wanted);
      listen();
      // The backoff's seed: 32 LSBs of RegRssiWideband (0x2C) while receiving; never zero for xorshift.
      for (let bit = 0; bit < 32; bit++) seed = (seed << 1) | (read(0x2c) & 1);
      if (seed === 0) seed = 1;
      return null;
    },
    send: function (payload: Uint8Array) {
      const now = nowMs();
      if (txDoneByMs !== 0 && now > txDoneByMs) {
        // DIO0 was missed: read the flags ourselves, and if the radio is still not done, start over.
        radio.service();
        if (txDoneByMs !== 0) {
          counts.RADIO_TX_DONE_LOST++;
          listen();
        }
      }
      // A CadDone missed the same way: the check counts as busy and is retried.
      if (held !== null && cadByMs !== 0 && now > cadByMs) radio.service();
      if (modulation === null || payload.length > LORA_PAYLOAD_BYTES_MAX) return false;
      if (txDoneByMs !== 0 || held !== null) {
        // On air or waiting for the channel: the frame waits its turn (an offload is a record and its tokens).
        if (waiting.length >= TX_QUEUE_MAX) {
          counts.RADIO_BUSY++;
          return false;
        }
        waiting.push(copyBytes(payload, 0));
        return true;
      }
      const airtime = airtimeMs(payload.length, modulation);
      if (!bookAirtime(now, airtime, false)) {
        counts.RADIO_DUTY_CYCLE++;
        return false;
      }
      if (later === undefined) {
        transmit(payload, airtime);
        return true;
      }
      held = copyBytes(payload, 0);
      heldAirtime = airtime;
      attempts = 0;
      // The first check too waits a random 0 to 1 airtime: boards whose timers run in step (hellos from a
      // common boot) would otherwise all find the channel clear in the same CAD window and collide.
      cadByMs = 0;
      later(checkChannel, nextRandom() * airtime);
      return true;
    },
    poll: function () {
      // RxDone, TxDone or CadDone: a packet to read, the receiver to start again after a packet sent (the
      // chip waits in standby, deaf, until then), or a channel check to act on.
      if (modulation !== null && (read(0x12) & 0x4c) !== 0) radio.service();
    },
    receiving: function () {
      if (modulation === null) return false;
      // A CAD under way (2.3 ms at SF7) is answered at once: a long slice now would make its answer stale.
      if (cadByMs !== 0) return true;
      if (nowMs() - lastReceivedMs < airtimeMs(BURST_GAP_AIRTIME_BYTES, modulation)) return true;
      return txDoneByMs === 0 && cadByMs === 0 && (read(0x18) & 0x05) !== 0;
    },
    service: function () {
      if (modulation === null) return;
      const flags = read(0x12);
      write(0x12, 0xff);
      if ((flags & 0x40) !== 0) {
        // One burst from RegFifoRxCurrentAddr (0x10) to RegRxPacketCnt (0x17): the last packet's start
        // and length (0x13), and the valid headers (0x15) and valid packets (0x17) since RX began.
        const status = bus.transfer(new Uint8Array([0x10, 0, 0, 0, 0, 0, 0, 0, 0]));
        const start = status[1];
        const headers = (status[6] - headersSeen) & 0xff;
        const packets = (status[8] - packetsSeen) & 0xff;
        const gap = (start - rxNext) & 0xff;
        headersSeen = status[6];
        packetsSeen = status[8];
        // RX continuous writes each packet after the last in the FIFO ring, and RxDone and the status
        // describe the last one: when only valid packets came before it unread, whole in the ring (all
        // fit in 256 bytes), they lie back to back between the end of the last one read and its start.
        if (gap > 0 && headers === packets && packets > 1 && gap + status[4] <= 256) {
          counts.RADIO_RECOVERED += packets - 1;
          deliver(rxNext, gap, packets - 1);
        }
        rxNext = (start + status[4]) & 0xff;
        if ((flags & 0x20) !== 0) counts.RADIO_CRC_ERROR++;
        else deliver(start, status[4], 1);
      }
      // After the reception (TX and RX share the FIFO from address 0).
      if ((flags & 0x04) !== 0 && cadByMs !== 0) {
        // CadDone: CadDetected (0x01) means a preamble on the channel.
        if ((flags & 0x01) !== 0) channelBusy();
        else if (nowMs() - cadStartedMs > cadFreshMs) {
          counts.RADIO_CAD_STALE++;
          channelBusy();
        } else sendHeld(true);
      } else if (cadByMs !== 0 && nowMs() > cadByMs) channelBusy();
      if ((flags & 0x08) !== 0 && txDoneByMs !== 0) {
        listen();
        const next = waiting.shift();
        if (next !== undefined) radio.send(next);
      }
    },
  };
  return radio;
}

/** A CAD's duration (SX1276 datasheet §4.1.6.2): (2^SF + 32) / BW to detect, one symbol to correlate. */
function cadDurationMs(modulation: LoraModulation): number {
  const chips = Math.pow(2, modulation.spreadingFactor);
  return ((chips + 32 + chips) * 1000) / modulation.bandwidthHz;
}

/** The runtime's pins and timers, as a board adapter wires them. */
export type RadioWiring = {
  /** DIO0's level, where reading the pin is cheaper than an SPI transfer (the esp32); else polls read RegIrqFlags. */
  dio0High?: () => boolean;
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
        wiring.log(code, 'LoRa off');
        return;
      }
      wiring.watchDio0(guard(function () {
        radio.service();
      }));
      wiring.log('RADIO_READY', 'LoRa on');
    }), 10);
  }), 1);
}
