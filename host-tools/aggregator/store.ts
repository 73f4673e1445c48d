// The aggregator's durable store: one SQLite file (better-sqlite3) in WAL mode with synchronous=FULL,
// so a committed transaction survives kill -9 and a power cut (the server's groups commit with NORMAL
// and are acknowledged after their own fsync of the log: wal-sync.ts); a schema version (PRAGMA user_version)
// and ordered migrations. Holds the whole DAG (raw COSE bytes and decoded columns; parent edges only when asked for), members and
// balances, offers and demands, trades and acknowledgements. Every write that an acknowledgement depends
// on is committed before the acknowledgement is returned.
import Database from 'better-sqlite3';
import { COMMIT_WAIT_MS } from '../../firmware/trade';

/**
 * How long an unpaid bought record holds its Ecash, and an unanswered sold record can still be paired,
 * counted from the record's own time: the board gives up waiting for a trade's commit after
 * COMMIT_WAIT_MS (firmware/trade.ts), so after that the trade can no longer complete (docs/api.md).
 */
export const RESERVATION_TTL_MS = COMMIT_WAIT_MS;

export const SCHEMA_VERSION = 8;

const MIGRATIONS: string[] = [
  // 1: the first schema.
  `CREATE TABLE members (
     id INTEGER PRIMARY KEY,
     public_key BLOB NOT NULL UNIQUE,
     balance INTEGER NOT NULL CHECK (balance >= 0),
     membership_id BLOB NOT NULL,
     admitted_ms INTEGER NOT NULL
   );
   CREATE TABLE records (
     id BLOB PRIMARY KEY,
     issuer INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     kind INTEGER NOT NULL,
     time_ms INTEGER NOT NULL,
     energy_wh INTEGER,
     ecash INTEGER,
     counterparty INTEGER,
     ref BLOB,
     raw BLOB NOT NULL,
     received_ms INTEGER NOT NULL,
     UNIQUE (issuer, seq)
   );
   CREATE INDEX records_issuer ON records (issuer, kind);
   CREATE INDEX records_ref ON records (ref);
   CREATE TABLE edges (child BLOB NOT NULL, parent BLOB NOT NULL, PRIMARY KEY (child, parent)) WITHOUT ROWID;
   CREATE INDEX edges_parent ON edges (parent);
   CREATE TABLE orders (
     record_id BLOB PRIMARY KEY,
     member INTEGER NOT NULL,
     side TEXT NOT NULL CHECK (side IN ('offer', 'demand')),
     energy_wh INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     open INTEGER NOT NULL DEFAULT 1,
     time_ms INTEGER NOT NULL
   );
   CREATE TABLE matches (
     id INTEGER PRIMARY KEY,
     offer_id BLOB NOT NULL,
     demand_id BLOB NOT NULL,
     seller INTEGER NOT NULL,
     buyer INTEGER NOT NULL,
     energy_wh INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     matched_ms INTEGER NOT NULL
   );
   CREATE TABLE trades (
     sold_id BLOB PRIMARY KEY,
     bought_id BLOB NOT NULL UNIQUE,
     seller INTEGER NOT NULL,
     buyer INTEGER NOT NULL,
     energy_wh INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     committed_ms INTEGER NOT NULL
   );
   CREATE TABLE acks (id BLOB PRIMARY KEY, acked_ms INTEGER NOT NULL) WITHOUT ROWID;`,
  // 2: settlement looks for sold records after every group; without an index on kind that is a scan of
  // the whole DAG per group. A partial index holds only the sold records, so other records cost nothing.
  // No query looks edges up by parent, and that index cost two random page writes per record.
  `CREATE INDEX records_sold ON records (id) WHERE kind = 4;
   DROP INDEX edges_parent;`,
  // 3: every per-record statement keyed. Settlement no longer looks for sold records at all (a new sold
  // or bought record finds its counterpart by id or by ref), so records_sold goes; the proof-of-time slot
  // rule looks an issuer's records up by time; an EV's open order of a side is found by the partial
  // index, the auction's open orders by time. Unpaid bought records become reservations (what each still
  // holds of its issuer's balance, and when it expires), summed per member in members.reserved, so the
  // balance check reads one row instead of adding up the issuer's history.
  `DROP INDEX records_sold;
   DROP INDEX records_issuer;
   CREATE INDEX records_issuer_time ON records (issuer, time_ms);
   CREATE INDEX orders_open_member ON orders (member, side) WHERE open = 1;
   CREATE INDEX orders_open_time ON orders (time_ms) WHERE open = 1;
   ALTER TABLE members ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE reservations (
     bought_id BLOB PRIMARY KEY,
     issuer INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     expires_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX reservations_expiry ON reservations (expires_ms);
   INSERT INTO reservations (bought_id, issuer, ecash, expires_ms)
     SELECT r.id, r.issuer, r.ecash, r.time_ms + ${RESERVATION_TTL_MS} FROM records r LEFT JOIN trades t ON t.bought_id = r.id
     WHERE r.kind = 5 AND t.bought_id IS NULL;
   UPDATE members SET reserved = (SELECT COALESCE(SUM(ecash), 0) FROM reservations WHERE issuer = members.id);`,
  // 4: a record's parents are in its raw bytes; the edges table repeated them at two random-key B-tree
  // inserts per record, about a fifth of the storage work (bench: docs/benchmarks.md, aggregator). A
  // store that wants them as rows (the city simulation's report) asks for them (PARENT_EDGES_TABLE).
  `DROP TABLE edges;`,
  // 5: an order replaced or matched is deleted, no longer kept closed: the orders table then holds only
  // open orders (at most two per member), so its record_id key stays small and cached instead of taking
  // a random page per offer or demand in a table as long as the history (the record itself keeps it).
  `DELETE FROM orders WHERE open = 0;`,
  // 6: only bought records are looked up by ref (a sold record finds its buyers); an index over every
  // record's ref took an index write per record, NULL for every offer, demand and sold record.
  `DROP INDEX records_ref;
   CREATE INDEX records_bought_ref ON records (ref) WHERE kind = 5;`,
  // Orders keyed by their record id alone (WITHOUT ROWID, https://sqlite.org/withoutrowid.html): each
  // order inserted and each one replaced writes one b-tree fewer than a rowid table with its id index.
  `CREATE TABLE orders_keyed (
     record_id BLOB PRIMARY KEY,
     member INTEGER NOT NULL,
     side TEXT NOT NULL CHECK (side IN ('offer', 'demand')),
     energy_wh INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     open INTEGER NOT NULL DEFAULT 1,
     time_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO orders_keyed (record_id, member, side, energy_wh, ecash, open, time_ms)
     SELECT record_id, member, side, energy_wh, ecash, open, time_ms FROM orders;
   DROP TABLE orders;
   ALTER TABLE orders_keyed RENAME TO orders;
   CREATE INDEX orders_open_member ON orders (member, side) WHERE open = 1;
   CREATE INDEX orders_open_time ON orders (time_ms) WHERE open = 1;`,
  // 8: an EV holds at most one open order a side, and only open orders are kept (5), so (member, side) is
  // the orders' key: replacing an order rewrites one row in place, in the page of that member's orders,
  // where keyed by the new record's random id it deleted a row from one random page, inserted one into
  // another and updated the member index besides. At 1,000,000 records with 100,000 open orders those
  // were three of the six pages each offer or demand dirtied (bench: docs/benchmarks.md, growth curve).
  // The newest order of a (member, side) wins should a store hold two.
  `CREATE TABLE orders_by_member (
     member INTEGER NOT NULL,
     side TEXT NOT NULL CHECK (side IN ('offer', 'demand')),
     record_id BLOB NOT NULL,
     energy_wh INTEGER NOT NULL,
     ecash INTEGER NOT NULL,
     time_ms INTEGER NOT NULL,
     PRIMARY KEY (member, side)
   ) WITHOUT ROWID;
   INSERT OR REPLACE INTO orders_by_member (member, side, record_id, energy_wh, ecash, time_ms)
     SELECT member, side, record_id, energy_wh, ecash, time_ms FROM orders WHERE open = 1 ORDER BY time_ms;
   DROP TABLE orders;
   ALTER TABLE orders_by_member RENAME TO orders;
   CREATE INDEX orders_time ON orders (time_ms);`,
];

/** The parent edges table, kept only by an aggregator opened with parentEdges (AggregatorOptions). */
export const PARENT_EDGES_TABLE = 'CREATE TABLE IF NOT EXISTS edges (child BLOB NOT NULL, parent BLOB NOT NULL, PRIMARY KEY (child, parent)) WITHOUT ROWID';

export type StoredRecord = {
  id: Buffer;
  issuer: number;
  seq: number;
  kind: number;
  time_ms: number;
  energy_wh: number | null;
  ecash: number | null;
  counterparty: number | null;
  ref: Buffer | null;
  raw: Buffer;
};

export type Member = { id: number; public_key: Buffer; balance: number; reserved: number };

export function openStore(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // The id and issuer indexes take a random page each per record; a cache that holds them at a million
  // records keeps those pages out of the read path: 64 MiB did not (main-thread CPU per record 113 us
  // empty, 207 us at a million), so 256 MiB (bench: docs/benchmarks.md, growth curve).
  db.pragma('cache_size = -262144');
  migrate(db);
  return db;
}

/** Applies every migration above the file's version up to `target` (a test may stop short), each in its own transaction. */
export function migrate(db: Database.Database, target = MIGRATIONS.length): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`database schema ${version} is newer than this aggregator (${MIGRATIONS.length})`);
  for (let next = version; next < Math.min(target, MIGRATIONS.length); next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
