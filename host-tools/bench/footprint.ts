// Footprint: bundle bytes per board and per module (the build's size reports), bytes per record kind,
// LoRa airtime per record and per trade at SF7 and SF9, and the trades an EV can make per hour within
// the 1 % duty cycle. Prints one JSON object. Run after `make build`:
// node --import tsx host-tools/bench/footprint.ts
import { existsSync, readFileSync } from 'node:fs';
import { airtimeMs, EU868_DEFAULT } from '../../boards/drivers/lora-airtime';
import { FRAME_RECORD, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, encodeFrame, encodeToken } from '../../firmware/frames';
import { KIND_BOUGHT, KIND_NAMES, KIND_OFFER, KIND_SOLD, LedgerRecord, encodePayload, encodeRecord } from '../../firmware/records';
import { LORA_FRAME_BYTES_SF7 } from '../../firmware/protocol';

const signature = new Uint8Array(64).fill(7);
const id = new Uint8Array(16).fill(9);
function typical(kind: number): LedgerRecord {
  const record: LedgerRecord = { kind, issuer: 12, seq: 4000, timeMs: 1795000000000, parents: [id, id], pot: [3, 9], energyWh: 7500, ecash: 2250 };
  if (kind === KIND_SOLD || kind === KIND_BOUGHT) {
    record.counterparty = 5;
    record.ref = id;
  }
  return record;
}

const bundles: Record<string, unknown> = {};
for (const board of ['pico', 'pico-stock', 'esp32', 'emulator']) {
  const path = `dist/${board}/size-report.json`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run make build first`);
  const report = JSON.parse(readFileSync(path, 'utf8')) as { bytes: number; budget: number; modules: { module: string; bytes: number }[] };
  bundles[board] = { bytes: report.bytes, budget: report.budget, modules: Object.fromEntries(report.modules.filter((entry) => entry.bytes > 0).map((entry) => [entry.module, entry.bytes])) };
}
const recordBytes: Record<string, number> = {};
const frameBytes: Record<string, number> = {};
for (const kind of [KIND_OFFER, KIND_SOLD, KIND_BOUGHT]) {
  const bytes = encodeRecord(encodePayload(typical(kind)), signature, []);
  recordBytes[KIND_NAMES[kind]] = bytes.length;
  frameBytes[KIND_NAMES[kind]] = encodeFrame({ type: FRAME_RECORD, record: bytes }).length;
}
const request = encodeFrame({ type: FRAME_TOKEN_REQUEST, requester: 12, seq: 4000, slot: 29916666, asked: [3, 7] }).length;
const grant = encodeFrame({ type: FRAME_TOKEN_GRANT, token: encodeToken({ granter: 3, requester: 12, seq: 4000, slot: 29916666, mac: new Uint8Array(32).fill(7) }) }).length;
/** LoRa EU868 payload limits (docs/design.md): 242 B at SF7/SF8, 115 B at SF9. */
const LORA_PAYLOAD_BYTES_BY_SF: Record<number, number> = { 7: LORA_FRAME_BYTES_SF7, 8: LORA_FRAME_BYTES_SF7, 9: 115 };
const airtime = (sf: number) => {
  const at = (bytes: number) => airtimeMs(bytes, { ...EU868_DEFAULT, spreadingFactor: sf });
  // A trade, as the two EVs spend airtime: the seller's offer and sold records, the buyer's bought
  // record, each with its token request and broadcast, plus the grants two neighbours send for each.
  const perRecord = (kind: string) => at(request) + at(frameBytes[kind]);
  const tradeOwn = perRecord('offer') + perRecord('sold') + perRecord('bought');
  const grants = 3 * 2 * at(grant);
  return {
    record_ms: Object.fromEntries(Object.entries(frameBytes).map(([kind, bytes]) => [kind, Number(at(bytes).toFixed(1))])),
    token_request_ms: Number(at(request).toFixed(1)),
    token_grant_ms: Number(at(grant).toFixed(1)),
    trade_ms: Number((tradeOwn + grants).toFixed(1)),
    // Each EV of a pair spends about half of the trade's own airtime and grants as much as it is granted.
    trades_per_ev_per_hour: Math.floor(36000 / ((tradeOwn + grants) / 2)),
    // Frames over the limit cannot be sent at this spreading factor: the airtime above is hypothetical.
    frames_over_payload_limit: Object.entries({ ...frameBytes, token_grant: grant }).filter(([, bytes]) => bytes > LORA_PAYLOAD_BYTES_BY_SF[sf]).map(([name]) => name),
  };
};
console.log(JSON.stringify({ bundles, record_bytes: recordBytes, frame_bytes: { ...frameBytes, token_request: request, token_grant: grant }, airtime_sf7: airtime(7), airtime_sf9: airtime(9) }));
