// Every statement the aggregator runs per record or per group is keyed: SQLite's plan for it (EXPLAIN QUERY
// PLAN) searches an index or a primary key and never scans a table that grows with the ledger, so a
// record costs the same at a million stored records as at none (docs/benchmarks.md, the growth curve).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aggregator } from '../../host-tools/aggregator/aggregator';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-query-plans-'));
test.after(() => rmSync(directory, { recursive: true, force: true }));

/** The tables of the store (all of them grow with the ledger, members included). */
function tables(db: Database.Database): Set<string> {
  return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
}

/** The plan lines of a statement that scan a whole table of the store. */
function scans(db: Database.Database, sql: string): string[] {
  // Every parameter bound to NULL: the plan depends on the statement, not on the values.
  const parameters = (sql.match(/\?/g) ?? []).map(() => null);
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[];
  const names = tables(db);
  return plan.map((row) => row.detail).filter((detail) => {
    const scanned = /^SCAN (\w+)/.exec(detail);
    return scanned !== null && names.has(scanned[1]);
  });
}

test('the plan checker sees a full scan of a growing table', () => {
  const aggregator = new Aggregator({ dbPath: join(directory, 'checker.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  assert.equal(scans(aggregator.db, 'SELECT id FROM records WHERE received_ms = ?').length, 1);
  assert.equal(scans(aggregator.db, 'SELECT id FROM records WHERE id = ?'), []);
  aggregator.close();
});

test('no statement run per record or per group scans a table', () => {
  const aggregator = new Aggregator({ dbPath: join(directory, 'plans.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const statements = aggregator.perRecordSql();
  // Validation's lookups (the store view) and storage and settlement's statements are all there.
  assert.ok(statements.length >= 25, `${statements.length} statements`);
  const scanning = statements.map((sql) => ({ sql, scans: scans(aggregator.db, sql) })).filter((entry) => entry.scans.length > 0);
  assert.equal(scanning, []);
  aggregator.close();
});

test('the parent edges table exists, and is written with keyed inserts, only when asked for', () => {
  const plain = new Aggregator({ dbPath: join(directory, 'plain.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  assert.not.ok(tables(plain.db).has('edges'));
  assert.not.ok(plain.perRecordSql().some((sql) => sql.includes('edges')));
  plain.close();
  const withEdges = new Aggregator({ dbPath: join(directory, 'edges.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2), parentEdges: true });
  assert.ok(tables(withEdges.db).has('edges'));
  const member = withEdges.addMember(new Uint8Array(32).fill(7).map((byte, index) => (index === 31 ? 0x17 : byte + index)), 10);
  assert.ok(member.ok);
  assert.equal((withEdges.db.prepare('SELECT COUNT(*) AS n FROM edges').get() as { n: number }).n, 1);
  assert.equal(withEdges.perRecordSql().filter((sql) => sql.includes('edges')).map((sql) => scans(withEdges.db, sql)), [[]]);
  withEdges.close();
});

test.run();
