// Proof of time, the granter's side (paper IV.E): a token for a neighbour that names this node in its
// request, at most GRANTS_PER_SLOT_MAX per slot and one per requester and slot (a repeated request gets
// the same grant again), each a MAC under this member's token key (one SHA-512), encoded once into the
// token's bytes that the grant frame carries and the requester's record keeps. On a shared medium the
// named granters answer in turn, so the round's grants follow one another instead of colliding. The last
// GRANTS_REMEMBERED_MAX grants are kept, so a record that names this node as a granter for a grant it never
// made is refused (docs/ledger.md "A granter's own word").
import { FRAME_TOKEN_GRANT, Frame, encodeFrame, encodeToken, keyedMac, tokenMessage } from '../frames';
import type { MemberTable } from '../ledger/members';
import { slotOf } from '../ledger/rules';
import type { Clock } from '../node-api';
import type { Link } from '../platform';
import type { Tally } from './counters';
import type { NodeRefusalCode } from '../rejections';
import type { Links } from './links';
import type { LedgerRecord } from '../records';
import { Ring } from './ring';

export const GRANTS_PER_SLOT_MAX = 3;
/** The grants remembered, newest last: four slots at the most a slot allows; the oldest is forgotten first. */
export const GRANTS_REMEMBERED_MAX = 4 * GRANTS_PER_SLOT_MAX;
/**
 * On a shared medium the neighbours a token request names answer in turn, the n-th (from 0) after n
 * grant airtimes plus this guard each (a CAD, about 2 symbols, and the radio's turnaround): the round's
 * grants follow one another instead of colliding (docs/wire-format.md "Medium access").
 */
export const GRANT_TURN_GUARD_MS = 30;

/** A grant: its requester, sequence number and slot, and the token's bytes, sent again on a repeated request. */
type Grant = { requester: number; seq: number; slot: number; token: Uint8Array };

export type GrantSettings = {
  memberId: number;
  tokenKey: Uint8Array;
  slotMs: number;
  sha512: (bytes: Uint8Array) => Uint8Array;
  clock: Clock;
  /** The board's links, for the airtime of a grant on a shared medium. */
  links: Link[];
};

export interface Granter {
  onTokenRequest(frame: Frame): void;
  /** Sends the grants whose turn has come; true while some still wait. */
  sendDueTurns(nowMs: number): boolean;
  /**
   * Whether a record names this node as a granter for its issuer, sequence number and slot though no
   * such grant was made: judged only in a slot whose every grant is still remembered (since the node
   * started and since the last grant forgotten), false otherwise.
   */
  deniesGrant(record: LedgerRecord): boolean;
}

export function createGranter(settings: GrantSettings, members: MemberTable, links: Links, tally: Tally): Granter {
  const counters = tally.counters;
  const memberId = settings.memberId;
  const granted = new Ring<Grant>(GRANTS_REMEMBERED_MAX);
  /**
   * The first slot whose grants are all remembered: the grants of the slot the node started in may have
   * been made before a reset, and a forgotten grant leaves its slot unknown.
   */
  let knownFromSlot = slotOf(settings.clock.wallClockMs(), settings.slotMs) + 1;
  /** Grants waiting for their turn (one per grant a slot allows), with the board time each is due. */
  const turnFrames: (Uint8Array | null)[] = [];
  const turnDueMs = new Float64Array(GRANTS_PER_SLOT_MAX);
  for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) turnFrames.push(null);

  /** Broadcasts a grant in its turn: at once when first (or on no shared medium), else when due, from tick. */
  function broadcastInTurn(frame: Frame, turn: number): void {
    const bytes = encodeFrame(frame);
    let turnMs = 0;
    for (let index = 0; index < settings.links.length; index++) {
      const airtime = settings.links[index].airtimeMs;
      if (airtime !== undefined) turnMs = Math.max(turnMs, airtime(bytes.length) + GRANT_TURN_GUARD_MS);
    }
    if (turn > 0 && turnMs > 0) {
      for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) {
        if (turnFrames[index] !== null) continue;
        turnFrames[index] = bytes;
        turnDueMs[index] = settings.clock.nowMs() + turn * turnMs;
        return;
      }
    }
    links.sendAll(bytes);
  }

  return {
    onTokenRequest: function (frame: Frame): void {
      // Only the neighbours the requester named answer: every other grant would be spent for nothing.
      const turn = (frame.asked as number[]).indexOf(memberId);
      if (turn < 0) return;
      const requester = frame.requester as number;
      const slot = frame.slot as number;
      let refusal: NodeRefusalCode | null = null;
      if (requester === memberId || !members.has(requester)) refusal = 'TOKEN_REQUESTER_UNKNOWN';
      else if (slot !== slotOf(settings.clock.wallClockMs(), settings.slotMs)) refusal = 'TOKEN_SLOT_NOT_CURRENT';
      let grantsInSlot = 0;
      for (let index = 0; refusal === null && index < granted.length; index++) {
        const grant = granted.get(index);
        if (grant.slot !== slot) continue;
        grantsInSlot++;
        if (grant.requester !== requester) continue;
        // A repeated request (its grant was lost) gets the same grant again; another seq in the slot does not.
        if (grant.seq !== frame.seq) refusal = 'TOKEN_ALREADY_GRANTED';
        else {
          broadcastInTurn({ type: FRAME_TOKEN_GRANT, token: grant.token }, turn);
          return;
        }
      }
      if (refusal === null && grantsInSlot >= GRANTS_PER_SLOT_MAX) refusal = 'TOKEN_RATE_LIMITED';
      if (refusal !== null) {
        counters.tokens_refused++;
        tally.count(refusal);
        return;
      }
      // One SHA-512: a grant never waits for a nonce or a point multiplication.
      counters.crypto_hash++;
      const mac = keyedMac(settings.sha512, settings.tokenKey, tokenMessage(memberId, requester, frame.seq as number, slot));
      const token = encodeToken({ granter: memberId, requester: requester, seq: frame.seq as number, slot: slot, mac: mac });
      // Full: the oldest grant is forgotten, and with it what its slot's grants were (never regained, should
      // the wall clock step back).
      if (granted.length >= granted.capacity) knownFromSlot = Math.max(knownFromSlot, (granted.shift() as Grant).slot + 1);
      granted.push({ requester: requester, seq: frame.seq as number, slot: slot, token: token });
      counters.tokens_granted++;
      broadcastInTurn({ type: FRAME_TOKEN_GRANT, token: token }, turn);
    },
    sendDueTurns: function (nowMs: number): boolean {
      let waiting = false;
      for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) {
        const bytes = turnFrames[index];
        if (bytes === null) continue;
        if (turnDueMs[index] > nowMs) {
          waiting = true;
          continue;
        }
        turnFrames[index] = null;
        links.sendAll(bytes);
      }
      return waiting;
    },
    deniesGrant: function (record: LedgerRecord): boolean {
      const slot = slotOf(record.timeMs, settings.slotMs);
      if (record.pot.indexOf(memberId) < 0 || slot < knownFromSlot) return false;
      for (let index = 0; index < granted.length; index++) {
        const grant = granted.get(index);
        if (grant.requester === record.issuer && grant.seq === record.seq && grant.slot === slot) return false;
      }
      return true;
    },
  };
}
