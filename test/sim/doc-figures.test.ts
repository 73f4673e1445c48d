// docs/simulation.md quotes `make run`'s figures only as make run wrote them: the block is rendered from
// out/summary.json by host-tools/sim/doc-figures.ts, and it names the command the Makefile runs.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BEGIN, END, renderFigures, replaceFigures } from '../../host-tools/sim/doc-figures';

const SUMMARY = {
  evs: 6, seed: 1, duration_ms: 43200000, records_total: 74, trades_committed: 6, trades_failed: { TRADE_TIMEOUT: 1 },
  ecash_total_start: 600000, ecash_total_end: 600000, commit_latency_ms: { p50: 15970880.9, p95: 18036543.0 },
  board_resets: 0, board_heap_peak_bytes: { pico: 0, esp32: 188482 }, wall_ms: 445819,
  trades_per_ev_per_4h: 0.333, collision_percent: 6.69, radio_frames: { lost_board_busy: 12759 },
};

test('renderFigures states the command and what it gave', () => {
  assert.is(renderFigures(SUMMARY, 'smartchain simulate --seed 1', { cores: 2, load: 1.25 }), [
    '`make run` runs `smartchain simulate --seed 1`; its last run here gave: 74 records, 6 trades',
    'committed (failed: 1 TRADE_TIMEOUT); commit latency p50 4.4 h, p95 5.0 h of board time;',
    '0.333 trades per EV per 4 h; 6.69 % of receptions collided; 12,759 packets lost to a busy board;',
    'Ecash 600,000 before and 600,000 after; 0 board resets; esp32 heap peak 188,482 B;',
    '446 s of wall time on 2 cores (load average 1.3 as it ended).',
  ].join('\n'));
  const none = renderFigures({ ...SUMMARY, trades_failed: {}, commit_latency_ms: { p50: null, p95: null } }, 'x', { cores: 1, load: 0 });
  assert.match(none, /\(failed: none\); commit latency p50 none, p95 none/);
  const byKind = renderFigures({ ...SUMMARY, radio_frames: { lost_board_busy: 4, lost_board_busy_by_kind: { hello: 1, offload: 3, grant: 0 } } }, 'x', { cores: 1, load: 0 });
  assert.match(byKind, /; 4 packets lost to a busy board \(offload 3, hello 1\);/);
  const one = renderFigures({ ...SUMMARY, radio_frames: { lost_board_busy: 1, lost_board_busy_by_kind: { offload: 1 } } }, 'x', { cores: 1, load: 0 });
  assert.match(one, /; 1 packet lost to a busy board \(offload 1\);/);
});

test('replaceFigures rewrites only the block, and refuses a doc without exactly one', () => {
  const doc = `before\n${BEGIN}\nold figures\n${END}\nafter\n`;
  assert.is(replaceFigures(doc, 'new figures'), `before\n${BEGIN}\nnew figures\n${END}\nafter\n`);
  assert.throws(() => replaceFigures('no block here', 'x'), /exactly one block/);
  assert.throws(() => replaceFigures(doc + doc, 'x'), /exactly one block/);
  assert.throws(() => replaceFigures(`${END}\n${BEGIN}`, 'x'), /exactly one block/);
});

test("docs/simulation.md's make run figures were written by make run, for the command the Makefile runs", () => {
  const command = /^RUN_COMMAND := (.+)$/m.exec(readFileSync('Makefile', 'utf8'))?.[1];
  assert.ok(command, 'the Makefile names RUN_COMMAND');
  assert.match(readFileSync('Makefile', 'utf8'), /\n\t\$\(SMARTCHAIN\) \$\(RUN_COMMAND\)\n\tnode --import tsx host-tools\/sim\/doc-figures\.ts out\/summary\.json docs\/simulation\.md -- smartchain \$\(RUN_COMMAND\)\n/);
  const doc = readFileSync('docs/simulation.md', 'utf8');
  const block = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
  const rendered = new RegExp(
    '^`make run` runs `smartchain ' + command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '`; its last run here gave: \\d+ records, \\d+ trades\n' +
      'committed \\(failed: [^)]+\\); commit latency p50 (none|[\\d.]+ h), p95 (none|[\\d.]+ h) of board time;\n' +
      '[\\d.]+ trades per EV per 4 h; [\\d.]+ % of receptions collided; [\\d,]+ packets? lost to a busy board( \\([^)]+\\))?;\n' +
      'Ecash [\\d,]+ before and [\\d,]+ after; \\d+ board resets; [^\n]*;\n' +
      '\\d+ s of wall time on \\d+ cores \\(load average [\\d.]+ as it ended\\)\\.$',
  );
  assert.match(block, rendered);
});

test.run();
