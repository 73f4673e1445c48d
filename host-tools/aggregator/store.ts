// The aggregator's durable store: one SQLite file (better-sqlite3) in WAL mode with synchronous=FULL,
// so a committed transaction survives kill -9 and a power cut; a schema version (PRAGMA user_version)
// and ordered migrations. Holds the whole DAG (raw COSE bytes and decoded columns, edges), members and
// balances, offers and demands, trades and acknowledgements. Every write that an acknowledgement depends
// on is committed before the acknowledgement is returned.
import Database from 'better-sqlite3';

export const SCHEMA_VERSION = 2;

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
];

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

export type Member = { id: number; public_key: Buffer; balance: number };

export function openStore(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Applies every migration above the file's version, each in its own transaction. */
export function migrate(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`database schema ${version} is newer than this aggregator (${MIGRATIONS.length})`);
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
