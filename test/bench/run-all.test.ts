// CI proves the benchmarks still run: the quick versions, into a temporary folder, with the keys the
// results file promises.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';

test('make bench --quick writes results.json and benchmarks.md with every section', () => {
  const out = mkdtempSync(join(tmpdir(), 'smartchain-bench-'));
  try {
    checkBench(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function checkBench(out: string): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'host-tools/bench/run-all.ts', '--quick', '--out', out], { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  const results = JSON.parse(readFileSync(join(out, 'bench', 'results.json'), 'utf8'));
  assert.ok(results.paper.smartchain.length >= 3);
  assert.is(results.paper.smartchain.length, results.paper.pow_chain.length);
  for (const point of results.paper.pow_chain) assert.ok(point.preparation_ms > 0 && point.validation_ms > 0);
  assert.ok(results.aggregator.ingest_records_per_s > 0);
  assert.ok(results.aggregator.cap_selection[0].p99_ms >= results.aggregator.cap_selection[0].p50_ms);
  assert.ok(results.ledger_core.records_per_s_one_node > 0);
  assert.ok(results.validation.ratio_to_naive > 0);
  assert.ok(results.footprint.bundles.pico.bytes <= results.footprint.bundles.pico.budget);
  for (const board of ['pico', 'esp32', 'emulator']) assert.ok(results.heap[board].heap_peak_bytes <= results.heap[board].heap_bytes_max, board);
  assert.ok(results.footprint.airtime_sf9.frames_over_payload_limit.includes('sold'), 'a sold record does not fit one SF9 frame');
  assert.ok(results.validation['pico-stock'].projected_board_ms.validate_two_caps.median > 100000, 'two JS verifications are minutes on a pico');
  const native = results.validation.pico.projected_board_ms;
  assert.ok(native.validate_two_caps.median >= 2 * (loadBoard('pico').native_crypto_board_ms as { verify: number }).verify, 'two native verifications on the pico, from board.json');
  assert.ok(native.trade_time_path.median < native.validate_two_caps.median + 1000, 'then one signature and an id');
  // The city's speed: host time per simulated hour, most of it in the emulated boards.
  assert.ok(results.city.wall_s_per_simulated_hour > 0 && results.city.boards_s_per_simulated_hour > results.city.radio_medium_s_per_simulated_hour);
  const page = readFileSync(join(out, 'docs', 'benchmarks.md'), 'utf8');
  assert.match(page, /Fig\. 7/);
  assert.match(page, /## City: host time per simulated hour[^\n]*\n\nCommand: `node --import tsx host-tools\/bench\/city\.ts --evs 4 --duration 5m --boards pico,esp32`/);
  // The real-firmware section is generated: in the quick run it says it was skipped, and why.
  assert.match(page, /## The pico on the real firmware \(rp2040js\)[^\n]*\n\nCommand: `node --import tsx host-tools\/bench\/rp2040-firmware\.ts --skip`\n\nSkipped: /);
  assert.ok(typeof results.rp2040.skipped === 'string', 'the quick run skips the rp2040 benches');
  assert.match(readFileSync(join(out, 'docs', 'figures', 'paper-fig7-preparation.svg'), 'utf8'), /<polyline class="series"/);
}

test('--only re-runs one bench, keeps the others, and names the sections it has no figures for', () => {
  const out = mkdtempSync(join(tmpdir(), 'smartchain-bench-only-'));
  try {
    const kept = JSON.parse(readFileSync('bench/results.json', 'utf8'));
    delete kept.lora_medium;
    delete kept.measured_on;
    mkdirSync(join(out, 'bench'));
    writeFileSync(join(out, 'bench', 'results.json'), JSON.stringify(kept));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'host-tools/bench/run-all.ts', '--only', 'footprint', '--out', out], { encoding: 'utf8' });
    assert.is(result.status, 0, result.stderr);
    const results = JSON.parse(readFileSync(join(out, 'bench', 'results.json'), 'utf8'));
    assert.equal(results.paper, kept.paper, 'the other sections are kept as they were');
    assert.is(results.measured_on.footprint, new Date().toISOString().slice(0, 10));
    const page = readFileSync(join(out, 'docs', 'benchmarks.md'), 'utf8');
    assert.match(page, /Measured on: paper an earlier run, [^\n]*footprint \d{4}-\d\d-\d\d[^\n]*lora_medium not yet\./);
    assert.match(page, /## LoRa medium[^\n]*\n\nCommand: [^\n]*\n\nNot in bench\/results\.json yet: [^\n]*--only lora_medium/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
