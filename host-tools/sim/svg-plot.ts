// Self-contained SVG line and bar charts for the benchmark page and the simulation report: no scripts,
// no fonts to fetch, axes with ticks, optional logarithmic scales, a legend.

export type Series = { name: string; points: [number, number][]; color?: string };
export type PlotOptions = {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Puts the legend in a column of this many pixels right of the plot, where it covers no line. */
  legendWidth?: number;
};

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const ticks: number[] = [];
    for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) ticks.push(10 ** power);
    return ticks;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const factor = [1, 2, 5, 10].find((candidate) => span / (step * candidate) <= 6) ?? 10;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / (step * factor)) * step * factor; value <= max + 1e-9; value += step * factor) ticks.push(value);
  return ticks;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1e4 || Math.abs(value) < 1e-2) return value.toExponential(0).replace('e+', 'e');
  return String(Number(value.toPrecision(3)));
}

export function lineChart(series: Series[], options: PlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 380;
  const margin = { left: 70, right: 20 + (options.legendWidth ?? 0), top: 36, bottom: 50 };
  const all = series.flatMap((entry) => entry.points).filter(([x, y]) => (!options.logX || x > 0) && (!options.logY || y > 0));
  if (all.length === 0) throw new Error(`chart '${options.title}' has no points to draw`);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  let [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (!options.logY) yMin = Math.min(0, yMin);
  if (options.logY) [yMin, yMax] = [10 ** Math.floor(Math.log10(yMin)), 10 ** Math.ceil(Math.log10(yMax))];
  if (options.logX) [xMin, xMax] = [10 ** Math.floor(Math.log10(xMin)), 10 ** Math.ceil(Math.log10(xMax))];
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) yMax = yMin + 1;
  const scale = (value: number, min: number, max: number, log: boolean | undefined) =>
    log ? (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (value - min) / (max - min);
  const px = (x: number) => margin.left + scale(x, xMin, xMax, options.logX) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - scale(y, yMin, yMax, options.logY) * (height - margin.top - margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    `<line class="axis x-axis" x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line class="axis y-axis" x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
  ];
  for (const tick of niceTicks(xMin, xMax, options.logX === true)) {
    if (tick < xMin || tick > xMax) continue;
    parts.push(`<text x="${px(tick)}" y="${height - margin.bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`);
    parts.push(`<line x1="${px(tick)}" y1="${height - margin.bottom}" x2="${px(tick)}" y2="${height - margin.bottom + 4}" stroke="black"/>`);
  }
  for (const tick of niceTicks(yMin, yMax, options.logY === true)) {
    if (tick < yMin || tick > yMax) continue;
    parts.push(`<text x="${margin.left - 6}" y="${py(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`);
    parts.push(`<line x1="${margin.left}" y1="${py(tick)}" x2="${width - margin.right}" y2="${py(tick)}" stroke="#ddd"/>`);
  }
  parts.push(`<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((entry, index) => {
    const color = entry.color ?? PALETTE[index % PALETTE.length];
    const points = entry.points.filter(([x, y]) => (!options.logX || x > 0) && (!options.logY || y > 0));
    if (points.length > 0) {
      parts.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const legendX = options.legendWidth !== undefined ? width - margin.right + 10 : margin.left + 10;
    parts.push(`<rect class="legend" x="${legendX}" y="${margin.top + 4 + index * 16}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text class="legend" x="${legendX + 16}" y="${margin.top + 13 + index * 16}">${escapeXml(entry.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function barChart(bars: { label: string; value: number }[], options: PlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 320;
  const margin = { left: 70, right: 20, top: 36, bottom: 60 };
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const slot = (width - margin.left - margin.right) / Math.max(1, bars.length);
  const plotHeight = height - margin.top - margin.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
  ];
  for (const tick of niceTicks(0, max, false)) {
    const y = height - margin.bottom - (tick / max) * plotHeight;
    parts.push(`<text x="${margin.left - 6}" y="${y + 4}" text-anchor="end">${formatTick(tick)}</text>`);
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${width - margin.right}" y2="${y}" stroke="#ddd"/>`);
  }
  bars.forEach((bar, index) => {
    const barHeight = (bar.value / max) * plotHeight;
    const x = margin.left + index * slot + slot * 0.1;
    parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${(height - margin.bottom - barHeight).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${PALETTE[0]}"/>`);
    parts.push(`<text x="${(x + slot * 0.4).toFixed(1)}" y="${height - margin.bottom + 14}" text-anchor="middle">${escapeXml(bar.label)}</text>`);
  });
  parts.push(`<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
