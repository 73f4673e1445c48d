// The light node (docs/design.md "The actors"): created once at boot, fed frames by the board's event
// handlers into a bounded inbox, advanced by tick with a bounded amount of work per call. It grants and
// collects proof-of-time tokens, validates records into its window (cheapest checks first, signature
// last, each verified once), selects caps by the weighted walk, issues signed records, persists what a
// reset must not lose, and offloads its own records to the aggregator until acknowledged.
import { VerifiedCache } from './crypto/verified-cache';
import { FRAME_CAP_REPLY, FRAME_CAP_REQUEST, FRAME_CHECKPOINT, FRAME_OFFLOAD, FRAME_OFFLOAD_ACK, FRAME_RECORD, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, Frame, OFFLOAD_FRAME_HEAD, decodeFrame, encodeFrame } from './frames';
import { MemberTable } from './ledger/members';
import { NodePersistence } from './ledger/persist';
import { RecordWindow } from './ledger/window';
import type { IssueRequest, LightNode, NodeConfig, NodeStats } from './node-api';
import { createAdmission } from './node/admission';
import { createCapPicker } from './node/cap-picker';
import { createCheckpoints } from './node/checkpoints';
import { CONFLICTS_MAX, createConflicts } from './node/conflicts';
import { createTally } from './node/counters';
import { GRANTS_PER_SLOT_MAX, GRANT_TURN_GUARD_MS, createGranter } from './node/grants';
import { createHello } from './node/hello';
import { INBOX_FRAMES_MAX, Inbox } from './node/inbox';
import { createIssuer } from './node/issue';
import { SLICE_DEFERRALS_MAX, createLinks } from './node/links';
import { createOffload } from './node/offload';
import { createSigner } from './node/signer';
import { createValidate } from './node/validate';
import { VERIFY_QUEUE_MAX, VerifyQueue } from './node/verify-queue';
import { createWork } from './node/work';
import type { Platform } from './platform';
import type { Trader } from './trade';
import {
  DEFAULT_ALPHA, DEFAULT_CLOCK_SKEW_MS, DEFAULT_HELLO_INTERVAL_MS, DEFAULT_RECORD_AGE_MAX_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, ID_BYTES, SEED_BYTES,
} from './protocol';

export { CONFLICTS_MAX, GRANTS_PER_SLOT_MAX, GRANT_TURN_GUARD_MS, INBOX_FRAMES_MAX, SEED_BYTES, SLICE_DEFERRALS_MAX, VERIFY_QUEUE_MAX };
export type { IssueRequest };
/** One frame per tick: a record costs a SHA-512 (about 1.2 s on a Pico, 5 s on an ESP32). */
export const FRAMES_PER_TICK_MAX = 1;
export const PENDING_RECORDS_MAX = 3;
/**
 * Field operations per crypto slice unless the board says (the generic emulator board runs at host speed).
 * A slice ends after the point operation under way, so it does at most units - 1 + 9 operations: at about
 * 67 ms each on a pico (host-tools/emulator/cost-model.ts) one unit keeps it under 1 s; the esp32 uses 6.
 */
export const DEFAULT_VERIFY_SLICE_UNITS = 24;

export {
  DEFAULT_ALPHA, DEFAULT_CLOCK_SKEW_MS, DEFAULT_HELLO_INTERVAL_MS, DEFAULT_RECORD_AGE_MAX_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED,
} from './protocol';

export type Capacities = { window: number; approvers: number; members: number; verified: number; refused: number; inbox: number; pending: number; verifyQueue: number };

/**
 * Capacities from the heap budget (docs/ledger.md). Measured in the emulator, the pico bundle takes about
 * 103 KB of heap once parsed and the node's code paths about 73 KB more when they first run, so ledger
 * state gets a fortieth of the heap; the window never shrinks below what pending records need.
 */
export function capacitiesFor(heapBytesBudget: number, nativeVerify?: boolean): Capacities {
  const share = Math.floor(heapBytesBudget / 40);
  const perRecord = RecordWindow.bytesFor(1, 8);
  // A small heap (the pico's) holds a third of the inbox (frames wait there at up to 252 bytes each),
  // half the member table (16 members, 59 bytes each) and one verification less (each waits with its record).
  // A board that verifies natively holds no verification's points on its heap (tens of KB at the peak):
  // it keeps the full member table, so a city of more than 16 EVs is not split into strangers.
  const small = heapBytesBudget < 200000;
  const fewMembers = small && nativeVerify !== true;
  let window = Math.floor((share - MemberTable.bytesFor(32)) / perRecord);
  const windowMin = 3 * PENDING_RECORDS_MAX * 2;
  if (window > 256) window = 256;
  if (window < windowMin) window = windowMin;
  return {
    window, approvers: 8, members: fewMembers ? 16 : 32, verified: window * 2, refused: 16, inbox: small ? INBOX_FRAMES_MAX / 3 : INBOX_FRAMES_MAX,
    pending: PENDING_RECORDS_MAX, verifyQueue: small ? VERIFY_QUEUE_MAX - 1 : VERIFY_QUEUE_MAX,
  };
}

export interface FullLightNode extends LightNode {
  memberId: number;
  publicKey: Uint8Array;
  window: RecordWindow;
  members: MemberTable;
  /** Starts issuing a record: tokens, caps, signature, broadcast; false when one is already under way. */
  requestIssue(request: IssueRequest): boolean;
  /** Ids of the node's own records the aggregator has not acknowledged yet. */
  pendingIds(): Uint8Array[];
  /**
   * Whether a trade record of another member (sold, bought), verified into the window, awaits this
   * node's approval while its validation count is below the commit threshold: a commit needs it.
   */
  approvalOwed(): boolean;
  /** Hands the frames the ledger does not use itself (auction matches, commits) to the EV's trader. */
  onFrame(listener: (frame: Frame) => void): void;
  /** The EV's trader (firmware/trade.ts), once the board has started one. */
  trade?: Trader;
}

/**
 * The node: its parts (firmware/node/) wired once, a dispatcher of received frames to them, and tick,
 * which does at most one expensive thing per call, in the order docs/ledger.md gives.
 */
export function createNode(platform: Platform, config: NodeConfig): FullLightNode {
  const capacities = capacitiesFor(config.heapBytesBudget, platform.crypto.verify !== undefined);
  const tokensRequired = config.tokensRequired !== undefined ? config.tokensRequired : DEFAULT_TOKENS_REQUIRED;
  const slotMs = config.slotMs !== undefined ? config.slotMs : DEFAULT_SLOT_MS;
  const alpha = config.alpha !== undefined ? config.alpha : DEFAULT_ALPHA;
  const timeRules = {
    clockSkewMs: config.clockSkewMs !== undefined ? config.clockSkewMs : DEFAULT_CLOCK_SKEW_MS,
    recordAgeMaxMs: config.recordAgeMaxMs !== undefined ? config.recordAgeMaxMs : DEFAULT_RECORD_AGE_MAX_MS,
  };
  const helloIntervalMs = config.helloIntervalMs !== undefined ? config.helloIntervalMs : DEFAULT_HELLO_INTERVAL_MS;
  const verifySliceUnits = config.verifySliceUnits !== undefined ? config.verifySliceUnits : DEFAULT_VERIFY_SLICE_UNITS;

  const crypto = platform.crypto;
  // What the board's cryptography lacks in one step, the configuration must do in slices (a wiring bug otherwise).
  if ((crypto.verify === undefined && config.startVerify === undefined) || (crypto.sign === undefined && config.createNonceStock === undefined) || (crypto.publicKey === undefined && config.derivePublicKey === undefined)) throw new Error('crypto');
  const tally = createTally();
  const counters = tally.counters;
  const links = createLinks(platform.links);
  const work = createWork(counters, crypto.sha512, verifySliceUnits, links.poll);
  const persistence = new NodePersistence(platform.storage, capacities.pending);
  const signer = createSigner(platform, config, persistence, work, counters);
  const memberId = config.memberId;
  const window = new RecordWindow(capacities.window, capacities.approvers);
  const members = new MemberTable(capacities.members);
  const verified = new VerifiedCache(capacities.verified, ID_BYTES);
  const refused = new VerifiedCache(capacities.refused, ID_BYTES);
  const provisioned = config.members !== undefined ? config.members : [];
  for (let index = 0; index < provisioned.length; index++) {
    members.add(provisioned[index].id, provisioned[index].publicKey, provisioned[index].balance);
  }
  const pickCaps = createCapPicker(window, alpha, persistence.nextRandomState(platform.randomBytes(4)), links.poll);
  signer.start();

  const inbox = new Inbox(capacities.inbox);
  const verifyQueue = new VerifyQueue(capacities.verifyQueue, crypto, config.startVerify, work, tally);
  const conflicts = createConflicts(window, members, counters);
  const granter = createGranter(
    { memberId: memberId, tokenKey: config.tokenKey, slotMs: slotMs, sha512: crypto.sha512, clock: platform, links: platform.links },
    members, links, tally,
  );
  const onRecord = createAdmission({
    memberId: memberId, consortiumPublicKey: config.consortiumPublicKey, clock: platform, window: window,
    members: members, verified: verified, refused: refused, validate: createValidate(window, members, refused, config, timeRules, slotMs, tokensRequired, granter.deniesGrant),
    verifyQueue: verifyQueue, conflicts: conflicts, work: work, tally: tally, rationed: config.rationVerification === true,
  });
  const onCheckpoint = createCheckpoints(config.aggregatorPublicKey, window, members, verifyQueue, tally);
  const issuer = createIssuer({
    memberId: memberId, tokensRequired: tokensRequired, slotMs: slotMs, pendingMax: capacities.pending, clock: platform, window: window,
    members: members, verified: verified, persistence: persistence, pickCaps: pickCaps, signer: signer, links: links, work: work, tally: tally,
    verifyQueue: verifyQueue,
  });
  const offload = createOffload(memberId, persistence, window, config.tokenKey, crypto.sha512, links, tally);
  const hello = createHello(memberId, helloIntervalMs, persistence, links, offload);
  let frameListener: ((frame: Frame) => void) | null = null;

  function handle(linkIndex: number, bytes: Uint8Array, nowMs: number): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      counters.frames_rejected++;
      tally.count(decoded.code);
      return;
    }
    const frame = decoded.value;
    // Decoding is most of a small frame's cost on an interpreter; a record's hash and checks follow.
    links.poll();
    if (frame.type === FRAME_RECORD) onRecord(frame.record as Uint8Array, nowMs);
    else if (frame.type === FRAME_TOKEN_REQUEST) granter.onTokenRequest(frame);
    else if (frame.type === FRAME_TOKEN_GRANT) issuer.onTokenGrant(frame);
    else if (frame.type === FRAME_CHECKPOINT) onCheckpoint(frame);
    else if (frame.type === FRAME_OFFLOAD_ACK) offload.onAck(frame);
    else if (frame.type === FRAME_CAP_REQUEST) {
      const caps = pickCaps();
      if (caps !== null) platform.links[linkIndex].send(encodeFrame({ type: FRAME_CAP_REPLY, caps: caps }));
    } else if (frameListener !== null) frameListener(frame);
  }

  const node: FullLightNode = {
    memberId: memberId,
    // Empty until a derivation under way is done.
    publicKey: signer.publicKey,
    window: window,
    members: members,
    receive: function (linkIndex: number, frame: Uint8Array): void {
      counters.frames_received++;
      // An offload part is for the aggregator alone, and on a radio every node hears its neighbours'
      // (over a quarter of a city's packets): passed over here, it takes no inbox slot and no decoding.
      if (frame[0] === OFFLOAD_FRAME_HEAD && frame[1] === FRAME_OFFLOAD) {
        counters.frames_skipped++;
        return;
      }
      if (!inbox.receive(linkIndex, frame)) counters.frames_dropped_inbox_full++;
    },
    tick: function (nowMs: number): boolean {
      platform.feedWatchdog();
      // Between slices of work: a packet waiting in a radio's FIFO is read before the next one can land on it.
      links.poll();
      const workBefore = counters.crypto_field_ops + counters.crypto_hash;
      // At most one expensive piece of work per tick: a frame, or else a slice of a verification.
      const busy = inbox.length > 0;
      for (let handled = 0; handled < FRAMES_PER_TICK_MAX; handled++) {
        const next = inbox.shift();
        if (next === null) break;
        handle(next.link, next.bytes, nowMs);
      }
      if (busy) {
        // A frame was this tick's work.
      } else if (!links.quiet()) {
        // A packet is arriving (or a burst is under way): a long slice now would leave the next one to be
        // written over in the radio's FIFO before the board reads it. The slice waits a tick or a few.
        counters.slices_deferred_link_busy++;
      } else if (signer.deriving) {
        // Key derivation, a slice per tick, before any other idle work.
        if (signer.deriveSlice()) node.publicKey = signer.publicKey;
      }
      // One SHA-512 or one slice per tick at most (a SHA-512 is about 5 s of ESP32 time): the node's own
      // record first, then precomputation when a signature waits for it, then verification.
      else if (issuer.ready()) issuer.complete();
      // A precomputation or a verification under way finishes before the other starts: the two jobs'
      // points at once would pass the pico's heap.
      else if (!signer.precompute(verifyQueue.started(), !verifyQueue.due())) verifyQueue.advance();
      conflicts.resolve();
      const turnsWaiting = granter.sendDueTurns(platform.nowMs());
      issuer.advance(nowMs);
      hello(nowMs);
      return busy || turnsWaiting || inbox.length > 0 || verifyQueue.due() || counters.crypto_field_ops + counters.crypto_hash !== workBefore;
    },
    requestIssue: issuer.request,
    approvalOwed: issuer.approvalOwed,
    pendingIds: function (): Uint8Array[] {
      return persistence.pendingIds();
    },
    onFrame: function (listener: (frame: Frame) => void): void {
      frameListener = listener;
    },
    stats: function (): NodeStats {
      const out: NodeStats = { member: memberId, window_records: window.count, window_capacity: window.capacity, members: members.count };
      tally.report(out);
      out.pending = persistence.pendingCount();
      return out;
    },
  };
  return node;
}
