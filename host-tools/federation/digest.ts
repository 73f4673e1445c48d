// The state digest federated aggregators compare: SHA-256 over the members with their keys and balances,
// the committed trades and the ids of every stored record, each in a fixed order and canonical text, so
// two aggregators that applied the same log to the same revision print the same digest. Local clocks
// (when a record arrived, when a trade committed here) and local bookkeeping (acknowledgements, auction
// matches, open orders) are left out: they differ between aggregators by design.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/** Rows are read in pages of this many, so memory stays bounded whatever the ledger's size. */
const PAGE_ROWS = 4096;

export function stateDigest(db: Database.Database): string {
  const hash = createHash('sha256');
  for (const row of db.prepare('SELECT id, public_key, balance FROM members ORDER BY id').iterate() as Iterable<{ id: number; public_key: Buffer; balance: number }>) {
    hash.update(`m ${row.id} ${row.public_key.toString('hex')} ${row.balance}\n`);
  }
  const trades = db.prepare('SELECT sold_id, bought_id, seller, buyer, energy_wh, ecash FROM trades ORDER BY sold_id');
  for (const row of trades.iterate() as Iterable<{ sold_id: Buffer; bought_id: Buffer; seller: number; buyer: number; energy_wh: number; ecash: number }>) {
    hash.update(`t ${row.sold_id.toString('hex')} ${row.bought_id.toString('hex')} ${row.seller} ${row.buyer} ${row.energy_wh} ${row.ecash}\n`);
  }
  const page = db.prepare('SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?').raw(true);
  let after: Buffer = Buffer.alloc(0);
  for (;;) {
    const rows = page.all(after, PAGE_ROWS) as [Buffer][];
    for (const [id] of rows) hash.update(id);
    if (rows.length < PAGE_ROWS) break;
    after = rows[rows.length - 1][0];
  }
  return hash.digest('hex');
}
