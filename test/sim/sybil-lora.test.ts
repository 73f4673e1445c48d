// The Sybil attack over LoRa (docs/simulation.md "Attacks"): a member broadcasts records with forged and
// then replayed proof-of-time tokens. Boards cannot check tokens, so they approve its first record of a
// slot; the aggregator refuses that record and must not refuse the honest records approving it
// (firmware/ledger/void-approvals.ts): before that rule, every honest record of the hour was refused
// PARENT_UNKNOWN and none stored. The granters its records name refuse them (TOKEN_NOT_GRANTED,
// firmware/node/grants.ts): they know they granted no such token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { RadioFrames, runCity } from '../../host-tools/sim/city';

const EVS = 6;

test('a Sybil member over LoRa: its records refused, the honest records approving them stored', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-sybil-'));
  try {
    const { summary } = await runCity({ evs: EVS, durationMs: 3600000, seed: 1, link: 'lora', attack: 'sybil', outDir: directory, boards: ['pico'] });
    const context = JSON.stringify({ rejections: summary.aggregator_rejections, boards: summary.board_rejections, records: summary.records_total, sybil: summary.sybil_records_rejected });
    const rejections = summary.aggregator_rejections as Record<string, number>;
    assert.ok((summary.sybil_records_rejected as number) > 0, context);
    assert.ok((rejections.TOKEN_MAC_INVALID ?? 0) + (rejections.TOKEN_MISMATCH ?? 0) > 0, `the aggregator refused forged or replayed tokens: ${context}`);
    assert.ok(((summary.board_rejections as Record<string, number>).TOKEN_NOT_GRANTED ?? 0) > 0, `the granters named refused the claims: ${context}`);
    assert.is(rejections.PARENT_UNKNOWN ?? 0, 0, `no honest record refused for approving a Sybil record: ${context}`);
    const db = new Database(join(directory, 'aggregator.sqlite'), { readonly: true });
    // Honest EVs are members 1..EVS; the Sybil member is EVS + 1; membership records are kind 1.
    const honest = (db.prepare('SELECT COUNT(*) AS n FROM records WHERE kind != 1 AND issuer BETWEEN 1 AND ?').get(EVS) as { n: number }).n;
    const approvingRefused = (db.prepare('SELECT COUNT(DISTINCT e.child) AS n FROM edges e LEFT JOIN records p ON p.id = e.parent WHERE p.id IS NULL AND e.parent != ?').get(Buffer.alloc(16)) as { n: number }).n;
    db.close();
    assert.ok(honest >= EVS, `every EV's records stored, ${honest}: ${context}`);
    assert.ok(approvingRefused > 0, `stored records approved refused Sybil records (the attack reached the boards): ${approvingRefused}`);
    // The medium's account by frame kind and by hour adds up to its totals (the report's radio tables).
    const frames = summary.radio_frames as RadioFrames;
    assert.is(Object.values(frames.lost_board_busy_by_kind).reduce((total, count) => total + count, 0), frames.lost_board_busy);
    const kinds = Object.values(summary.radio_by_frame as Record<string, { sent: number; collided: number }>);
    assert.is(kinds.reduce((total, kind) => total + kind.sent, 0), frames.sent);
    assert.is(kinds.reduce((total, kind) => total + kind.collided, 0), frames.collided);
    assert.ok((summary.radio_by_frame as Record<string, { sent: number }>).hello.sent >= EVS * 50, 'a hello a minute from each EV');
    assert.is((summary.collision_percent_by_hour as number[]).length, 1);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
