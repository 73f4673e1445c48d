// The city simulation's report: one self-contained HTML page (inline SVG, no script, nothing fetched)
// with the summary table, records and trades over time, the commit-latency histogram, a drawing of the
// newest records of the DAG (sold chains and bought chains coloured), and each EV's energy and Ecash.
import { writeFileSync } from 'node:fs';
import { barChart, lineChart } from '../bench/svg-plot';
import { KIND_NAMES } from '../../firmware/records';

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
const minutes = (points: [number, number][]) => points.map(([ms, value]): [number, number] => [ms / 60000, value]);

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
  const legend = [2, 3, 4, 5].map((kind, index) => `<circle cx="${90 + index * 110}" cy="${height - 12}" r="5" fill="${KIND_COLOURS[kind]}"/><text x="${100 + index * 110}" y="${height - 8}">${KIND_NAMES[kind]}</text>`);
  parts.push(...legend, '</svg>');
  return parts.join('\n');
}

export function renderReport(summary: Record<string, unknown>, detail: ReportDetail): string {
  const rows = Object.entries(summary)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(typeof value === 'object' ? JSON.stringify(value) : String(value))}</td></tr>`)
    .join('\n');
  const latencyBins = new Map<number, number>();
  const binMinutes = 10;
  for (const latency of detail.commitLatencies) {
    const bin = Math.floor(latency / 60000 / binMinutes) * binMinutes;
    latencyBins.set(bin, (latencyBins.get(bin) ?? 0) + 1);
  }
  const bins = [...latencyBins.entries()].sort((left, right) => left[0] - right[0]).map(([bin, value]) => ({ label: `${bin}-${bin + binMinutes}`, value }));
  const figures = [
    lineChart([{ name: 'records stored', points: minutes(detail.recordSeries) }, { name: 'trades committed', points: minutes(detail.tradeSeries) }], {
      title: 'Records and committed trades over time', xLabel: 'simulated minutes', yLabel: 'count',
    }),
    barChart(bins.length ? bins : [{ label: 'none', value: 0 }], { title: 'Commit latency (match to commit)', xLabel: 'minutes', yLabel: 'trades' }),
    dagSvg(detail.dag),
    lineChart(detail.vehicles.map((vehicle) => ({ name: `EV ${vehicle.member} (${vehicle.board})`, points: minutes(vehicle.energy).map(([x, y]): [number, number] => [x, y / 1000]) })), {
      title: 'Energy in each EV battery', xLabel: 'simulated minutes', yLabel: 'kWh',
    }),
    lineChart(detail.vehicles.map((vehicle) => ({ name: `EV ${vehicle.member}`, points: minutes(vehicle.ecash) })), {
      title: 'Ecash of each EV (aggregator balances)', xLabel: 'simulated minutes', yLabel: 'Ecash',
    }),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SmartChain city simulation</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}figure{margin:1.5em 0}</style>
</head><body>
<h1>SmartChain city simulation</h1>
<p>${escapeHtml(String(summary.evs))} EVs on emulated boards (the real pico and esp32 bundles, in simulated board time) trading energy through one aggregator over ${escapeHtml(String(summary.link))}, for ${(Number(summary.duration_ms) / 60000).toFixed(0)} simulated minutes; attack: ${escapeHtml(String(summary.attack))}; seed ${escapeHtml(String(summary.seed))}. The schema of these figures is in docs/simulation.md.</p>
<table>${rows}</table>
${figures.map((svg) => `<figure>${svg}</figure>`).join('\n')}
</body></html>
`;
}

export function writeReport(path: string, summary: Record<string, unknown>, detail: ReportDetail): void {
  writeFileSync(path, renderReport(summary, detail));
}
