// Provisioning for emulated boards: member ids, key seeds and the keys every board is told about,
// written as the provision.json a real board reads (docs/boards.md), all derived from one seed.
import { publicKeyFromSeed } from '../crypto/verify-host';
import { tokenKeyFor } from '../crypto/token-key';
import { DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED } from '../../firmware/protocol';

export type Provisioned = { member: number; seed: Uint8Array; publicKey: Uint8Array; json: string };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The consortium seed of every emulated ledger (the aggregator derives token keys from it). */
export const EMULATED_CONSORTIUM_SEED = new Uint8Array(32).fill(0xc0);

export function provisionBoards(count: number, random: () => number, options: { balance?: number; heapBytesBudget?: number; tickIntervalMs?: number; tokensRequired?: number; slotMs?: number; helloIntervalMs?: number } = {}) {
  const consortium = publicKeyFromSeed(EMULATED_CONSORTIUM_SEED);
  const aggregatorSeed = new Uint8Array(32).fill(0xa9);
  const aggregator = publicKeyFromSeed(aggregatorSeed);
  const boards = Array.from({ length: count }, (_, index) => {
    const seed = Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
    return { member: index + 1, seed, publicKey: publicKeyFromSeed(seed) };
  });
  const members = boards.map((board) => ({ id: board.member, public_key: hex(board.publicKey), balance: options.balance ?? 100000 }));
  return {
    consortiumPublicKey: consortium,
    aggregatorSeed,
    boards: boards.map((board): Provisioned => ({
      ...board,
      json: JSON.stringify({
        member: board.member, seed: hex(board.seed), token_key: hex(tokenKeyFor(EMULATED_CONSORTIUM_SEED, board.member)), consortium_public_key: hex(consortium), aggregator_public_key: hex(aggregator), members,
        heap_bytes_budget: options.heapBytesBudget ?? 184312, tick_interval_ms: options.tickIntervalMs ?? 50,
        tokens_required: options.tokensRequired ?? DEFAULT_TOKENS_REQUIRED, slot_ms: options.slotMs ?? DEFAULT_SLOT_MS,
        // Absent unless asked for: the node's default hello (and offload) interval.
        hello_interval_ms: options.helloIntervalMs,
      }),
    })),
  };
}
