// The light node (docs/design.md "The actors"): created once at boot, fed frames by the board's event
// handlers into a bounded inbox, advanced by tick with a bounded amount of work per call. It grants and
// collects proof-of-time tokens, validates records into its window (cheapest checks first, signature
// last, each verified once), selects caps by the weighted walk, issues signed records, persists what a
// reset must not lose, and offloads its own records to the aggregator until acknowledged.
import { VerifiedCache } from './crypto/verified-cache';
import {
  FRAME_BYTES_MAX, FRAME_CAP_REPLY, FRAME_CAP_REQUEST, FRAME_CHECKPOINT, FRAME_HELLO, FRAME_OFFLOAD, FRAME_OFFLOAD_ACK,
  FRAME_RECORD, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, Frame, GRANTERS_NAMED_MAX, TOKEN_MAC_BYTES, ackMessage, decodeFrame, decodeToken, encodeFrame, encodeToken, keyedMac, tokenMessage,
} from './frames';
import { selectCaps, CapWalk, GENESIS_ID } from './ledger/caps';
import { MemberTable } from './ledger/members';
import { NodePersistence } from './ledger/persist';
import { ValidationCode, commitThreshold, slotOf, spendOf } from './ledger/rules';
import { checkRecord } from './ledger/pipeline';
import { WindowView } from './ledger/window-view';
import { FLAG_CONFLICT_LOSER, FLAG_OFFLOADED, FLAG_PINNED, FLAG_VALID, RecordWindow } from './ledger/window';
import type { LightNode, NodeConfig, NodeStats, VerificationJob } from './node-api';
import type { Platform } from './platform';
import type { Trader } from './trade';
import {
  ID_BYTES, KIND_BOUGHT, KIND_MEMBERSHIP, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX, SignedRecord, bytesToSign, decodeRecord, encodePayload,
  encodeRecord, recordIdInput,
} from './records';
import { encodeCbor } from './codec/cbor';
import { copyBytes } from './bytes';
import type { NodeCode, NodeRefusalCode } from './rejections';
import {
  DEFAULT_ALPHA, DEFAULT_CLOCK_SKEW_MS, DEFAULT_HELLO_INTERVAL_MS, DEFAULT_RECORD_AGE_MAX_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, SEED_BYTES,
} from './protocol';

export const INBOX_FRAMES_MAX = 24;
/** One frame per tick: a record costs a SHA-512 (about 1.2 s on a Pico, 5 s on an ESP32). */
export const FRAMES_PER_TICK_MAX = 1;
export const GRANTS_PER_SLOT_MAX = 3;
/**
 * On a shared medium the neighbours a token request names answer in turn, the n-th (from 0) after n
 * grant airtimes plus this guard each (a CAD, about 2 symbols, and the radio's turnaround): the round's
 * grants follow one another instead of colliding (docs/wire-format.md "Medium access").
 */
export const GRANT_TURN_GUARD_MS = 30;
/** At most this many ticks in a row skip their slice for a busy link (at 50 ms a tick, 2 s). */
export const SLICE_DEFERRALS_MAX = 40;
export const PENDING_RECORDS_MAX = 3;
export const CONFLICTS_MAX = 8;
export const VERIFY_QUEUE_MAX = 4;
/**
 * Field operations per crypto slice unless the board says (the generic emulator board runs at host speed).
 * A slice ends after the point operation under way, so it does at most units - 1 + 9 operations: at about
 * 67 ms each on a pico (host-tools/emulator/cost-model.ts) one unit keeps it under 1 s; the esp32 uses 6.
 */
export const DEFAULT_VERIFY_SLICE_UNITS = 24;

type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array };
type StartVerify = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => VerificationJob;

function hexId(id: Uint8Array): string {
  let text = '';
  for (let index = 0; index < id.length; index++) text += (id[index] < 16 ? '0' : '') + id[index].toString(16);
  return text;
}
export {
  DEFAULT_ALPHA, DEFAULT_CLOCK_SKEW_MS, DEFAULT_HELLO_INTERVAL_MS, DEFAULT_RECORD_AGE_MAX_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, SEED_BYTES,
} from './protocol';

export type Capacities = { window: number; approvers: number; members: number; verified: number; refused: number; inbox: number; pending: number; verifyQueue: number };

/**
 * Capacities from the heap budget (docs/ledger.md). Measured in the emulator, the pico bundle takes about
 * 103 KB of heap once parsed and the node's code paths about 73 KB more when they first run, so ledger
 * state gets a fortieth of the heap; the window never shrinks below what pending records need.
 */
export function capacitiesFor(heapBytesBudget: number): Capacities {
  const share = Math.floor(heapBytesBudget / 40);
  const perRecord = RecordWindow.bytesFor(1, 8);
  // A small heap (the pico's) holds a third of the inbox (frames wait there at up to 252 bytes each),
  // half the member table (16 members, 59 bytes each) and one verification less (each waits with its record).
  const small = heapBytesBudget < 200000;
  let window = Math.floor((share - MemberTable.bytesFor(32)) / perRecord);
  const windowMin = 3 * PENDING_RECORDS_MAX * 2;
  if (window > 256) window = 256;
  if (window < windowMin) window = windowMin;
  return {
    window, approvers: 8, members: small ? 16 : 32, verified: window * 2, refused: 16, inbox: small ? INBOX_FRAMES_MAX / 3 : INBOX_FRAMES_MAX,
    pending: PENDING_RECORDS_MAX, verifyQueue: small ? VERIFY_QUEUE_MAX - 1 : VERIFY_QUEUE_MAX,
  };
}

type Issue = {
  record: LedgerRecord; slot: number; tokens: Uint8Array[]; granters: number[]; requestedAtMs: number;
  /** How many requests went out for this record: each names the next neighbours in turn. */
  rounds: number;
  /** Once signed: the payload, its signature and the tokens in granter order, for the next tick to persist. */
  signed: { payload: Uint8Array; signature: Uint8Array; order: Uint8Array[] } | null;
};

export type IssueRequest = {
  kind: number;
  energyWh: number;
  ecash: number;
  counterparty?: number;
  ref?: Uint8Array;
};

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

/** The provisioned public key, when it belongs to the seed in use (then nothing is derived). */
function provisionedKey(seed: Uint8Array, config: NodeConfig): Uint8Array | null {
  if (config.publicKey === undefined || config.seed === undefined || config.publicKey.length !== 32) return null;
  for (let index = 0; index < SEED_BYTES; index++) if (config.seed[index] !== seed[index]) return null;
  return config.publicKey;
}

export function createNode(platform: Platform, config: NodeConfig): FullLightNode {
  const capacities = capacitiesFor(config.heapBytesBudget);
  const tokensRequired = config.tokensRequired !== undefined ? config.tokensRequired : DEFAULT_TOKENS_REQUIRED;
  const slotMs = config.slotMs !== undefined ? config.slotMs : DEFAULT_SLOT_MS;
  const alpha = config.alpha !== undefined ? config.alpha : DEFAULT_ALPHA;
  const timeRules = {
    clockSkewMs: config.clockSkewMs !== undefined ? config.clockSkewMs : DEFAULT_CLOCK_SKEW_MS,
    recordAgeMaxMs: config.recordAgeMaxMs !== undefined ? config.recordAgeMaxMs : DEFAULT_RECORD_AGE_MAX_MS,
  };
  const helloIntervalMs = config.helloIntervalMs !== undefined ? config.helloIntervalMs : DEFAULT_HELLO_INTERVAL_MS;

  const crypto = platform.crypto;
  const sha512 = crypto.sha512;
  // What the board's cryptography lacks in one step, the configuration must do in slices (a wiring bug otherwise).
  if ((crypto.verify === undefined && config.startVerify === undefined) || (crypto.sign === undefined && config.createNonceStock === undefined) || (crypto.publicKey === undefined && config.derivePublicKey === undefined)) throw new Error('crypto');
  const persistence = new NodePersistence(platform.storage, capacities.pending);
  let seed = persistence.loadSeed();
  if (seed === null) {
    seed = config.seed !== undefined ? config.seed : platform.randomBytes(SEED_BYTES);
    persistence.saveSeed(seed);
  }
  let keys: KeyPair | null = null;
  const knownKey = provisionedKey(seed, config);
  // Deriving the public key is a scalar multiplication: sliced when the board has the job for it.
  let derivation = knownKey === null && config.derivePublicKey !== undefined ? config.derivePublicKey(seed) : null;
  const memberId = config.memberId;
  const window = new RecordWindow(capacities.window, capacities.approvers);
  const members = new MemberTable(capacities.members);
  const verified = new VerifiedCache(capacities.verified, ID_BYTES);
  const refused = new VerifiedCache(capacities.refused, ID_BYTES);
  const walk = new CapWalk(capacities.window);
  const view = new WindowView(window, members, refused);
  const rules = { tokensRequired: tokensRequired, slotMs: slotMs, clockSkewMs: timeRules.clockSkewMs, recordAgeMaxMs: timeRules.recordAgeMaxMs, consortiumPublicKey: config.consortiumPublicKey };
  const provisioned = config.members !== undefined ? config.members : [];
  for (let index = 0; index < provisioned.length; index++) {
    members.add(provisioned[index].id, provisioned[index].publicKey, provisioned[index].balance);
  }

  const inboxLink = new Int8Array(capacities.inbox);
  const inboxFrames: (Uint8Array | null)[] = [];
  for (let index = 0; index < capacities.inbox; index++) inboxFrames.push(null);
  let inboxHead = 0;
  let inboxCount = 0;

  const grantedTo = new Uint16Array(GRANTS_PER_SLOT_MAX);
  const grantedSeq = new Float64Array(GRANTS_PER_SLOT_MAX);
  const grantedMac = new Uint8Array(GRANTS_PER_SLOT_MAX * TOKEN_MAC_BYTES);
  let grantedCount = 0;
  let grantSlot = -1;

  const counters: { [name: string]: number } = {
    frames_received: 0, frames_dropped_inbox_full: 0, frames_rejected: 0, records_accepted: 0, records_rejected: 0,
    records_issued: 0, signatures_online: 0, sign_fallbacks: 0, crypto_field_ops: 0, crypto_verify: 0, crypto_sign: 0, crypto_hash: 0, conflicts_detected: 0, conflicts_swapped: 0, tokens_granted: 0, tokens_refused: 0, tokens_collected: 0, signatures_verified: 0,
    signature_cache_hits: 0, offload_acked: 0, checkpoints: 0, window_full: 0, validation_ms_last: 0, validations_timed: 0, slices_deferred_link_busy: 0,
  };
  const rejections: { [code: string]: number } = {};
  let issue: Issue | null = null;
  // Only the head holds a job (its points and tables): the others wait as bytes.
  // Each waits as a function that makes its inputs (message, signature, key) when its turn comes.
  const verifyQueue: { key: string; inputs: () => Uint8Array[]; urgent: boolean; job: VerificationJob | null; finish: (valid: boolean) => void }[] = [];
  const startVerify = config.startVerify;
  type Stock = ReturnType<NonNullable<NodeConfig['createNonceStock']>>;
  let nonces: Stock | null = null;
  /** Set while a signature waits for a nonce: the precomputation then goes before background verification. */
  let nonceWanted = false;

  const verifySliceUnits = config.verifySliceUnits !== undefined ? config.verifySliceUnits : DEFAULT_VERIFY_SLICE_UNITS;
  const conflictWinner = new Int32Array(CONFLICTS_MAX);
  const conflictLoser = new Int32Array(CONFLICTS_MAX);
  let conflictCount = 0;
  let lastIssuedSlot = -1;
  let lastHelloMs = -Infinity;
  let random = persistence.nextRandomState(platform.randomBytes(4));
  let frameListener: ((frame: Frame) => void) | null = null;

  function count(code: NodeCode): void {
    rejections[code] = (rejections[code] || 0) + 1;
  }

  function nextRandom(): number {
    // xorshift32 seeded from the board's entropy: cap selection needs spread, not secrecy.
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) / 4294967296;
  }

  function broadcast(frame: Frame): void {
    const bytes = encodeFrame(frame);
    for (let index = 0; index < platform.links.length; index++) platform.links[index].send(bytes);
  }

  /** Ticks in a row whose slice waited for a quiet link; past SLICE_DEFERRALS_MAX the slice runs anyway. */
  let deferrals = 0;

  /** Whether no link is receiving (or just received: a burst continues); bounded so work is never starved. */
  function linksQuiet(): boolean {
    for (let index = 0; index < platform.links.length; index++) {
      const receiving = platform.links[index].receiving;
      if (receiving !== undefined && receiving() && deferrals < SLICE_DEFERRALS_MAX) {
        deferrals++;
        return false;
      }
    }
    deferrals = 0;
    return true;
  }

  /** Grants waiting for their turn (one per grant a slot allows), with the board time each is due. */
  const turnFrames: (Uint8Array | null)[] = [];
  const turnDueMs = new Float64Array(GRANTS_PER_SLOT_MAX);
  for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) turnFrames.push(null);

  /** Broadcasts a grant in its turn: at once when first (or on no shared medium), else when due, from tick. */
  function broadcastInTurn(frame: Frame, turn: number): void {
    const bytes = encodeFrame(frame);
    let turnMs = 0;
    for (let index = 0; index < platform.links.length; index++) {
      const airtime = platform.links[index].airtimeMs;
      if (airtime !== undefined) turnMs = Math.max(turnMs, airtime(bytes.length) + GRANT_TURN_GUARD_MS);
    }
    if (turn > 0 && turnMs > 0) {
      for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) {
        if (turnFrames[index] !== null) continue;
        turnFrames[index] = bytes;
        turnDueMs[index] = platform.nowMs() + turn * turnMs;
        return;
      }
    }
    for (let index = 0; index < platform.links.length; index++) platform.links[index].send(bytes);
  }

  /** Sends the grants whose turn has come; true while some still wait. */
  function sendDueTurns(nowMs: number): boolean {
    let waiting = false;
    for (let index = 0; index < GRANTS_PER_SLOT_MAX; index++) {
      const bytes = turnFrames[index];
      if (bytes === null) continue;
      if (turnDueMs[index] > nowMs) {
        waiting = true;
        continue;
      }
      turnFrames[index] = null;
      for (let link = 0; link < platform.links.length; link++) platform.links[link].send(bytes);
    }
    return waiting;
  }


  /** The node's public key is known: the key pair is complete and the nonce stock can start. */
  function keysReady(publicKey: Uint8Array): void {
    const secretKey = new Uint8Array(64);
    secretKey.set(seed as Uint8Array, 0);
    secretKey.set(publicKey, 32);
    keys = { publicKey: publicKey, secretKey: secretKey };
    if (config.createNonceStock !== undefined) nonces = config.createNonceStock(platform.storage, seed as Uint8Array, publicKey, platform.randomBytes);
  }
  if (derivation === null) keysReady(knownKey || (crypto.publicKey as (seed: Uint8Array) => Uint8Array)(seed));

  /** A record's id: the first 16 bytes of SHA-512(payload || signature) (docs/wire-format.md). */
  function recordId(payload: Uint8Array, signature: Uint8Array): Uint8Array {
    counters.crypto_hash++;
    return sha512(recordIdInput(payload, signature)).slice(0, ID_BYTES);
  }

  /**
   * A signature now, or null when it must wait: the key is still being derived, or the nonce stock is
   * empty. Then the fallback is the sliced signature: the next nonce is precomputed a slice per tick
   * ahead of everything else, and the caller asks again (never a point multiplication in one step).
   */
  function signAny(message: Uint8Array): Uint8Array | null {
    if (keys === null) return null;
    if (nonces !== null) {
      const online = nonces.sign(message);
      if (online !== null) {
        nonceWanted = false;
        counters.signatures_online++;
        counters.crypto_hash++;
        return online;
      }
      if (!nonceWanted) counters.sign_fallbacks++;
      nonceWanted = true;
      return null;
    }
    counters.crypto_sign++;
    return (crypto.sign as (message: Uint8Array, secretKey: Uint8Array) => Uint8Array)(message, keys.secretKey);
  }

  /**
   * One slice of a job, its work charged to the cost model's counters (field operations and SHA-512s)
   * as it happens; true when the job is done.
   */
  function slice(job: { step(units: number): boolean; operations(): number; hashes?(): number }): boolean {
    const operations = job.operations();
    const hashes = job.hashes ? job.hashes() : 0;
    const finished = job.step(verifySliceUnits);
    counters.crypto_field_ops += job.operations() - operations;
    counters.crypto_hash += (job.hashes ? job.hashes() : 0) - hashes;
    return finished;
  }

  /**
   * Queues a signature verification, advanced a slice per tick in idle time; `finish` gets the answer.
   * With one-step verification (native Ed25519) it is answered at once. An urgent one (the sold record of this node's own trade)
   * goes next after the one under way. A full queue drops its oldest waiting entry that is not urgent:
   * a newer record makes a better cap, and the ledger moves on without the old one (counted).
   */
  function verifyLater(key: string, inputs: () => Uint8Array[], finish: (valid: boolean) => void, urgent?: boolean): void {
    if (crypto.verify !== undefined) {
      const made = inputs();
      counters.crypto_verify++;
      finish(crypto.verify(made[1], made[0], made[2]));
      return;
    }
    for (let index = 0; index < verifyQueue.length; index++) if (verifyQueue[index].key === key) return;
    if (verifyQueue.length >= capacities.verifyQueue) {
      let oldest = -1;
      for (let index = 1; index < verifyQueue.length && oldest < 0; index++) if (!verifyQueue[index].urgent) oldest = index;
      count('VERIFY_QUEUE_FULL');
      if (oldest < 0) return;
      verifyQueue.splice(oldest, 1);
    }
    const entry = { key: key, inputs: inputs, urgent: urgent === true, job: null, finish: finish };
    if (urgent === true) verifyQueue.splice(verifyQueue.length > 0 ? 1 : 0, 0, entry);
    else verifyQueue.push(entry);
  }


  /** Algorithm 1 lines 10-20 as far as a light node can check, cheapest first, the signature last. */
  function validate(signed: SignedRecord, id: Uint8Array, nowMs: number): ValidationCode | null {
    return checkRecord(signed, id, view, rules, nowMs);
  }

  function issuerKey(record: LedgerRecord): Uint8Array {
    return (record.kind === KIND_MEMBERSHIP ? config.consortiumPublicKey : members.publicKey(record.issuer)) as Uint8Array;
  }

  /**
   * Admits a record whose signature verified, after the cheap rules once more (state may have moved),
   * its timestamp judged as of its arrival: a verification takes minutes of board time, which must not
   * make a record that was fresh on arrival stale.
   */
  function conclude(signed: SignedRecord, id: Uint8Array, arrivedWallMs: number): void {
    const code = validate(signed, id, arrivedWallMs);
    if (code === 'CONFLICT_DOUBLE_SPEND') {
      counters.conflicts_detected++;
      count(code);
      admit(signed, id, true);
      return;
    }
    if (code !== null) {
      counters.records_rejected++;
      count(code);
      return;
    }
    if (admit(signed, id, false) >= 0) counters.records_accepted++;
  }

  /**
   * Background verification (issue: the board's time budget): a record whose signature is not yet known
   * waits in a bounded queue while tick advances its verification a slice at a time.
   */
  function advanceVerification(): void {
    if (verifyQueue.length === 0) return;
    const head = verifyQueue[0];
    if (head.job === null) {
      const made = head.inputs();
      head.job = (startVerify as StartVerify)(made[0], made[1], made[2]);
    }
    if (!slice(head.job)) return;
    verifyQueue.shift();
    head.finish(head.job.valid());
  }

  /**
   * Double spending (paper Fig. 4): the later of two conflicting spends enters the window as the loser,
   * never chosen as a cap; whenever the loser's branch outweighs the winner's, the two swap.
   */
  function recordConflict(loserSlot: number, issuer: number): void {
    let winner = -1;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (slot === loserSlot || !window.isUsed(slot) || window.issuer[slot] !== issuer || window.kind[slot] !== KIND_BOUGHT) continue;
      if ((window.flags[slot] & FLAG_CONFLICT_LOSER) === 0) winner = slot;
    }
    if (winner < 0 || conflictCount >= CONFLICTS_MAX) return;
    conflictWinner[conflictCount] = winner;
    conflictLoser[conflictCount] = loserSlot;
    conflictCount++;
  }

  function resolveConflicts(): void {
    for (let index = 0; index < conflictCount; index++) {
      const winner = conflictWinner[index];
      const loser = conflictLoser[index];
      if (!window.isUsed(winner) || !window.isUsed(loser)) continue;
      if (window.weight[loser] > window.weight[winner]) {
        window.flags[winner] |= FLAG_CONFLICT_LOSER;
        window.flags[loser] &= ~FLAG_CONFLICT_LOSER;
        members.recordSpend(window.issuer[loser], window.ecash[loser] - window.ecash[winner]);
        conflictWinner[index] = loser;
        conflictLoser[index] = winner;
        counters.conflicts_swapped++;
      }
    }
  }

  function admit(signed: SignedRecord, id: Uint8Array, loser: boolean): number {
    const record = signed.record;
    if (record.kind === KIND_MEMBERSHIP) members.add(record.member as number, record.publicKey as Uint8Array, record.grantEcash as number);
    if (!loser) members.recordSpend(record.issuer, spendOf(record));
    const slot = window.add(
      {
        id: id, issuer: record.issuer, kind: record.kind, seq: record.seq, timeMs: record.timeMs,
        energyWh: record.energyWh !== undefined ? record.energyWh : 0, ecash: record.ecash !== undefined ? record.ecash : 0,
        counterparty: record.counterparty !== undefined ? record.counterparty : 0, parents: record.parents,
        ref: record.ref !== undefined ? record.ref : null,
      },
      loser ? FLAG_VALID | FLAG_CONFLICT_LOSER : FLAG_VALID,
    );
    if (slot < 0) counters.window_full++;
    else if (loser) recordConflict(slot, record.issuer);
    return slot;
  }

  function onRecord(bytes: Uint8Array, nowMs: number): void {
    const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
    if (!decoded.ok) {
      counters.records_rejected++;
      count(decoded.code);
      return;
    }
    const id = recordId(decoded.value.payload, decoded.value.signature);
    if (window.find(id) >= 0) return;
    const code = validate(decoded.value, id, platform.wallClockMs());
    if (code !== null && code !== 'CONFLICT_DOUBLE_SPEND') {
      counters.records_rejected++;
      count(code);
      return;
    }
    const signed = decoded.value;
    const arrivedWallMs = platform.wallClockMs();
    if (verified.has(id)) {
      counters.signature_cache_hits++;
      conclude(signed, id, arrivedWallMs);
      return;
    }
    if (refused.has(id)) {
      counters.signature_cache_hits++;
      counters.records_rejected++;
      count('SIGNATURE_INVALID');
      return;
    }
    // Each signature is verified at most once: good ids and bad ids are both remembered (bounded).
    verifyRecordLater(bytes, id, arrivedWallMs, signed.record.kind === KIND_SOLD && signed.record.counterparty === memberId);
  }

  /**
   * Queues a record's verification holding only its bytes, decoded again when its turn comes and once
   * verified: a decoded record (its objects and arrays) is heavy on a small heap.
   */
  function verifyRecordLater(bytes: Uint8Array, id: Uint8Array, arrivedWallMs: number, urgent: boolean): void {
    const queuedMs = platform.nowMs();
    const decode = function (): SignedRecord {
      return (decodeRecord(bytes, RECORD_BYTES_MAX) as { value: SignedRecord }).value;
    };
    verifyLater(hexId(id), function () {
      const signed = decode();
      return [bytesToSign(signed.payload), signed.signature, issuerKey(signed.record)];
    }, function (valid: boolean) {
      counters.signatures_verified++;
      // Board time from a record's arrival to its verdict, for the latency a trade sees (stats).
      counters.validation_ms_last = platform.nowMs() - queuedMs;
      counters.validations_timed++;
      if (valid) {
        verified.add(id);
        conclude(decode(), id, arrivedWallMs);
      } else {
        refused.add(id);
        counters.records_rejected++;
        count('SIGNATURE_INVALID');
      }
    }, urgent);
  }

  function onTokenRequest(frame: Frame): void {
    // Only the neighbours the requester named answer: every other grant would be spent for nothing.
    const turn = (frame.asked as number[]).indexOf(memberId);
    if (turn < 0) return;
    const requester = frame.requester as number;
    const slot = frame.slot as number;
    const currentSlot = slotOf(platform.wallClockMs(), slotMs);
    if (slot !== grantSlot) {
      grantSlot = slot;
      grantedCount = 0;
    }
    let refusal: NodeRefusalCode | null = null;
    if (requester === memberId || !members.has(requester)) refusal = 'TOKEN_REQUESTER_UNKNOWN';
    else if (slot !== currentSlot) refusal = 'TOKEN_SLOT_NOT_CURRENT';
    for (let index = 0; refusal === null && index < grantedCount; index++) {
      if (grantedTo[index] !== requester) continue;
      // A repeated request (its grant was lost) gets the same grant again; another seq in the slot does not.
      if (grantedSeq[index] !== frame.seq) refusal = 'TOKEN_ALREADY_GRANTED';
      else {
        const again = copyBytes(grantedMac, index * TOKEN_MAC_BYTES, (index + 1) * TOKEN_MAC_BYTES);
        broadcastInTurn({ type: FRAME_TOKEN_GRANT, granter: memberId, requester: requester, seq: frame.seq as number, slot: slot, mac: again }, turn);
        return;
      }
    }
    if (refusal === null && grantedCount >= GRANTS_PER_SLOT_MAX) refusal = 'TOKEN_RATE_LIMITED';
    if (refusal !== null) {
      counters.tokens_refused++;
      count(refusal);
      return;
    }
    // One SHA-512: a grant never waits for a nonce or a point multiplication.
    counters.crypto_hash++;
    const mac = keyedMac(sha512, config.tokenKey, tokenMessage(memberId, requester, frame.seq as number, slot));
    grantedTo[grantedCount] = requester;
    grantedSeq[grantedCount] = frame.seq as number;
    grantedMac.set(mac, grantedCount * TOKEN_MAC_BYTES);
    grantedCount++;
    counters.tokens_granted++;
    broadcastInTurn({ type: FRAME_TOKEN_GRANT, granter: memberId, requester: requester, seq: frame.seq as number, slot: slot, mac: mac }, turn);
  }

  function onTokenGrant(frame: Frame): void {
    if (issue === null || frame.requester !== memberId) return;
    const granter = frame.granter as number;
    if (frame.seq !== issue.record.seq || frame.slot !== issue.slot || !members.has(granter) || granter === memberId) return;
    for (let index = 0; index < issue.granters.length; index++) if (issue.granters[index] === granter) return;
    if (issue.granters.length >= tokensRequired) return;
    issue.granters.push(granter);
    issue.tokens.push(encodeToken({ granter: granter, requester: memberId, seq: issue.record.seq, slot: issue.slot, mac: frame.mac as Uint8Array }));
    counters.tokens_collected++;
  }

  function onCheckpoint(frame: Frame): void {
    const message = encodeCbor(['SmartChain checkpoint', frame.member as number, frame.balance as number, frame.asOfMs as number], 64);
    verifyLater('c' + frame.member + ' ' + frame.asOfMs, function () {
      return [message, frame.signature as Uint8Array, config.aggregatorPublicKey];
    }, function (valid: boolean) {
      if (!valid) count('CHECKPOINT_SIGNATURE_INVALID');
      else if (members.checkpoint(frame.member as number, frame.balance as number, frame.asOfMs as number)) counters.checkpoints++;
    });
  }

  /** Set by approvalTarget: whether its answer is a trade record whose commit still needs approvals. */
  let targetOwed = false;

  /**
   * The record this node's next record should approve directly: a trade record (sold, bought) it owes an
   * approval while its validation count is below the commit threshold, else another member's record it
   * has not approved yet; the newest, so that its ancestors gain too. Validation counts grow only by
   * approvals across members, and the walk alone tends to a node's own records (verified the moment it
   * signs them, where another's take minutes of board time). -1: none.
   */
  function approvalTarget(): number {
    let best = -1;
    targetOwed = false;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (!window.isUsed(slot) || window.issuer[slot] === memberId || window.kind[slot] === KIND_MEMBERSHIP) continue;
      if ((window.flags[slot] & (FLAG_VALID | FLAG_CONFLICT_LOSER)) !== FLAG_VALID || window.approvedBy(slot, memberId)) continue;
      // Sold and bought are the last kinds.
      const owed = window.kind[slot] >= KIND_SOLD && window.validationCount(slot) < commitThreshold(members.count);
      if (best < 0 || (owed && !targetOwed) || (owed === targetOwed && window.arrival[slot] > window.arrival[best])) {
        best = slot;
        targetOwed = owed;
      }
    }
    return best;
  }

  /** Whether a record is still a parent of one of the node's own unacknowledged records. */
  function pinnedByPending(slot: number): boolean {
    const ids = persistence.pendingIds();
    for (let index = 0; index < ids.length; index++) {
      const own = window.find(ids[index]);
      if (own >= 0 && (window.parentSlot[own * 2] === slot || window.parentSlot[own * 2 + 1] === slot)) return true;
    }
    return false;
  }

  /** An acknowledgement of one of this node's pending records: a MAC under its token key, one SHA-512. */
  function onOffloadAck(frame: Frame): void {
    const id = frame.id as Uint8Array;
    const ids = persistence.pendingIds();
    const key = hexId(id);
    let own = false;
    for (let index = 0; index < ids.length; index++) if (hexId(ids[index]) === key) own = true;
    // On a radio every node hears every acknowledgement: only its own are worth a hash.
    if (!own) return;
    counters.crypto_hash++;
    if (hexId(keyedMac(sha512, config.tokenKey, ackMessage(id))) !== hexId(frame.mac as Uint8Array)) {
      count('ACK_MAC_INVALID');
      return;
    }
    if (!persistence.removePending(id)) return;
    counters.offload_acked++;
    const slot = window.find(id);
    if (slot < 0) return;
    window.flags[slot] = (window.flags[slot] & ~FLAG_PINNED) | FLAG_OFFLOADED;
    for (let parent = 0; parent < 2; parent++) {
      const parentSlot = window.parentSlot[slot * 2 + parent];
      if (parentSlot >= 0 && !pinnedByPending(parentSlot)) window.flags[parentSlot] &= ~FLAG_PINNED;
    }
  }

  function handle(linkIndex: number, bytes: Uint8Array, nowMs: number): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      counters.frames_rejected++;
      count(decoded.code);
      return;
    }
    const frame = decoded.value;
    if (frame.type === FRAME_RECORD) onRecord(frame.record as Uint8Array, nowMs);
    else if (frame.type === FRAME_TOKEN_REQUEST) onTokenRequest(frame);
    else if (frame.type === FRAME_TOKEN_GRANT) onTokenGrant(frame);
    else if (frame.type === FRAME_CHECKPOINT) onCheckpoint(frame);
    else if (frame.type === FRAME_OFFLOAD_ACK) onOffloadAck(frame);
    else if (frame.type === FRAME_CAP_REQUEST) {
      const caps = selectCaps(window, walk, alpha, nextRandom);
      if (caps !== null) platform.links[linkIndex].send(encodeFrame({ type: FRAME_CAP_REPLY, caps: caps }));
    } else if (frameListener !== null) frameListener(frame);
  }

  /**
   * Once k tokens are in: caps and the signature on one tick, then on the next the record id, persistence
   * (before anything leaves), broadcast and offload: each SHA-512 is seconds of ESP32 time, so the two in
   * one call would pass the watchdog. A reset in between loses only the signature; its nonce is spent.
   */
  function completeIssue(current: Issue): void {
    if (current.signed === null) {
      let caps = selectCaps(window, walk, alpha, nextRandom);
      // Nothing verified yet (a fresh ledger, or a node just provisioned): the record approves the genesis.
      if (caps === null && window.count === 0) caps = [GENESIS_ID, GENESIS_ID];
      if (caps === null) {
        count('CAPS_UNAVAILABLE');
        return;
      }
      // One cap is the record this node most needs to approve (approvalTarget), the other the walk's.
      const target = approvalTarget();
      if (target >= 0 && !window.idEquals(target, caps[1], 0)) caps = [window.idOf(target), caps[1]];
      const unsigned = current.record;
      unsigned.parents = caps;
      unsigned.pot = current.granters.slice().sort(function (left, right) {
        return left - right;
      });
      const tokens: Uint8Array[] = [];
      for (let index = 0; index < unsigned.pot.length; index++) {
        for (let token = 0; token < current.granters.length; token++) if (current.granters[token] === unsigned.pot[index]) tokens.push(current.tokens[token]);
      }
      const unsignedPayload = encodePayload(unsigned);
      const made = signAny(bytesToSign(unsignedPayload));
      // Waiting for a nonce or the key: the issue stays under way and is completed on a later tick.
      if (made === null) return;
      current.signed = { payload: unsignedPayload, signature: made, order: tokens };
      return;
    }
    const record = current.record;
    const caps = record.parents;
    const payload = current.signed.payload;
    const signature = current.signed.signature;
    const order = current.signed.order;
    const id = recordId(payload, signature);
    const withTokens = encodeRecord(payload, signature, order);
    persistence.savePending(id, withTokens);
    verified.add(id);
    members.recordSpend(memberId, spendOf(record));
    window.add(
      {
        id: id, issuer: memberId, kind: record.kind, seq: record.seq, timeMs: record.timeMs, energyWh: record.energyWh as number,
        ecash: record.ecash as number, counterparty: record.counterparty !== undefined ? record.counterparty : 0,
        parents: caps, ref: record.ref !== undefined ? record.ref : null,
      },
      FLAG_VALID | FLAG_PINNED,
    );
    // A pending record and the caps it approves stay in the window until the aggregator acknowledges it.
    for (let parent = 0; parent < 2; parent++) {
      const slot = window.find(caps[parent]);
      if (slot >= 0) window.flags[slot] |= FLAG_PINNED;
    }
    counters.records_issued++;
    broadcast({ type: FRAME_RECORD, record: encodeRecord(payload, signature, []) });
    lastIssuedSlot = current.slot;
    issue = null;
  }

  function advanceIssue(nowMs: number): void {
    if (issue === null) return;
    const wallMs = platform.wallClockMs();
    const slot = slotOf(wallMs, slotMs);
    // Tokens in hand: tick completes the record when that is its only expensive work.
    if (issue.granters.length >= tokensRequired) return;
    if (slot !== issue.slot) {
      // Tokens are bound to a slot: a new slot means asking again, with the same sequence number.
      issue.slot = slot;
      issue.record.timeMs = wallMs;
      issue.granters = [];
      issue.tokens = [];
      issue.requestedAtMs = -Infinity;
    }
    // One record per slot (paper IV.E): after issuing, wait for the next slot before asking for tokens.
    if (issue.slot !== lastIssuedSlot && nowMs - issue.requestedAtMs >= slotMs / 4) {
      issue.requestedAtMs = nowMs;
      const granters = nameGranters(issue);
      if (granters.length > 0) broadcast({ type: FRAME_TOKEN_REQUEST, requester: memberId, seq: issue.record.seq, slot: issue.slot, asked: granters });
    }
  }

  /**
   * The neighbours a token request names: as many as tokens are still missing, the members in turn from
   * an offset given by the sequence number (so grants spread over the neighbours), the next ones on each
   * repeat of the request (so a neighbour out of reach is passed over). Bounded by the member table.
   */
  function nameGranters(current: Issue): number[] {
    const named: number[] = [];
    const wanted = Math.min(tokensRequired - current.granters.length, GRANTERS_NAMED_MAX);
    let turn = current.record.seq + current.rounds * wanted;
    for (let tried = 0; tried < members.count && named.length < wanted; tried++) {
      const id = members.idAt(turn++ % members.count);
      if (id !== memberId && current.granters.indexOf(id) < 0) named.push(id);
    }
    current.rounds++;
    return named;
  }

  /** The node's own record has its tokens and can be signed (or persisted) now; else the next nonce is wanted first. */
  function ownRecordReady(): boolean {
    if (issue === null || issue.granters.length < tokensRequired) return false;
    if (issue.signed !== null || nonces === null || nonces.count() > 0) return true;
    nonceWanted = true;
    return false;
  }

  /**
   * Offloads one pending record: the bare record in an offload frame (it fits one frame), then each of
   * its tokens as a token_grant frame, which the aggregator joins to the record (docs/ledger.md).
   */
  function offloadOne(): void {
    const pending = persistence.nextPendingToOffload();
    if (pending === null) return;
    const decoded = decodeRecord(pending, RECORD_WITH_TOKENS_BYTES_MAX);
    if (!decoded.ok) {
      count('PENDING_UNREADABLE');
      return;
    }
    const record = decoded.value.record;
    broadcast({ type: FRAME_OFFLOAD, batch: record.seq, record: encodeRecord(decoded.value.payload, decoded.value.signature, []) });
    for (let index = 0; index < decoded.value.tokens.length; index++) {
      const token = decodeToken(decoded.value.tokens[index]);
      if (!token.ok) continue;
      broadcast({
        type: FRAME_TOKEN_GRANT, granter: token.value.granter, requester: token.value.requester, seq: token.value.seq,
        slot: token.value.slot, mac: token.value.mac,
      });
    }
  }

  const node: FullLightNode = {
    memberId: memberId,
    // Empty until a derivation under way is done.
    publicKey: keys !== null ? (keys as KeyPair).publicKey : new Uint8Array(0),
    window: window,
    members: members,
    receive: function (linkIndex: number, frame: Uint8Array): void {
      counters.frames_received++;
      if (inboxCount >= capacities.inbox || frame.length > FRAME_BYTES_MAX + 16) {
        counters.frames_dropped_inbox_full++;
        return;
      }
      const tail = (inboxHead + inboxCount) % capacities.inbox;
      inboxFrames[tail] = copyBytes(frame, 0);
      inboxLink[tail] = linkIndex;
      inboxCount++;
    },
    tick: function (nowMs: number): boolean {
      platform.feedWatchdog();
      // Between slices of work: a packet waiting in a radio's FIFO is read before the next one can land on it.
      for (let index = 0; index < platform.links.length; index++) {
        const poll = platform.links[index].poll;
        if (poll !== undefined) poll();
      }
      const workBefore = counters.crypto_field_ops + counters.crypto_hash;
      // At most one expensive piece of work per tick: a frame, or else a slice of a verification.
      const busy = inboxCount > 0;
      for (let handled = 0; handled < FRAMES_PER_TICK_MAX && inboxCount > 0; handled++) {
        const bytes = inboxFrames[inboxHead] as Uint8Array;
        const linkIndex = inboxLink[inboxHead];
        inboxFrames[inboxHead] = null;
        inboxHead = (inboxHead + 1) % capacities.inbox;
        inboxCount--;
        handle(linkIndex, bytes, nowMs);
      }
      if (busy) {
        // A frame was this tick's work.
      } else if (!linksQuiet()) {
        // A packet is arriving (or a burst is under way): a long slice now would leave the next one to be
        // written over in the radio's FIFO before the board reads it. The slice waits a tick or a few.
        counters.slices_deferred_link_busy++;
      } else if (derivation !== null) {
        // Key derivation, a slice per tick, before any other idle work.
        if (slice(derivation)) {
          keysReady(derivation.value() as Uint8Array);
          node.publicKey = (keys as KeyPair).publicKey;
          derivation = null;
        }
      }
      // One SHA-512 or one slice per tick at most (a SHA-512 is about 5 s of ESP32 time): the node's own
      // record first, then precomputation when a signature waits for it, then verification.
      else if (ownRecordReady()) completeIssue(issue as Issue);
      // A precomputation or a verification under way finishes before the other starts: the two jobs'
      // points at once would pass the pico's heap.
      else if (nonces !== null && !(verifyQueue.length > 0 && verifyQueue[0].job !== null) && (nonceWanted || nonces.busy() || verifyQueue.length === 0)) slice(nonces);
      else advanceVerification();
      resolveConflicts();
      const turnsWaiting = sendDueTurns(platform.nowMs());
      advanceIssue(nowMs);
      if (nowMs - lastHelloMs >= helloIntervalMs) {
        lastHelloMs = nowMs;
        broadcast({ type: FRAME_HELLO, member: memberId, seqNext: persistence.peekSeq() });
        offloadOne();
      }
      return busy || turnsWaiting || inboxCount > 0 || verifyQueue.length > 0 || counters.crypto_field_ops + counters.crypto_hash !== workBefore;
    },
    requestIssue: function (request: IssueRequest): boolean {
      if (issue !== null || persistence.pendingCount() >= capacities.pending) return false;
      const wallMs = platform.wallClockMs();
      const record: LedgerRecord = {
        kind: request.kind, issuer: memberId, seq: persistence.takeSeq(), timeMs: wallMs, parents: [], pot: [],
        energyWh: request.energyWh, ecash: request.ecash,
      };
      if (request.counterparty !== undefined) record.counterparty = request.counterparty;
      if (request.ref !== undefined) record.ref = request.ref;
      issue = { record: record, slot: slotOf(wallMs, slotMs), tokens: [], granters: [], requestedAtMs: -Infinity, rounds: 0, signed: null };
      return true;
    },
    approvalOwed: function (): boolean {
      return approvalTarget() >= 0 && targetOwed;
    },
    pendingIds: function (): Uint8Array[] {
      return persistence.pendingIds();
    },
    onFrame: function (listener: (frame: Frame) => void): void {
      frameListener = listener;
    },
    stats: function (): NodeStats {
      const out: NodeStats = { member: memberId, window_records: window.count, window_capacity: window.capacity, members: members.count };
      const names = Object.keys(counters);
      for (let index = 0; index < names.length; index++) out[names[index]] = counters[names[index]];
      const codes = Object.keys(rejections);
      for (let index = 0; index < codes.length; index++) out['rejected_' + codes[index]] = rejections[codes[index]];
      out.pending = persistence.pendingCount();
      return out;
    },
  };
  return node;
}
