// The city simulation's report for a grid engineer: one self-contained HTML page (inline SVG, no script,
// nothing fetched): headline figures in minutes, hours, kWh and Ecash units, a table per board kind, the
// radio, the attacks and what stopped them; where a trade's time goes, stage by stage; records and
// trades over time, the commit-latency histogram,
// a drawing of the newest records of the DAG, each EV's energy and its Ecash as change from its start.
import { writeFileSync } from 'node:fs';
import { lineChart } from './svg-plot';
import { KIND_NAMES } from '../../firmware/records';
import { TRADE_STAGES, TradeStage } from './trade-stages';

export type DagNode = { id: string; issuer: number; kind: number; time_ms: number; parents: string[] };
export type ReportDetail = {
  recordSeries: [number, number][];
  tradeSeries: [number, number][];
  commitLatencies: number[];
  vehicles: { member: number; board: string; energy: [number, number][]; ecash: [number, number][] }[];
  dag: DagNode[];
};

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const KIND_COLOURS = ['#999', '#999', '#1f77b4', '#9467bd', '#2ca02c', '#d62728'];
const hoursOf = (points: [number, number][]) => points.map(([ms, value]): [number, number] => [ms / 3600000, value]);

/** The newest records as columns by time, parents linked by lines; sold green, bought red. */
export function dagSvg(nodes: DagNode[]): string {
  const width = 900;
  const rowHeight = 34;
  const issuers = [...new Set(nodes.map((node) => node.issuer))].sort((left, right) => left - right);
  const height = Math.max(160, 60 + issuers.length * rowHeight);
  const times = nodes.map((node) => node.time_ms);
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const position = new Map<string, [number, number]>();
  nodes.forEach((node, index) => {
    const x = 80 + (last > first ? ((node.time_ms - first) / (last - first)) * (width - 120) : index * 20);
    position.set(node.id, [x, 40 + issuers.indexOf(node.issuer) * rowHeight]);
  });
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`, `<rect width="${width}" height="${height}" fill="white"/>`];
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">The newest ${nodes.length} records (rows: issuers; lines: approvals)</text>`);
  issuers.forEach((issuer, row) => parts.push(`<text x="8" y="${44 + row * rowHeight}">EV ${issuer}</text>`));
  for (const node of nodes) {
    const [x, y] = position.get(node.id) as [number, number];
    for (const parent of node.parents) {
      const target = position.get(parent);
      if (target) parts.push(`<line x1="${x.toFixed(1)}" y1="${y}" x2="${target[0].toFixed(1)}" y2="${target[1]}" stroke="#bbb"/>`);
    }
  }
  for (const node of nodes) {
    const [x, y] = position.get(node.id) as [number, number];
    parts.push(`<circle class="record" cx="${x.toFixed(1)}" cy="${y}" r="6" fill="${KIND_COLOURS[node.kind]}"><title>${KIND_NAMES[node.kind]} ${node.id.slice(0, 8)} by EV ${node.issuer}</title></circle>`);
  }
  // The time axis (left: oldest shown, right: newest) and the issuers' axis.
  parts.push(`<line class="axis x-axis" x1="80" y1="${height - 30}" x2="${width - 40}" y2="${height - 30}" stroke="black"/>`, `<line class="axis y-axis" x1="60" y1="30" x2="60" y2="${height - 30}" stroke="black"/>`);
  parts.push(`<text x="${width - 40}" y="${height - 18}" text-anchor="end">newest →</text>`);
  const legend = [2, 3, 4, 5].map((kind, index) => `<circle class="legend" cx="${90 + index * 110}" cy="${height - 12}" r="5" fill="${KIND_COLOURS[kind]}"/><text class="legend" x="${100 + index * 110}" y="${height - 8}">${KIND_NAMES[kind]}</text>`);
  parts.push(...legend, '</svg>');
  return parts.join('\n');
}

/** A duration for a reader: seconds under two minutes, minutes under two hours, else hours. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'none measured';
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7200000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

const integer = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-GB') : '0');
/** Packets lost to a busy board by frame type, most first, as " (offload 3, hello 1)"; nothing when there are none. */
export function byKind(counts: unknown): string {
  const entries = Object.entries((counts ?? {}) as Record<string, number>).filter(([, count]) => count > 0).sort((left, right) => right[1] - left[1]);
  return entries.length === 0 ? '' : ` (${entries.map(([kind, count]) => `${kind.replace(/_/g, ' ')} ${integer(count)}`).join(', ')})`;
}
const table = (head: string[], rows: (string | number)[][]) =>
  `<table><tr>${head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`).join('')}</table>`;

/**
 * The commit-latency histogram on a time axis in minutes from 0: every bin to the slowest trade drawn,
 * empty ones as a flat bar on the axis, counts on integer ticks. Marks have class "bar", axes "axis".
 */
export function latencyHistogram(latenciesMs: number[]): string {
  const width = 640;
  const height = 320;
  const margin = { left: 70, right: 20, top: 36, bottom: 56 };
  const slowest = latenciesMs.length ? Math.max(...latenciesMs) / 60000 : 0;
  const binMinutes = slowest <= 30 ? 2 : slowest <= 120 ? 10 : slowest <= 600 ? 30 : 120;
  const bins = Math.max(5, Math.ceil((slowest + 1e-9) / binMinutes));
  const counts = new Array<number>(bins).fill(0);
  for (const latency of latenciesMs) counts[Math.min(bins - 1, Math.floor(latency / 60000 / binMinutes))]++;
  const top = Math.max(1, ...counts);
  const step = Math.max(1, Math.ceil(top / 5));
  const yMax = Math.ceil(top / step) * step;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const x = (minutes: number) => margin.left + (minutes / (bins * binMinutes)) * plotWidth;
  const y = (count: number) => height - margin.bottom - (count / yMax) * plotHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">Commit latency, match to commit (${latenciesMs.length} trades)</text>`,
    `<line class="axis x-axis" x1="${margin.left}" y1="${y(0)}" x2="${width - margin.right}" y2="${y(0)}" stroke="black"/>`,
    `<line class="axis y-axis" x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${y(0)}" stroke="black"/>`,
  ];
  for (let count = 0; count <= yMax; count += step) {
    parts.push(`<text x="${margin.left - 6}" y="${y(count) + 4}" text-anchor="end">${count}</text>`, `<line x1="${margin.left}" y1="${y(count)}" x2="${width - margin.right}" y2="${y(count)}" stroke="#ddd"/>`);
  }
  const labelEvery = Math.ceil(bins / 10);
  for (let bin = 0; bin <= bins; bin += labelEvery) {
    parts.push(`<text x="${x(bin * binMinutes).toFixed(1)}" y="${y(0) + 16}" text-anchor="middle">${bin * binMinutes}</text>`);
    parts.push(`<line x1="${x(bin * binMinutes).toFixed(1)}" y1="${y(0)}" x2="${x(bin * binMinutes).toFixed(1)}" y2="${y(0) + 4}" stroke="black"/>`);
  }
  counts.forEach((count, bin) => {
    const left = x(bin * binMinutes) + 1;
    const barWidth = x((bin + 1) * binMinutes) - x(bin * binMinutes) - 2;
    // An empty bin is drawn as a 1-pixel bar on the axis, so "no trade this long" is visible, not a gap.
    const barHeight = Math.max(1, y(0) - y(count));
    parts.push(`<rect class="bar" x="${left.toFixed(1)}" y="${(y(0) - barHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${count ? '#1f77b4' : '#bbb'}"><title>${bin * binMinutes} to ${(bin + 1) * binMinutes} min: ${count}</title></rect>`);
  });
  parts.push(`<text x="${width / 2}" y="${height - 24}" text-anchor="middle">minutes from match to commit (simulated time), bins of ${binMinutes} min</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">trades</text>`);
  parts.push(`<rect class="legend" x="${width - 190}" y="${height - 14}" width="10" height="10" fill="#1f77b4"/><text class="legend" x="${width - 175}" y="${height - 5}">trades in the bin (grey: none)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Each stage as a grid engineer reads it (the order is TRADE_STAGES'). */
const TRADE_STAGE_WORDS: Record<TradeStage, string> = {
  match_to_transfer_start: 'match to energy transfer start (the match reaches the buyer)',
  transfer: 'energy transfer at 11 kW',
  transfer_end_to_bought_requested: 'transfer end to the buyer starting its bought record (waits for the seller\'s sold record)',
  bought_requested_to_on_air: 'bought record: proof-of-time tokens and signature, until on the air',
  bought_on_air_to_stored: 'bought record sent to the aggregator and stored',
  bought_stored_to_commit: 'bought record stored to commit (later records approve it)',
};

/** The stages of a trade from match to commit (summary.json's trade_stages_ms), in minutes, and the seller's side beside them. */
export function tradeStagesTable(stages: Record<string, unknown> | undefined): string {
  if (stages === undefined || !stages.trades) return '<p>No committed trade was followed from its match to its commit.</p>';
  // A no-break space keeps each figure on one line.
  const minutes = (ms: number | null | undefined) => (typeof ms === 'number' ? `${(ms / 60000).toFixed(1)}\u00a0min` : 'none measured');
  const row = (what: string, figures: Record<string, number | null> | undefined, share: string) =>
    [what, minutes(figures?.p50), minutes(figures?.p95), minutes(figures?.max), share];
  const byStage = (stages.stages ?? {}) as Record<string, Record<string, number | null>>;
  const rows = TRADE_STAGES.map((stage) => row(TRADE_STAGE_WORDS[stage], byStage[stage], byStage[stage]?.share_percent === null || byStage[stage] === undefined ? '' : `${byStage[stage].share_percent} %`));
  rows.push(row('the whole: match to commit', stages.match_to_commit as Record<string, number | null>, '100 %'));
  const seller = [
    row('beside these: match to the seller\'s sold record on the air', stages.match_to_sold_on_air as Record<string, number | null>, ''),
    row('beside these: match to the sold record stored at the aggregator', stages.match_to_sold_stored as Record<string, number | null>, ''),
  ];
  return `<p>${integer(stages.trades)} committed trades followed from the auction's match to the commit. For each trade the stages add up to its commit latency; the share is each stage's part of all their latencies together (medians do not add up). The seller issues its sold record while the energy flows; it was on the air only after the transfer had ended in ${stages.sold_on_air_after_transfer_end ? `${integer(stages.sold_on_air_after_transfer_end)} of them` : 'none of them'}.${stages.matched_again ? ` In ${integer(stages.matched_again)} of them the auction matched the same terms again after the buyer had started its transfer; they count from the match the buyer acted on, while the headline's commit latency counts from the last match.` : ''}${stages.trades_not_followed ? ` ${integer(stages.trades_not_followed)} more committed trades could not be followed (no transfer seen under their match's terms, or the same terms matched again later).` : ''}</p>
${table(['stage (simulated time)', 'median', '95th percentile', 'slowest', 'share of the latency'], [...rows, ...seller])}`;
}

export function renderReport(summary: Record<string, unknown>, detail: ReportDetail): string {
  const latency = (summary.commit_latency_ms ?? {}) as Record<string, number | null>;
  const validation = (summary.validation_latency_board_ms ?? {}) as Record<string, number | null>;
  const frames = (summary.radio_frames ?? {}) as Record<string, number> & { lost_board_busy_by_kind?: Record<string, number> };
  const kinds = (summary.board_kinds ?? {}) as Record<string, Record<string, number | null>>;
  const duty = (summary.duty_cycle_percent_by_board ?? {}) as Record<string, number>;
  const followUps = (summary.matches_followed_up ?? {}) as Record<string, number>;
  const hours = Number(summary.duration_ms) / 3600000;
  const headline = table(['figure', 'value'], [
    ['EVs, link, simulated time', `${summary.evs} EVs over ${summary.link === 'lora' ? 'LoRa (one SF7 channel)' : 'a UART star'}, ${formatDuration(Number(summary.duration_ms))}`],
    ['records stored by the aggregator', integer(summary.records_total)],
    ['trades committed', `${integer(summary.trades_committed)} (${summary.trades_per_ev_per_4h ?? 0} per EV per 4 h)`],
    ['commit latency, match to commit: median / 95th percentile / slowest', `${formatDuration(latency.p50)} / ${formatDuration(latency.p95)} / ${formatDuration(latency.max)}`],
    ['board validation latency (record arrival to verdict): median / 95th percentile', `${formatDuration(validation.p50)} / ${formatDuration(validation.p95)}`],
    ['Ecash in circulation, start and end (must be equal)', `${integer(summary.ecash_total_start)} and ${integer(summary.ecash_total_end)} Ecash units`],
    ['trades that failed, by code (each side counts its own)', Object.entries((summary.trades_failed ?? {}) as Record<string, number>).map(([code, count]) => `${code} ${integer(count)}`).join(', ') || 'none'],
    ['board resets', integer(summary.board_resets)],
    ['EVs by trade stage at the end', Object.entries((summary.ev_trade_stages_at_end ?? {}) as Record<string, number>).map(([stage, count]) => `${stage} ${integer(count)}`).join(', ') || 'none'],
    ['airtime per committed trade', summary.airtime_ms_per_trade === null ? 'no trade' : formatDuration(Number(summary.airtime_ms_per_trade))],
  ]);
  const boardTable = table(['board', 'boards', 'heap peak', 'heap budget', 'validation median', 'validation 95th pct', 'records issued', 'resets', 'frames lost (board busy)', 'frames dropped (inbox full)'],
    Object.entries(kinds).map(([kind, row]) => [kind, integer(row.boards), `${((row.heap_peak_bytes ?? 0) / 1024).toFixed(0)} KiB`, `${((row.heap_budget_bytes ?? 0) / 1024).toFixed(0)} KiB`,
      formatDuration(row.validation_ms_p50), formatDuration(row.validation_ms_p95), integer(row.records_issued), integer(row.resets), integer(row.frames_lost_board_busy), integer(row.frames_dropped_inbox_full)]));
  const receptions = (frames.delivered ?? 0) + (frames.collided ?? 0);
  const radioTable = table(['figure', 'value'], [
    ['frames sent (EVs, gateway, attackers)', integer(frames.sent)],
    ['receptions delivered intact', `${integer(frames.delivered)} of ${integer(receptions)}`],
    ['receptions lost to collisions', `${integer(frames.collided)} (${summary.collision_percent ?? 0} %)`],
    ['packets written over in a busy board\'s radio, by frame type', `${integer(frames.lost_board_busy)}${byKind(frames.lost_board_busy_by_kind)}`],
    ['channel checks (CAD) by boards, found busy', `${integer(frames.cad_checks)}, ${integer(frames.cad_busy)}`],
    ['frames refused by the duty cycle', integer(frames.refused_duty_cycle)],
    ['matches the gateway told again, sold records it sent again to their buyer', `${integer(followUps.matches_repeated)}, ${integer(followUps.sold_records_resent)}`],
    ['highest duty cycle of any EV (limit 1 %)', `${summary.duty_cycle_max_percent} %`],
  ]);
  const dutyRows = Object.entries(duty).map(([name, percent]) => [name, `${percent} %`]);
  const byFrame = Object.entries((summary.radio_by_frame ?? {}) as Record<string, { sent: number; airtime_s: number; collided: number }>)
    .map(([name, kind]) => [name.replace(/_/g, ' '), integer(kind.sent), formatDuration(kind.airtime_s * 1000), integer(kind.collided)]);
  const byHour = ((summary.collision_percent_by_hour ?? []) as number[]).map((percent, hour) => [`${hour} h to ${hour + 1} h`, `${percent} %`]);
  const attack = String(summary.attack);
  const attackRows: string[][] = attack === 'none' ? [['none requested', '']] : [
    attack === 'double-spend' ? ['double spends attempted / confirmed', `${summary.double_spends_attempted} / ${summary.double_spends_confirmed}: the aggregator keeps one bought record per sold record (CONFLICT_DOUBLE_SPEND)`] : [],
    attack === 'sybil' ? ['Sybil records rejected', `${summary.sybil_records_rejected}: forged or replayed proof-of-time tokens (token MACs under each granter's key, one record per slot)`] : [],
    attack === 'spam' ? ['spam frames rejected', `${summary.spam_frames_rejected}: malformed frames refused at decoding; trades committed meanwhile: ${summary.trades_committed}`] : [],
  ].filter((row) => row.length > 0);
  const figures = [
    lineChart([{ name: 'records stored', points: hoursOf(detail.recordSeries) }, { name: 'trades committed', points: hoursOf(detail.tradeSeries) }], {
      title: 'Records and committed trades over time', xLabel: 'simulated hours', yLabel: 'count', legendWidth: 130,
    }),
    latencyHistogram(detail.commitLatencies),
    dagSvg(detail.dag),
    lineChart(detail.vehicles.map((vehicle) => ({ name: `EV ${vehicle.member} (${vehicle.board})`, points: hoursOf(vehicle.energy).map(([x, y]): [number, number] => [x, y / 1000]) })), {
      title: 'Energy in each EV battery', xLabel: 'simulated hours', yLabel: 'kWh', legendWidth: 130, height: Math.max(380, 60 + detail.vehicles.length * 16),
    }),
    lineChart(detail.vehicles.map((vehicle) => ({ name: `EV ${vehicle.member} (${vehicle.board})`, points: hoursOf(vehicle.ecash).map(([x, y]): [number, number] => [x, y - (vehicle.ecash[0]?.[1] ?? 0)]) })), {
      title: 'Ecash of each EV, change from its start', xLabel: 'simulated hours', yLabel: 'Ecash units gained (+) or spent (-)', legendWidth: 130, height: Math.max(380, 60 + detail.vehicles.length * 16),
    }),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SmartChain city simulation</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}figure{margin:1.5em 0}</style>
</head><body>
<h1>SmartChain city simulation</h1>
<p>${escapeHtml(String(summary.evs))} EVs on emulated boards (the real pico and esp32 firmware, in simulated board time) trading energy through one aggregator for ${hours.toFixed(1)} simulated hours; seed ${escapeHtml(String(summary.seed))}. Energy in kWh, money in Ecash units; every figure is also in summary.json (docs/simulation.md).</p>
<h2>Headline</h2>
${headline}
<h2>Where a trade's time goes</h2>
${tradeStagesTable(summary.trade_stages_ms as Record<string, unknown> | undefined)}
<h2>Boards</h2>
${boardTable}
<h2>Radio</h2>
${radioTable}
${byFrame.length ? table(['frames of each kind', 'sent', 'time on air', 'receptions collided'], byFrame) : ''}
${byHour.length ? `<details><summary>Receptions collided, hour by hour (of the packets begun in that hour)</summary>${table(['simulated hour', 'collided'], byHour)}</details>` : ''}
${dutyRows.length ? `<details><summary>Duty cycle per EV (highest share of any hour on air)</summary>${table(['EV board', 'duty cycle'], dutyRows)}</details>` : ''}
<h2>Attacks</h2>
${table(['attack', 'what happened and what stopped it'], attackRows)}
<h2>Plots</h2>
${figures.map((svg) => `<figure>${svg}</figure>`).join('\n')}
</body></html>
`;
}

export function writeReport(path: string, summary: Record<string, unknown>, detail: ReportDetail): void {
  writeFileSync(path, renderReport(summary, detail));
}
