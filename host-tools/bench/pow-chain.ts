// A conventional Bitcoin-style blockchain, the baseline of the paper's Fig. 7 and Fig. 8: blocks of
// transactions under a Merkle root (double SHA-256, Bitcoin's odd-leaf duplication), proof of work on
// the 80-byte-style header at a stated difficulty, the longest (most work) chain rule, and every node
// validating blocks in order. Transactions are the very same signed SmartChain records.
import { createHash } from 'node:crypto';

export const POW_DIFFICULTY_BITS = 16; // leading zero bits of the header hash: ~65,536 hashes a block
export const BLOCK_TRANSACTIONS_MAX = 100;

export type Block = {
  height: number;
  previousHash: Buffer;
  merkleRoot: Buffer;
  timeMs: number;
  nonce: number;
  transactions: Uint8Array[];
  hash: Buffer;
};

export type VerifyTransaction = (transaction: Uint8Array) => boolean;

function doubleSha256(data: Buffer): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Bitcoin's Merkle root: pairwise double SHA-256, the last node duplicated on odd levels. */
export function merkleRoot(transactions: Uint8Array[]): Buffer {
  if (transactions.length === 0) return Buffer.alloc(32);
  let level = transactions.map((transaction) => doubleSha256(Buffer.from(transaction)));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let index = 0; index < level.length; index += 2) {
      next.push(doubleSha256(Buffer.concat([level[index], level[index + 1] ?? level[index]])));
    }
    level = next;
  }
  return level[0];
}

function header(block: Omit<Block, 'hash' | 'transactions'>, nonce: number): Buffer {
  const out = Buffer.alloc(84);
  out.writeUInt32BE(block.height, 0);
  block.previousHash.copy(out, 4);
  block.merkleRoot.copy(out, 36);
  out.writeDoubleBE(block.timeMs, 68);
  out.writeUInt32BE(nonce, 76);
  out.writeUInt32BE(POW_DIFFICULTY_BITS, 80);
  return out;
}

function meetsTarget(hash: Buffer, bits: number): boolean {
  let index = 0;
  for (; bits >= 8; bits -= 8, index++) if (hash[index] !== 0) return false;
  return bits === 0 || hash[index] >> (8 - bits) === 0;
}

/** Block preparation: Merkle root, then the nonce search (proof of work). */
export function mineBlock(previous: Block | null, transactions: Uint8Array[], timeMs: number): Block {
  const base = {
    height: previous === null ? 0 : previous.height + 1,
    previousHash: previous === null ? Buffer.alloc(32) : previous.hash,
    merkleRoot: merkleRoot(transactions),
    timeMs,
    nonce: 0,
  };
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    const hash = doubleSha256(header(base, nonce));
    if (meetsTarget(hash, POW_DIFFICULTY_BITS)) return { ...base, nonce, transactions, hash };
  }
  throw new Error('nonce space exhausted');
}

/** Validates one block against its parent: link, proof of work, Merkle root, every signature. */
export function validateBlock(block: Block, parent: Block | null, verify: VerifyTransaction): string | null {
  const expectedPrevious = parent === null ? Buffer.alloc(32) : parent.hash;
  if (!block.previousHash.equals(expectedPrevious)) return 'BLOCK_PREVIOUS_MISMATCH';
  if (block.height !== (parent === null ? 0 : parent.height + 1)) return 'BLOCK_HEIGHT';
  const hash = doubleSha256(header(block, block.nonce));
  if (!hash.equals(block.hash) || !meetsTarget(hash, POW_DIFFICULTY_BITS)) return 'BLOCK_POW_INVALID';
  if (!merkleRoot(block.transactions).equals(block.merkleRoot)) return 'BLOCK_MERKLE_MISMATCH';
  if (block.transactions.length > BLOCK_TRANSACTIONS_MAX) return 'BLOCK_TOO_MANY_TRANSACTIONS';
  for (const transaction of block.transactions) if (!verify(transaction)) return 'TRANSACTION_INVALID';
  return null;
}

/** A node's view: it validates every block in order and follows the chain with the most work. */
export class ChainNode {
  private blocks = new Map<string, Block>();
  tip: Block | null = null;
  constructor(private verify: VerifyTransaction) {}

  /** Accepts a block whose parent is known; switches to it if its chain is longer (equal work per block). */
  receive(block: Block): string | null {
    const parent = block.height === 0 ? null : this.blocks.get(block.previousHash.toString('hex')) ?? null;
    if (block.height > 0 && parent === null) return 'BLOCK_ORPHAN';
    const code = validateBlock(block, parent, this.verify);
    if (code !== null) return code;
    this.blocks.set(block.hash.toString('hex'), block);
    if (this.tip === null || block.height > this.tip.height) this.tip = block;
    return null;
  }
}
