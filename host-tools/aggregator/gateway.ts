// The aggregator's gateway: the aggregator's side of the radio or of the UART star. It joins the parts
// of each offloaded record (the bytes the board stored, its tokens included), submits them as they are
// for full validation and durable storage (the aggregator decodes them, once), and acknowledges the
// record once stored; it runs auction rounds and
// tells both sides of each match; it tells both sides of each committed trade and sends them signed
// balance checkpoints. On a UART star it also relays every other frame to the other EVs, as a LoRa channel
// would carry it. Bounded: one offload in progress per member, OFFLOADS_MAX in all.
import type { Aggregator, OrderTerms, SubmitResult } from './aggregator';
import { FRAME_MATCH, FRAME_OFFLOAD, FRAME_RECORD, FRAME_TRADE_COMMITTED, Frame, decodeFrame, encodeFrame } from '../../firmware/frames';
import { MATCH_FOLLOW_MS, RECORD_WITH_TOKENS_BYTES_MAX } from '../../firmware/protocol';
import { decodeRecord, encodeRecord } from '../../firmware/records';

/**
 * A gateway of one of several federated aggregators (host-tools/federation): it takes the offloads of
 * the members it serves only, and submits through the federation's log, which answers asynchronously.
 */
export type GatewayFederation = { serves: (member: number) => boolean; submit: (bytes: Uint8Array) => Promise<SubmitResult> };


/** Where the gateway sends a frame: one member, or everyone in range. */
export type GatewaySend = (member: number | 'all', frame: Uint8Array) => void;

/** An offload whose parts are arriving: the record's id and its parts so far, in order. */
type Offload = { id: string; parts: number; chunks: Uint8Array[] };

export type GatewayEvents = {
  stored?: (id: string, issuer: number, kind: number) => void;
  rejected?: (code: string, issuer: number) => void;
  matched?: (match: { seller: number; buyer: number; energyWh: number; ecash: number }) => void;
  committed?: (trade: { soldId: string; boughtId: string; seller: number; buyer: number; energyWh: number; ecash: number }) => void;
  /** Every frame heard that decoded (what a board put on the air: token requests, records, offloads). */
  heard?: (frame: Frame) => void;
};

/** Records refused only because a parent is not stored yet, kept to try again when one is stored. */
const ORPHANS_MAX = 16;
/** Offloads waiting for their next part, one per member; the oldest gives way beyond this. */
const OFFLOADS_MAX = 256;

/** At most this many commit reports wait to be repeated. */
const REPORTS_REPEATED_MAX = 64;
/** Matches followed up at once (MATCH_FOLLOW_MS each); the oldest gives way. */
const MATCHES_FOLLOWED_MAX = 64;
/**
 * A side that has not answered its match is told again this long after it was last told. An ESP32 seller
 * takes 10 to 19 minutes from its match to its sold record stored, and a buyer its energy transfer and a
 * verification before its bought record: every 5 minutes, 24 mixed EVs over LoRa committed 91 trades in 6
 * simulated hours (seed 1); every 10 minutes, 121, with fewer repeats (docs/simulation.md, step 9).
 */
const MATCH_REPEAT_MS = 10 * 60000;

/** A match followed up: its frame, its sides and the terms of their orders, and when each side was last told. */
type Followed = {
  frame: Uint8Array; offerId: string; seller: number; buyer: number; offer: OrderTerms | null; demand: OrderTerms | null; matchedMs: number; sellerToldMs: number; buyerToldMs: number;
};

const termsOf = (record: { energy_wh: number | null; ecash: number | null } | undefined): OrderTerms | null => (record === undefined ? null : { energy_wh: record.energy_wh ?? 0, ecash: record.ecash ?? 0 });

export class Gateway {
  private offloads = new Map<number, Offload>();
  private orphans: { issuer: number; bytes: Uint8Array }[] = [];
  /** Commit reports of the last round, sent once more with the next: a busy board may have dropped them. */
  private reports: { member: number; frame: Uint8Array }[] = [];
  private followed: Followed[] = [];
  /** Matches told again, and sold records sent again to their buyer. */
  matchesRepeated = 0;
  soldRecordsResent = 0;
  readonly rejections: Record<string, number> = {};
  framesRejected = 0;
  acksSent = 0;

  constructor(
    private aggregator: Aggregator,
    private tokensRequired: number,
    private send: GatewaySend,
    private events: GatewayEvents = {},
    private federation: GatewayFederation | null = null,
  ) {}

  /** Submissions through a federation still waiting for their answer (none without a federation). */
  private pending = new Set<Promise<void>>();

  /** Resolves once every submission made so far has been answered and handled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** A frame heard from an EV; returns whether it is one the gateway consumed (not to be relayed). */
  receive(bytes: Uint8Array): boolean {
    const decoded = decodeFrame(bytes);
    // Every gateway of a federation hears every frame: the one serving member 0 counts what nobody issued.
    const countsStray = this.federation === null || this.federation.serves(0);
    if (!decoded.ok) {
      if (countsStray) {
        this.framesRejected++;
        this.count(decoded.code, 0);
      }
      return true;
    }
    const frame = decoded.value;
    this.events.heard?.(frame);
    if (frame.type === FRAME_OFFLOAD) this.offloadPart(frame.member as number, Buffer.from(frame.id as Uint8Array).toString('hex'), frame.part as number, frame.parts as number, frame.chunk as Uint8Array);
    return frame.type === FRAME_OFFLOAD;
  }

  /**
   * One part of an offload: part 0 starts the record (a member has one offload in progress), each next
   * part in order extends it (a part out of order waits for the board's next round), and the last
   * submits the bytes as the board stored them.
   */
  private offloadPart(issuer: number, id: string, part: number, parts: number, chunk: Uint8Array): void {
    if (this.federation !== null && !this.federation.serves(issuer)) return;
    // Only a member's record may wait for its parts (its signature is checked once they are in).
    if (this.aggregator.member(issuer) === undefined) {
      this.count('ISSUER_UNKNOWN', issuer);
      return;
    }
    if (part === 0) {
      this.offloads.delete(issuer);
      if (this.offloads.size >= OFFLOADS_MAX) this.offloads.delete(this.offloads.keys().next().value as number);
      this.offloads.set(issuer, { id, parts, chunks: [] });
    }
    const offload = this.offloads.get(issuer);
    if (offload === undefined || offload.id !== id || offload.parts !== parts || offload.chunks.length !== part) return;
    offload.chunks.push(chunk);
    if (offload.chunks.length < parts) return;
    this.offloads.delete(issuer);
    this.submit(issuer, new Uint8Array(Buffer.concat(offload.chunks)));
  }

  /**
   * Validates and stores one record, acknowledges it, and announces the trades it commits. A record whose
   * parent is not stored yet (its issuer offloaded it before the parent's issuer offloaded the parent)
   * waits among the orphans and is tried again after each record stored.
   */
  private submit(issuer: number, bytes: Uint8Array): void {
    if (this.federation === null) return this.handle(issuer, bytes, this.aggregator.submit(bytes));
    const pending = this.federation.submit(bytes).then(
      (result) => this.handle(issuer, bytes, result),
      () => this.count('CLUSTER_UNAVAILABLE', issuer),
    ).finally(() => this.pending.delete(pending));
    this.pending.add(pending);
  }

  private handle(issuer: number, bytes: Uint8Array, result: SubmitResult): void {
    if (!result.ok) {
      if (result.code === 'PARENT_UNKNOWN' && this.orphans.length < ORPHANS_MAX) this.orphans.push({ issuer, bytes });
      else this.count(result.code, issuer);
      return;
    }
    if (!result.duplicate) {
      const stored = this.aggregator.record(result.id);
      this.events.stored?.(result.id, issuer, stored?.kind ?? 0);
    }
    this.send(issuer, this.aggregator.acknowledge(result.id));
    this.acksSent++;
    for (const soldId of result.committed) this.announceCommit(soldId);
    if (!result.duplicate) for (const orphan of this.orphans.splice(0)) this.submit(orphan.issuer, orphan.bytes);
  }

  private announceCommit(soldId: string): void {
    const trade = this.aggregator.tradeOf(soldId);
    if (trade === undefined) return;
    const frame = encodeFrame({
      type: FRAME_TRADE_COMMITTED, seller: trade.seller, buyer: trade.buyer,
      sold: new Uint8Array(Buffer.from(trade.sold_id, 'hex')), bought: new Uint8Array(Buffer.from(trade.bought_id, 'hex')),
    });
    for (const member of [trade.seller, trade.buyer]) {
      this.send(member, frame);
      if (this.reports.length < REPORTS_REPEATED_MAX) this.reports.push({ member, frame });
      const checkpoint = this.aggregator.checkpoint(member);
      if (checkpoint !== null) this.send(member, checkpoint);
    }
    this.events.committed?.({ soldId, boughtId: trade.bought_id, seller: trade.seller, buyer: trade.buyer, energyWh: trade.energy_wh, ecash: trade.ecash });
  }

  /** One auction round; both sides of each match between EVs are told, and earlier matches followed up. */
  auction(): void {
    for (const report of this.reports.splice(0)) this.send(report.member, report.frame);
    this.followUp();
    const nowMs = this.aggregator.clockMs();
    for (const match of this.aggregator.runAuction()) {
      if (match.seller === 0) continue;
      const frame = encodeFrame({
        type: FRAME_MATCH, seller: match.seller, buyer: match.buyer, energyWh: match.energyWh, ecash: match.ecash,
        offer: new Uint8Array(Buffer.from(match.offerId, 'hex')), demand: new Uint8Array(Buffer.from(match.demandId, 'hex')),
      });
      this.send(match.seller, frame);
      this.send(match.buyer, frame);
      if (this.followed.length >= MATCHES_FOLLOWED_MAX) this.followed.shift();
      this.followed.push({
        frame, offerId: match.offerId, seller: match.seller, buyer: match.buyer, offer: termsOf(this.aggregator.record(match.offerId)), demand: termsOf(this.aggregator.record(match.demandId)),
        matchedMs: nowMs, sellerToldMs: nowMs, buyerToldMs: nowMs,
      });
      this.events.matched?.(match);
    }
  }

  /**
   * A match is sent once over a shared channel, and a board that was sending, busy or out of range missed
   * it. For MATCH_FOLLOW_MS a side that has not answered is told again every MATCH_REPEAT_MS: the seller
   * answers with its sold record; then the buyer, which may have missed the sold record's broadcast too, is
   * sent it again (as the seller broadcast it: no tokens) with the match. A side that placed an order on
   * the same terms since missed the match and repeated its order: that order is taken out of the auction
   * (else it would be matched a second time) and the side told at once. An order on other terms is a new
   * one (the side is done with this match): it is left alone. A board ignores a repeat of a match it took
   * (firmware/trade.ts), so a repeat never starts a second trade.
   */
  private followUp(): void {
    const nowMs = this.aggregator.clockMs();
    const kept: Followed[] = [];
    for (const match of this.followed) {
      if (nowMs - match.matchedMs >= MATCH_FOLLOW_MS) continue;
      const answers = this.aggregator.matchAnswers(match);
      if (answers.bought) continue;
      kept.push(match);
      if (answers.sold === undefined) {
        if (!this.due(answers.sellerOrder, match.offer, match.sellerToldMs, nowMs)) continue;
        if (answers.sellerOrder !== undefined) this.aggregator.withdrawOrder(match.seller, 'offer');
        match.sellerToldMs = nowMs;
        this.matchesRepeated++;
        this.send(match.seller, match.frame);
        continue;
      }
      if (!this.due(answers.buyerOrder, match.demand, Math.max(match.buyerToldMs, answers.sold.received_ms), nowMs)) continue;
      const raw = this.aggregator.record(answers.sold.id.toString('hex'))?.raw;
      const stored = raw === undefined ? null : decodeRecord(new Uint8Array(raw), RECORD_WITH_TOKENS_BYTES_MAX);
      if (stored === null || !stored.ok) continue;
      if (answers.buyerOrder !== undefined) this.aggregator.withdrawOrder(match.buyer, 'demand');
      match.buyerToldMs = nowMs;
      this.matchesRepeated++;
      this.soldRecordsResent++;
      this.send(match.buyer, match.frame);
      this.send(match.buyer, encodeFrame({ type: FRAME_RECORD, record: encodeRecord(stored.value.payload, stored.value.signature, []) }));
    }
    this.followed = kept;
  }

  /** Whether a side is told again now: at once after a repeat of its order, else MATCH_REPEAT_MS after it was told. */
  private due(order: OrderTerms | undefined, matched: OrderTerms | null, toldMs: number, nowMs: number): boolean {
    if (order === undefined) return nowMs - toldMs >= MATCH_REPEAT_MS;
    return matched !== null && order.energy_wh === matched.energy_wh && order.ecash === matched.ecash;
  }

  private count(code: string, issuer: number): void {
    this.rejections[code] = (this.rejections[code] ?? 0) + 1;
    this.events.rejected?.(code, issuer);
  }
}
