// The proof-of-work baseline must be a real chain, or the paper comparison means nothing: mined blocks
// meet the target, every tampering is caught, and nodes follow the longest chain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChainNode, POW_DIFFICULTY_BITS, mineBlock, merkleRoot, validateBlock } from '../../host-tools/bench/pow-chain';
import { KIND_SOLD, randomRecord, signRecord, testKey, verifyFast } from '../support/records';
import { bytesToSign, decodeRecord, RECORD_BYTES_MAX } from '../../firmware/records';
import { createRng } from '../support/rng';

const key = testKey(3);
const rng = createRng(11);
const transactions = Array.from({ length: 7 }, () => signRecord(randomRecord(rng, KIND_SOLD), key).bytes);
const verify = (bytes: Uint8Array) => {
  const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
  return decoded.ok && verifyFast(bytesToSign(decoded.value.payload), decoded.value.signature, key.publicKey);
};

test('a mined block meets the difficulty and validates', () => {
  const block = mineBlock(null, transactions, 1795000000000);
  assert.ok(block.hash.readUInt16BE(0) >> (16 - Math.min(16, POW_DIFFICULTY_BITS)) === 0);
  assert.is(validateBlock(block, null, verify), null);
});

test('tampering with a transaction, the root, the nonce or the link is caught', () => {
  const genesis = mineBlock(null, transactions.slice(0, 2), 1795000000000);
  const block = mineBlock(genesis, transactions, 1795000001000);
  const flipped = transactions.map((bytes) => bytes.slice());
  flipped[3][40] ^= 1;
  assert.is(validateBlock({ ...block, transactions: flipped }, genesis, verify), 'BLOCK_MERKLE_MISMATCH');
  const resigned = { ...block, transactions: flipped, merkleRoot: merkleRoot(flipped) };
  assert.is(validateBlock(resigned, genesis, verify), 'BLOCK_POW_INVALID');
  assert.is(validateBlock({ ...block, nonce: block.nonce + 1 }, genesis, verify), 'BLOCK_POW_INVALID');
  assert.is(validateBlock(block, null, verify), 'BLOCK_PREVIOUS_MISMATCH');
});

test('a node follows the longest chain and rejects orphans', () => {
  const node = new ChainNode(verify);
  const genesis = mineBlock(null, [], 1);
  const a1 = mineBlock(genesis, transactions.slice(0, 1), 2);
  const b1 = mineBlock(genesis, transactions.slice(1, 2), 3);
  const b2 = mineBlock(b1, transactions.slice(2, 3), 4);
  assert.is(node.receive(b2), 'BLOCK_ORPHAN');
  for (const block of [genesis, a1, b1]) assert.is(node.receive(block), null);
  assert.ok(node.tip?.hash.equals(a1.hash));
  assert.is(node.receive(b2), null);
  assert.ok(node.tip?.hash.equals(b2.hash));
});

test.run();
