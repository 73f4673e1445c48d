// The light node's LedgerView (pipeline.ts): its window of recent records, its member table and the ids
// whose signatures it refused. Each lookup is one loop over a fixed-capacity table. The window holds only
// recent records, so a parent outside it is not an error here (holdsHistory is false). The node's own grants
// answer for a record that names it as a granter.
import type { VerifiedCache } from '../crypto/verified-cache';
import { KIND_BOUGHT, LedgerRecord } from '../records';
import { GENESIS_ID } from './caps';
import type { MemberTable } from './members';
import { Funds, LedgerView, PARENT_ABSENT, PARENT_KNOWN, PARENT_REFUSED, SequenceAround } from './pipeline';
import type { RecordWindow } from './window';

export class WindowView implements LedgerView {
  readonly holdsHistory = false;
  tokenMacValid = null;

  constructor(
    private window: RecordWindow,
    private members: MemberTable,
    private refused: VerifiedCache,
    /** The node's own grants (firmware/node/grants.ts), or null for a view that grants none. */
    readonly deniesGrant: ((record: LedgerRecord) => boolean) | null,
  ) {}

  isMember(member: number): boolean {
    return this.members.has(member);
  }

  memberKey(member: number): Uint8Array | null {
    return this.members.publicKey(member);
  }

  memberTaken(member: number, publicKey: Uint8Array): boolean {
    return this.members.taken(member, publicKey);
  }

  /** The last signed checkpoint (or the membership grant) and the spends accepted since. */
  funds(member: number, out: Funds): void {
    const balance = this.members.balanceOf(member);
    out.balance = balance === null ? 0 : balance;
    out.spent = this.members.spentSince(member);
  }

  /** Whether the window's slot holds another record (not `id`) of the issuer. */
  private other(slot: number, issuer: number, id: Uint8Array): boolean {
    return this.window.isUsed(slot) && this.window.issuer[slot] === issuer && !this.window.idEquals(slot, id, 0);
  }

  sequenceAround(issuer: number, seq: number, id: Uint8Array, out: SequenceAround): void {
    const window = this.window;
    let below = -1;
    let above = Infinity;
    out.taken = false;
    out.timeBelowMs = -Infinity;
    out.timeAboveMs = Infinity;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (!this.other(slot, issuer, id)) continue;
      const other = window.seq[slot];
      if (other === seq) out.taken = true;
      else if (other < seq && other > below) {
        below = other;
        out.timeBelowMs = window.timeMs[slot];
      } else if (other > seq && other < above) {
        above = other;
        out.timeAboveMs = window.timeMs[slot];
      }
    }
  }

  slotKind(issuer: number, slotStartMs: number, slotEndMs: number, id: Uint8Array): number {
    let found = 0;
    for (let slot = 0; slot < this.window.capacity; slot++) {
      if (!this.other(slot, issuer, id) || this.window.timeMs[slot] < slotStartMs || this.window.timeMs[slot] >= slotEndMs) continue;
      if (this.window.kind[slot] !== KIND_BOUGHT) return this.window.kind[slot];
      found = KIND_BOUGHT;
    }
    return found;
  }

  parentState(parent: Uint8Array): number {
    let genesis = true;
    for (let index = 0; index < GENESIS_ID.length && genesis; index++) genesis = parent[index] === 0;
    if (genesis || this.window.find(parent) >= 0) return PARENT_KNOWN;
    return this.refused.has(parent) ? PARENT_REFUSED : PARENT_ABSENT;
  }
}
