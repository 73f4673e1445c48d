// The background checkpointer: with it running, the write-ahead log is copied into the database by its
// thread, so the log restarts small although the committing connection's own threshold is far away.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKSTOP_CHECKPOINT_PAGES, CHECKPOINT_INTERVAL_MS, Checkpointer } from '../../host-tools/aggregator/checkpointer';
import { openStore } from '../../host-tools/aggregator/store';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-checkpointer-'));
test.after(() => rmSync(directory, { recursive: true, force: true }));

/** Commits 2,000 pages' worth of rows in 20 transactions, then the frames the log holds after one more commit. */
async function logFramesAfterLoad(path: string, withCheckpointer: boolean): Promise<number> {
  const db = openStore(path);
  const checkpointer = withCheckpointer ? Checkpointer.start(db, path) : null;
  if (!withCheckpointer) db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  db.exec('CREATE TABLE filler (n INTEGER PRIMARY KEY, bytes BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (bytes) VALUES (?)');
  for (let group = 0; group < 20; group++) db.transaction(() => {
    for (let row = 0; row < 100; row++) insert.run(Buffer.alloc(4000, row));
  })();
  await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_INTERVAL_MS * 5));
  // A new write starts the log over once every frame in it has been checkpointed.
  insert.run(Buffer.alloc(10));
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  await checkpointer?.stop();
  db.close();
  return result.log;
}

test('the log restarts small with the checkpointer and grows without it', async () => {
  const without = await logFramesAfterLoad(join(directory, 'without.sqlite'), false);
  const withIt = await logFramesAfterLoad(join(directory, 'with.sqlite'), true);
  assert.ok(without > 2000, `without the checkpointer the log holds ${without} frames`);
  assert.ok(withIt < 100, `with the checkpointer the log holds ${withIt} frames`);
});

test.run();
