// LoRa time on air (Semtech SX1276 datasheet §4.1.1.7, AN1200.13): symbol time 2^SF / BW, preamble of
// (n + 4.25) symbols, payload of 8 + max(ceil((8PL - 4SF + 28 + 16CRC - 20IH) / (4(SF - 2DE))) (CR + 4), 0)
// symbols, with low-data-rate optimisation (DE) on when a symbol lasts more than 16 ms.

/** lowDataRateOptimize, when given, is what the radio was told (RegModemConfig3); else the rule above. */
export type LoraModulation = { spreadingFactor: number; bandwidthHz: number; codingRate: number; preambleSymbols: number; crc: boolean; implicitHeader: boolean; lowDataRateOptimize?: boolean };

export const EU868_DEFAULT: LoraModulation = { spreadingFactor: 7, bandwidthHz: 125000, codingRate: 5, preambleSymbols: 8, crc: true, implicitHeader: false };

/** Milliseconds on air for a payload of `payloadBytes` bytes. codingRate is the n of 4/n (5..8). */
export function airtimeMs(payloadBytes: number, modulation: LoraModulation): number {
  const sf = modulation.spreadingFactor;
  const symbolMs = (Math.pow(2, sf) / modulation.bandwidthHz) * 1000;
  const lowDataRate = (modulation.lowDataRateOptimize === undefined ? symbolMs > 16 : modulation.lowDataRateOptimize) ? 1 : 0;
  const preambleMs = (modulation.preambleSymbols + 4.25) * symbolMs;
  const numerator = 8 * payloadBytes - 4 * sf + 28 + 16 * (modulation.crc ? 1 : 0) - 20 * (modulation.implicitHeader ? 1 : 0);
  const blocks = Math.ceil(numerator / (4 * (sf - 2 * lowDataRate)));
  const payloadSymbols = 8 + Math.max(blocks * modulation.codingRate, 0);
  return preambleMs + payloadSymbols * symbolMs;
}

/** A sender's airtime ledger over a sliding hour: refuses a transmission that would pass the duty cycle. */
export class DutyCycle {
  private starts: Float64Array;
  private durations: Float64Array;
  private head = 0;
  private count = 0;
  readonly budgetMs: number;

  constructor(
    percent: number,
    private windowMs: number,
    capacity: number,
  ) {
    this.budgetMs = (windowMs * percent) / 100;
    this.starts = new Float64Array(capacity);
    this.durations = new Float64Array(capacity);
  }

  usedMs(nowMs: number): number {
    let used = 0;
    for (let index = 0; index < this.count; index++) {
      const slot = (this.head + index) % this.starts.length;
      if (this.starts[slot] > nowMs - this.windowMs) used += this.durations[slot];
    }
    return used;
  }

  /** Records the transmission and returns true when it fits the budget; false (nothing recorded) otherwise. */
  tryTransmit(nowMs: number, durationMs: number): boolean {
    while (this.count > 0 && this.starts[this.head] <= nowMs - this.windowMs) {
      this.head = (this.head + 1) % this.starts.length;
      this.count--;
    }
    if (this.count === this.starts.length || this.usedMs(nowMs) + durationMs > this.budgetMs) return false;
    const slot = (this.head + this.count) % this.starts.length;
    this.starts[slot] = nowMs;
    this.durations[slot] = durationMs;
    this.count++;
    return true;
  }
}
