// The city simulation, small enough for CI: emulated esp32 boards running the real bundles,
// the aggregator on a real SQLite file, for several seeds and every attack; and once with picos on our
// image (native smartcrypto), which the pico heap now holds. Each run must conserve
// Ecash, confirm no double spend, settle only trades with matching records on both chains, keep every
// board within its heap budget and never crash or reset a board. The report opens in headless Chromium.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { BoardName, loadBoard } from '../../host-tools/build/boards';
import { ATTACKS, runCity } from '../../host-tools/sim/city';
import { writeReport } from '../../host-tools/sim/report';
import { TRADE_STAGES } from '../../host-tools/sim/trade-stages';

const SEEDS = [1, 2];
const DURATION_MS = Number(process.env.SMARTCHAIN_CITY_TEST_MS ?? 40 * 60000);
const directory = mkdtempSync(join(tmpdir(), 'smartchain-city-'));
let reportPath = '';
/** Committed trades followed stage by stage across these cities (the check below must have run on some). */
let tradesFollowed = 0;

const RUNS: { attack: (typeof ATTACKS)[number]; seed: number; boards: BoardName[]; durationMs: number }[] = [];
for (const attack of ATTACKS) for (const seed of attack === 'none' ? SEEDS : [SEEDS[0]]) RUNS.push({ attack, seed, boards: ['esp32'], durationMs: DURATION_MS });
// The picos' city runs long enough for a trade to commit (its transfer alone is 5 to 44 minutes): the
// stage-by-stage check below needs one; four picos take a few seconds for it.
RUNS.push({ attack: 'none', seed: SEEDS[0], boards: ['pico'], durationMs: Math.max(DURATION_MS, 90 * 60000) });

for (const { attack, seed, boards, durationMs } of RUNS) {
  test(`city of 4 EVs (${boards.join(', ')}), seed ${seed}, attack ${attack}: conserved, no double spend, matching records, boards healthy`, async () => {
    const outDir = join(directory, `${attack}-${seed}-${boards.join('-')}`);
    const { summary, detail } = await runCity({ evs: 4, durationMs, seed, link: 'uart', attack, outDir, boards });
    const context = `seed ${seed} ${attack}: ${JSON.stringify(summary)}`;
    assert.is(summary.ecash_total_end, summary.ecash_total_start, `Ecash conserved (${context})`);
    assert.is(summary.double_spends_confirmed, 0, context);
    assert.is(summary.board_resets, 0, `no board reset (${context}) ${JSON.stringify(detail.boards)}`);
    assert.is(summary.deadlocks, 0, context);
    const stages = summary.ev_trade_stages_at_end as Record<string, number>;
    assert.ok(Object.keys(stages).every((stage) => ['idle', 'offered', 'demanded', 'selling', 'buying'].includes(stage)), `trader stages (${JSON.stringify(stages)})`);
    assert.is(Object.values(stages).reduce((total, count) => total + count, 0), attack === 'double-spend' || attack === 'sybil' ? 5 : 4, `every EV's stage at the end (${JSON.stringify(stages)})`);
    const host = summary.host_ms as Record<string, number>;
    assert.ok(host.boards_heap_measurement > 0 && host.boards_heap_measurement <= host.boards, `measuring the heaps is part of the boards' time (${JSON.stringify(host)})`);
    const orders = detail.boards.reduce((sum: number, board: { trade: Record<string, number> }) => sum + (board.trade.trades_offered ?? 0) + (board.trade.trades_demanded ?? 0), 0);
    assert.ok(orders > 0, `the vehicles placed orders through the boards' traders (${context})`);
    for (const board of detail.boards) {
      assert.not.ok(board.log.some((line: string) => line.includes('UNCAUGHT') || line.includes('TICK_FAILED')), `${board.name}: ${board.log.join(' | ')}`);
      // Boards are named ev<member>-<board> (host-tools/sim/city.ts).
      const kind = board.name.replace(/^ev\d+-/, '');
      assert.ok(board.heap_peak_bytes <= loadBoard(kind).heap_bytes_max, `${board.name} heap ${board.heap_peak_bytes}`);
    }
    // The per-kind table adds up the boards' own counts of frames their full inbox dropped.
    const kinds = summary.board_kinds as Record<string, { frames_dropped_inbox_full: number }>;
    for (const kind of Object.keys(kinds)) {
      const counted = detail.boards.filter((board: { name: string }) => board.name.endsWith(`-${kind}`)).reduce((sum: number, board: { stats: Record<string, number> }) => sum + (board.stats.frames_dropped_inbox_full ?? 0), 0);
      assert.is(kinds[kind].frames_dropped_inbox_full, counted, `${kind}: frames dropped with the inbox full`);
    }
    // Every settled trade has a sold record on the seller's chain and a bought record on the buyer's that match.
    const db = new Database(join(outDir, 'aggregator.sqlite'), { readonly: true });
    const rows = db.prepare(
      `SELECT t.seller, t.buyer, t.energy_wh, t.ecash, s.issuer AS s_issuer, s.counterparty AS s_party, s.energy_wh AS s_energy, s.ecash AS s_ecash, s.time_ms AS s_time,
              b.issuer AS b_issuer, b.counterparty AS b_party, b.energy_wh AS b_energy, b.ecash AS b_ecash, b.time_ms AS b_time, b.ref AS b_ref, t.sold_id
       FROM trades t JOIN records s ON s.id = t.sold_id JOIN records b ON b.id = t.bought_id`,
    ).all() as Record<string, number | Buffer>[];
    assert.is(rows.length, summary.trades_committed as number);
    for (const row of rows) {
      assert.is(row.s_issuer, row.seller);
      assert.is(row.b_issuer, row.buyer);
      assert.is(row.s_party, row.buyer);
      assert.is(row.b_party, row.seller);
      assert.is(row.s_energy, row.b_energy);
      assert.is(row.s_ecash, row.b_ecash);
      assert.ok((row.b_time as number) > (row.s_time as number));
      assert.ok((row.b_ref as Buffer).equals(row.sold_id as Buffer));
    }
    db.close();
    // Each committed trade followed from its match to its commit: every stage non-negative, and together
    // exactly its commit latency (host-tools/sim/trade-stages.ts).
    const followed = detail.tradeStages;
    const stagesSummary = summary.trade_stages_ms as { trades: number; trades_not_followed: number };
    assert.is(stagesSummary.trades_not_followed, 0, `every matched trade that committed was followed (${JSON.stringify(stagesSummary)})`);
    const byValue = (left: number, right: number) => left - right;
    // commit_latency_ms counts from the last match of a trade's terms; a trade matched again counts from the one its buyer acted on.
    assert.equal(followed.map((row) => row.last_match_latency_ms).sort(byValue), [...detail.commitLatencies].sort(byValue));
    assert.is(stagesSummary.trades, followed.length);
    tradesFollowed += followed.length;
    for (const row of followed) {
      const stages = TRADE_STAGES.map((stage) => row.stages[stage]);
      assert.ok(stages.every((ms) => Number.isFinite(ms) && ms >= 0), `stages non-negative: ${JSON.stringify(row)}`);
      // Simulated time is fractional where a host node acts between steps: equal up to float rounding.
      assert.ok(Math.abs(stages.reduce((total, ms) => total + ms, 0) - row.commit_latency_ms) < 1e-6, `stages sum to the latency: ${JSON.stringify(row)}`);
      assert.ok(row.commit_latency_ms >= row.last_match_latency_ms, JSON.stringify(row));
      // A lot of 0.5 to 1 kWh at 11 kW: 2.7 to 5.5 minutes (a cut-short transfer ends on time, metering
      // less), seen at the city's next step of a second.
      assert.ok(row.stages.transfer >= (500 / 11000) * 3600000 && row.stages.transfer <= (1000 / 11000) * 3600000 + 1000, `0.5 to 1 kWh at 11 kW: ${JSON.stringify(row)}`);
    }
    if (attack === 'double-spend') assert.ok((summary.double_spends_attempted as number) <= 1, context);
    if (attack === 'spam') assert.ok((summary.spam_frames_rejected as number) > 0, context);
    if (attack === 'sybil') assert.ok((summary.sybil_records_rejected as number) > 0, context);
    if (attack === 'none' && seed === SEEDS[0] && boards[0] === 'esp32') {
      reportPath = join(outDir, 'report.html');
      writeReport(reportPath, summary, detail);
    }
  });
}

test('committed trades were followed stage by stage in these cities', () => {
  assert.ok(tradesFollowed > 0, `${tradesFollowed} trades followed`);
});

test('the same seed gives the same city, record for record', async () => {
  const run = async (name: string) => {
    const outDir = join(directory, name);
    const { summary } = await runCity({ evs: 2, durationMs: 10 * 60000, seed: 7, link: 'uart', attack: 'none', outDir, boards: ['esp32'] });
    const db = new Database(join(outDir, 'aggregator.sqlite'), { readonly: true });
    const ids = (db.prepare('SELECT id FROM records ORDER BY rowid').all() as { id: Buffer }[]).map((row) => row.id.toString('hex'));
    db.close();
    // wall_ms and host_ms are the host's time, not the city's.
    return { ...summary, wall_ms: 0, host_ms: {}, ids };
  };
  assert.equal(await run('replay-a'), await run('replay-b'));
});

test('the report renders in headless Chromium: every plot has drawn marks', () => {
  assert.ok(reportPath, 'a report was written');
  // A copy of the page with a probe that measures what the browser laid out, read back with --dump-dom.
  const probe = `<script>
    var out = [];
    document.querySelectorAll('figure svg').forEach(function (svg) {
      var marks = svg.querySelectorAll('polyline.series, rect.bar, circle.record');
      var drawn = 0;
      marks.forEach(function (mark) { var box = mark.getBBox(); if (box.width > 0 || box.height > 0) drawn++; });
      var box = svg.getBoundingClientRect();
      var axes = svg.querySelectorAll('line.axis').length;
      var legend = svg.querySelectorAll('.legend').length;
      out.push({ width: box.width, height: box.height, marks: marks.length, drawn: drawn, axes: axes, legend: legend });
    });
    var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  </script></body>`;
  const probed = join(directory, 'probed.html');
  writeFileSync(probed, readFileSync(reportPath, 'utf8').replace('</body>', probe));
  const dom = execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${probed}`], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'ignore'] });
  const match = /<pre id="probe">(.*?)<\/pre>/s.exec(dom);
  assert.ok(match, 'the probe ran');
  const figures = JSON.parse((match as RegExpExecArray)[1].replace(/&quot;/g, '"')) as { width: number; height: number; marks: number; drawn: number; axes: number; legend: number }[];
  assert.is(figures.length, 5, 'five plots');
  for (const figure of figures) {
    assert.ok(figure.width > 300 && figure.height > 100, JSON.stringify(figure));
    assert.ok(figure.marks > 0 && figure.drawn === figure.marks, JSON.stringify(figure));
    assert.is(figure.axes, 2, `two axes: ${JSON.stringify(figure)}`);
    assert.ok(figure.legend > 0, `a legend: ${JSON.stringify(figure)}`);
  }
  // No raw JSON in the page a grid engineer reads.
  assert.not.match(readFileSync(reportPath, 'utf8'), /\{"/);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
