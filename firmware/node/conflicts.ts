// Double spending (paper Fig. 4): the later of two conflicting spends enters the window as the loser,
// never chosen as a cap; whenever the loser's branch outweighs the winner's, the two swap. At most
// CONFLICTS_MAX pairs are tracked; past that a loser stays a loser (docs/ledger.md).
import type { MemberTable } from '../ledger/members';
import { FLAG_CONFLICT_LOSER, RecordWindow } from '../ledger/window';
import { KIND_BOUGHT } from '../records';
import type { Counters } from './counters';
import { Ring } from './ring';

export const CONFLICTS_MAX = 8;

type Conflict = { winner: number; loser: number };

export interface Conflicts {
  /** Pairs the loser just admitted at `loserSlot` with the issuer's current winning bought record. */
  record(loserSlot: number, issuer: number): void;
  /** Swaps every pair whose loser's branch now outweighs its winner's. */
  resolve(): void;
}

export function createConflicts(window: RecordWindow, members: MemberTable, counters: Counters): Conflicts {
  const pairs = new Ring<Conflict>(CONFLICTS_MAX);
  return {
    record: function (loserSlot: number, issuer: number): void {
      let winner = -1;
      for (let slot = 0; slot < window.capacity; slot++) {
        if (slot === loserSlot || !window.isUsed(slot) || window.issuer[slot] !== issuer || window.kind[slot] !== KIND_BOUGHT) continue;
        if ((window.flags[slot] & FLAG_CONFLICT_LOSER) === 0) winner = slot;
      }
      if (winner < 0) return;
      pairs.push({ winner: winner, loser: loserSlot });
    },
    resolve: function (): void {
      for (let index = 0; index < pairs.length; index++) {
        const pair = pairs.get(index);
        const winner = pair.winner;
        const loser = pair.loser;
        if (!window.isUsed(winner) || !window.isUsed(loser)) continue;
        if (window.weight[loser] > window.weight[winner]) {
          window.flags[winner] |= FLAG_CONFLICT_LOSER;
          window.flags[loser] &= ~FLAG_CONFLICT_LOSER;
          members.recordSpend(window.issuer[loser], window.ecash[loser] - window.ecash[winner]);
          pair.winner = loser;
          pair.loser = winner;
          counters.conflicts_swapped++;
        }
      }
    },
  };
}
