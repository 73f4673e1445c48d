// The light node's member table as a ledger view sees it: which registrations a membership record would
// collide with (MEMBER_EXISTS in the pipeline), over an empty, a partly filled and a full table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemberTable } from '../../firmware/ledger/members';

const key = (fill: number) => new Uint8Array(32).fill(fill);

test('an id with another key, or a key under another id, is taken; the same id with the same key is not', () => {
  const members = new MemberTable(4);
  assert.is(members.taken(1, key(1)), false, 'an empty table holds no registration');
  members.add(1, key(1), 100);
  members.add(2, key(2), 100);
  assert.is(members.taken(1, key(1)), false, 'the same registration');
  assert.is(members.taken(1, key(9)), true, 'the id with another key');
  assert.is(members.taken(3, key(2)), true, 'the key under another id');
  assert.is(members.taken(3, key(3)), false, 'a new id with a new key');
  // A key differing in its last byte only is another key.
  const last = key(1);
  last[31] = 0;
  assert.is(members.taken(1, last), true);
  assert.is(members.taken(5, last), false);
});

test('a full table still answers for every member it holds, and refuses to grow', () => {
  const members = new MemberTable(2);
  members.add(1, key(1), 0);
  members.add(2, key(2), 0);
  assert.is(members.add(3, key(3), 0), false, 'full');
  assert.is(members.taken(2, key(2)), false);
  assert.is(members.taken(2, key(1)), true);
  assert.is(members.taken(3, key(3)), false, 'a member the table could not hold is unknown to it');
  assert.is(members.add(1, key(9), 0), false, 'an id keeps its key');
});

test.run();
