// The sequence rule across aggregators (checkSeqOrder: an issuer's sequence numbers rise with its
// records' times): two records of one issuer whose numbers and times disagree, each valid alone, are
// submitted to two federated aggregators in the same tick, so both are validated against the same
// applied revision before either transaction reaches the cluster. Exactly one is accepted, the other is
// refused with SEQ_NOT_INCREASING, and both aggregators end with the same digest. A real 3-member etcd
// cluster on loopback; skipped, with one line, when etcd is not installed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_OFFER } from '../../firmware/records';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { signingKey } from '../../host-tools/crypto/host-signing';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { etcdAvailable } from '../../host-tools/federation/cluster';
import { InProcessFederation } from '../../host-tools/federation/in-process';
import { Member, SLOT_MS, bounded, removeDir, signedRecord } from '../support/federation';

const PAIRS = 8;

if (!etcdAvailable()) {
  console.log('federation sequence tests skipped: the etcd binary is not installed (make setup installs Debian etcd-server)');
} else {
  test('records of one issuer whose numbers and times disagree, sent to two aggregators at once: exactly one accepted, digests agree', async () => {
    const root = mkdtempSync(join(tmpdir(), 'smartchain-federation-sequence-'));
    const seeds = { consortiumSeed: new Uint8Array(32).fill(3), aggregatorSeed: new Uint8Array(32).fill(4) };
    let federation: InProcessFederation | null = null;
    try {
      await bounded('sequence', (async () => {
        const fed = await InProcessFederation.start(2, root, (index) => new Aggregator({ dbPath: join(root, `a${index}.sqlite`), ...seeds }));
        federation = fed;
        const members: Member[] = [];
        for (let index = 0; index < 3 + PAIRS; index++) {
          const seed = new Uint8Array(32).fill(40 + index);
          const id = await fed.admit(keyPairFromSeed(seed).publicKey, 100);
          members.push({ id, seed, key: signingKey(seed), tokenKey: fed.aggregators[0].tokenKey(id), seq: 0, slot: Math.floor(Date.now() / SLOT_MS) - 1000 });
        }
        await fed.converge();
        const codes: string[][] = [];
        for (let pair = 0; pair < PAIRS; pair++) {
          const issuer = members[3 + pair];
          // An earlier record of the issuer, so both later ones have a neighbour below.
          const first = signedRecord(members, issuer, { kind: KIND_OFFER }, [GENESIS_ID, GENESIS_ID]);
          assert.is((await fed.submit(pair % 2, first.bytes)).ok, true);
          await fed.converge();
          const slot = issuer.slot;
          // Numbers n+1 and n+2, times the other way round: each is valid alone, not both together.
          const later = signedRecord(members, issuer, { kind: KIND_OFFER, seq: issuer.seq + 1, timeMs: (slot + 5) * SLOT_MS + 1000 }, [GENESIS_ID, GENESIS_ID]);
          const earlier = signedRecord(members, issuer, { kind: KIND_OFFER, seq: issuer.seq + 2, timeMs: (slot + 2) * SLOT_MS + 1000 }, [GENESIS_ID, GENESIS_ID]);
          issuer.seq += 2;
          issuer.slot += 6;
          // Same tick: both are validated against the same applied revision before either commits.
          const results = await Promise.all([fed.submit(0, later.bytes), fed.submit(1, earlier.bytes)]);
          codes.push(results.map((result) => (result.ok ? 'OK' : result.code)).sort());
          await fed.converge();
          const stored = [later.id, earlier.id].map((id) => fed.aggregators.map((aggregator) => aggregator.record(id) !== undefined));
          assert.equal(stored.map((where) => where[0]), stored.map((where) => where[1]), 'both aggregators hold the same one');
          assert.is(stored.filter((where) => where[0]).length, 1, 'exactly one of the pair is stored');
        }
        for (const pair of codes) assert.equal(pair, ['OK', 'SEQ_NOT_INCREASING'], JSON.stringify(codes));
        const digests = fed.digests();
        assert.is(digests[0], digests[1]);
      })());
    } finally {
      await (federation as InProcessFederation | null)?.close();
      removeDir(root);
    }
  });
}

test.run();
