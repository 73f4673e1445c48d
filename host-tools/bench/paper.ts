// The paper's evaluation (Fig. 7 block preparation time, Fig. 8 validation time) reproduced on this
// host: SmartChain against the proof-of-work baseline of pow-chain.ts, with the same signed records and
// the same signatures (node:crypto Ed25519), from 10 to 10,000 transactions in logarithmic steps.
// Run: node --import tsx host-tools/bench/paper.ts [--max N] [--json]
import { createHash, createPublicKey, verify, KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import { performance } from 'node:perf_hooks';
import {
  ID_BYTES, KIND_BOUGHT, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, bytesToSign, decodeRecord, encodePayload, encodeRecord,
  recordIdInput,
} from '../../firmware/records';
import { BLOCK_TRANSACTIONS_MAX, ChainNode, POW_DIFFICULTY_BITS, mineBlock } from './pow-chain';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MEMBERS = 16;
const BASE_TIME_MS = 1795000000000;

type Member = { id: number; privateKey: KeyObject; publicKey: KeyObject };

function makeMembers(): Member[] {
  return Array.from({ length: MEMBERS }, (_, index) => {
    const privateKey = signingKey(Buffer.alloc(32, index + 1));
    const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
    return { id: index + 1, privateKey, publicKey: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }) };
  });
}

function tradeRecord(index: number, parents: Uint8Array[]): LedgerRecord {
  const issuer = (index % MEMBERS) + 1;
  return {
    kind: index % 2 === 0 ? KIND_SOLD : KIND_BOUGHT,
    issuer,
    seq: Math.floor(index / MEMBERS) + 1,
    timeMs: BASE_TIME_MS + index * 1000,
    parents,
    pot: [((issuer + 1) % MEMBERS) + 1, ((issuer + 2) % MEMBERS) + 1].sort((a, b) => a - b),
    energyWh: 1000 + (index % 7000),
    ecash: 300 + (index % 900),
    counterparty: ((issuer + 3) % MEMBERS) + 1,
    ref: new Uint8Array(ID_BYTES).fill(index & 0xff),
  };
}

function signed(record: LedgerRecord, member: Member) {
  const payload = encodePayload(record);
  const signature = signHost(bytesToSign(payload), member.privateKey);
  const id = new Uint8Array(createHash('sha512').update(recordIdInput(payload, signature)).digest().subarray(0, ID_BYTES));
  return { bytes: encodeRecord(payload, signature, []), id };
}

function verifyRecord(bytes: Uint8Array, members: Member[]): boolean {
  const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
  if (!decoded.ok) return false;
  const member = members[decoded.value.record.issuer - 1];
  return member !== undefined && verify(null, bytesToSign(decoded.value.payload), member.publicKey, decoded.value.signature);
}

export type PaperPoint = { transactions: number; preparation_ms: number; validation_ms: number; preparation_ms_per_tx: number; validation_ms_per_tx: number };

/**
 * SmartChain: each transaction is its own block. Preparation = pick two caps among the current tips,
 * build the record, sign it. Validation = decode, check the parents are known, verify the signature.
 */
function measureSmartChain(count: number, members: Member[]): PaperPoint {
  const tips: Uint8Array[] = [new Uint8Array(ID_BYTES)];
  const records: Uint8Array[] = [];
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    const first = tips[Math.floor(random() * tips.length)];
    const second = tips[Math.floor(random() * tips.length)];
    const { bytes, id } = signed(tradeRecord(index, [first, second]), members[index % MEMBERS]);
    records.push(bytes);
    for (const parent of [first, second]) {
      const at = tips.indexOf(parent);
      if (at >= 0 && tips.length > 1) tips.splice(at, 1);
    }
    tips.push(id);
  }
  const prepared = performance.now();
  const known = new Set<string>([Buffer.alloc(ID_BYTES).toString('hex')]);
  for (const bytes of records) {
    const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
    if (!decoded.ok || !verifyRecord(bytes, members)) throw new Error('SmartChain record failed validation');
    for (const parent of decoded.value.record.parents) {
      if (!known.has(Buffer.from(parent).toString('hex'))) throw new Error('parent unknown');
    }
    known.add(Buffer.from(createHash('sha512').update(recordIdInput(decoded.value.payload, decoded.value.signature)).digest().subarray(0, ID_BYTES)).toString('hex'));
  }
  const validated = performance.now();
  return point(count, prepared - start, validated - prepared);
}

/** Proof-of-work chain: preparation = build and sign the records, then mine blocks of 100; validation = a second node checks every block in order. */
function measurePowChain(count: number, members: Member[]): PaperPoint {
  const start = performance.now();
  const transactions = Array.from({ length: count }, (_, index) =>
    signed(tradeRecord(index, [new Uint8Array(ID_BYTES), new Uint8Array(ID_BYTES)]), members[index % MEMBERS]).bytes,
  );
  const blocks = [];
  let previous = null;
  for (let offset = 0; offset < count; offset += BLOCK_TRANSACTIONS_MAX) {
    previous = mineBlock(previous, transactions.slice(offset, offset + BLOCK_TRANSACTIONS_MAX), BASE_TIME_MS + offset);
    blocks.push(previous);
  }
  const prepared = performance.now();
  const node = new ChainNode((bytes) => verifyRecord(bytes, members));
  for (const block of blocks) {
    const code = node.receive(block);
    if (code !== null) throw new Error('baseline block rejected: ' + code);
  }
  const validated = performance.now();
  return point(count, prepared - start, validated - prepared);
}

function point(transactions: number, preparation: number, validation: number): PaperPoint {
  const round = (value: number) => Number(value.toFixed(3));
  return {
    transactions,
    preparation_ms: round(preparation),
    validation_ms: round(validation),
    preparation_ms_per_tx: round(preparation / transactions),
    validation_ms_per_tx: round(validation / transactions),
  };
}

export function steps(max: number): number[] {
  const out: number[] = [];
  for (let decade = 10; decade <= max; decade *= 10) for (const factor of [1, 2, 5]) if (decade * factor <= max) out.push(decade * factor);
  return out;
}

export function runPaper(max: number) {
  const members = makeMembers();
  const smartchain: PaperPoint[] = [];
  const powChain: PaperPoint[] = [];
  for (const count of steps(max)) {
    smartchain.push(measureSmartChain(count, members));
    powChain.push(measurePowChain(count, members));
  }
  return { difficulty_bits: POW_DIFFICULTY_BITS, block_transactions: BLOCK_TRANSACTIONS_MAX, smartchain, pow_chain: powChain };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--max');
  const max = at > 0 ? Number(process.argv[at + 1]) : 10000;
  console.log(JSON.stringify(runPaper(max)));
}
