// Bench-only: fills an aggregator's store with valid records quickly, without HTTP and without the
// aggregator's validation. Every record is real: signed by its issuer's key (node:crypto), with tokens
// MACed under its granters' token keys, one record per issuer per proof-of-time slot, its slot's number
// as its sequence number (so numbers rise with times), parents that are stored records; membership
// records are signed by the consortium key. Rows go in through the same columns the aggregator writes,
// orders included (each member's newest offer and demand stay open), in transactions of
// FILL_ROWS_PER_TRANSACTION, so a million records take minutes, not hours. The aggregator opened on the
// file afterwards sees exactly what it would have stored.
import { createPublicKey, KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import type Database from 'better-sqlite3';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_DEMAND, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { recordIdHost } from '../aggregator/aggregator';
import { macHost, tokenKeyFor } from '../crypto/token-key';

const FILL_ROWS_PER_TRANSACTION = 20000;
/** Parents are drawn from the last this many filled records. */
const PARENT_RING = 64;

export type FillMember = { id: number; key: KeyObject; tokenKey: Uint8Array; seq: number };

function keyObject(seed: Uint8Array): KeyObject {
  return signingKey(seed);
}

function publicKeyOf(key: KeyObject): Buffer {
  // The raw key is the last 32 bytes of the SPKI encoding (RFC 8410 §4).
  return (createPublicKey(key).export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32);
}

export class StoreFiller {
  private parents: Buffer[] = [];
  private statements: Record<string, Database.Statement>;
  private consortiumKey: KeyObject;

  constructor(private db: Database.Database, private consortiumSeed: Uint8Array, private slotMs: number) {
    this.consortiumKey = keyObject(consortiumSeed);
    this.statements = {
      record: db.prepare('INSERT INTO records (id, issuer, seq, kind, time_ms, energy_wh, ecash, counterparty, ref, raw, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      member: db.prepare('INSERT INTO members (id, public_key, balance, membership_id, admitted_ms) VALUES (?, ?, ?, ?, ?)'),
      order: db.prepare(
        'INSERT INTO orders (member, side, record_id, energy_wh, ecash, time_ms) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (member, side) DO UPDATE SET record_id = excluded.record_id, energy_wh = excluded.energy_wh, ecash = excluded.ecash, time_ms = excluded.time_ms',
      ),
      maxMember: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM members'),
    };
  }

  private pickParents(index: number): Uint8Array[] {
    if (this.parents.length === 0) return [GENESIS_ID, GENESIS_ID];
    const ring = this.parents;
    return [ring[(index * 7) % ring.length], ring[(index * 13 + 1) % ring.length]];
  }

  private store(record: LedgerRecord, payload: Uint8Array, key: KeyObject, tokens: Uint8Array[], receivedMs: number): Buffer {
    const signature = signHost(bytesToSign(payload), key);
    const id = recordIdHost(payload, signature);
    const bytes = encodeRecord(payload, signature, tokens);
    this.statements.record.run(id, record.issuer, record.seq, record.kind, record.timeMs, record.energyWh ?? null, record.ecash ?? null,
      record.counterparty ?? null, record.ref ? Buffer.from(record.ref) : null, Buffer.from(bytes), receivedMs);
    this.parents.push(Buffer.from(id));
    if (this.parents.length > PARENT_RING) this.parents.shift();
    return id;
  }

  /** Admits `count` members with deterministic keys (seed bytes from `seedBase` and the id), each granted `grant`. */
  addMembers(count: number, grant: number, seedBase: number, nowMs: number): FillMember[] {
    const members: FillMember[] = [];
    const first = (this.statements.maxMember.get() as { id: number }).id + 1;
    for (let done = 0; done < count; done += FILL_ROWS_PER_TRANSACTION) {
      this.db.transaction(() => {
        for (let id = first + done; id < first + Math.min(count, done + FILL_ROWS_PER_TRANSACTION); id++) {
          const seed = new Uint8Array(32);
          new DataView(seed.buffer).setUint32(0, seedBase);
          new DataView(seed.buffer).setUint32(4, id);
          const key = keyObject(seed);
          const publicKey = publicKeyOf(key);
          const record: LedgerRecord = { kind: KIND_MEMBERSHIP, issuer: 0, seq: id, timeMs: nowMs, parents: this.pickParents(id), pot: [], member: id, publicKey, grantEcash: grant };
          const membershipId = this.store(record, encodePayload(record), this.consortiumKey, [], nowMs);
          this.statements.member.run(id, publicKey, grant, membershipId, nowMs);
          members.push({ id, key, tokenKey: tokenKeyFor(this.consortiumSeed, id), seq: 0 });
        }
      })();
    }
    return members;
  }

  /** A record of `issuer` at `timeMs` with tokens from the two members after it (they grant its slot). */
  private signed(record: LedgerRecord, issuer: FillMember, granters: FillMember[]): { payload: Uint8Array; tokens: Uint8Array[] } {
    const slot = Math.floor(record.timeMs / this.slotMs);
    const tokens = granters.map((granter) => encodeToken({
      granter: granter.id, requester: issuer.id, seq: record.seq, slot, mac: macHost(granter.tokenKey, tokenMessage(granter.id, issuer.id, record.seq, slot)),
    }));
    return { payload: encodePayload(record), tokens };
  }

  /**
   * `perMember` offers and demands (alternating) from every member, member after member within a slot,
   * one slot per round, the rounds in the slots ending at `lastSlot`. Each member's newest order of a
   * side stays open, as the aggregator leaves it.
   */
  addOrders(members: FillMember[], perMember: number, lastSlot: number, receivedMs: number): number {
    const granters = (index: number) => [members[(index + 1) % members.length], members[(index + 2) % members.length]].sort((a, b) => a.id - b.id);
    let stored = 0;
    for (let round = 0; round < perMember; round++) {
      const slot = lastSlot - perMember + 1 + round;
      for (let start = 0; start < members.length; start += FILL_ROWS_PER_TRANSACTION) {
        this.db.transaction(() => {
          for (let index = start; index < Math.min(members.length, start + FILL_ROWS_PER_TRANSACTION); index++) {
            const issuer = members[index];
            // The slot's number as the sequence number: it rises with the issuer's times (SEQ_NOT_INCREASING).
            issuer.seq = slot;
            const kind = (round + index) % 2 === 0 ? KIND_OFFER : KIND_DEMAND;
            const record: LedgerRecord = {
              kind, issuer: issuer.id, seq: issuer.seq, timeMs: slot * this.slotMs + (index % this.slotMs), parents: this.pickParents(stored),
              pot: granters(index).map((entry) => entry.id), energyWh: 1000 + (stored % 9000), ecash: 100 + (stored % 2000),
            };
            const { payload, tokens } = this.signed(record, issuer, granters(index));
            const id = this.store(record, payload, issuer.key, tokens, receivedMs);
            const side = kind === KIND_OFFER ? 'offer' : 'demand';
            this.statements.order.run(issuer.id, side, id, record.energyWh, record.ecash, record.timeMs);
            stored++;
          }
        })();
      }
    }
    return stored;
  }

  /** `count` sold records from one member that no buyer answers, one per slot, the last in `lastSlot`. */
  addUnansweredSold(issuer: FillMember, buyer: FillMember, granters: FillMember[], count: number, lastSlot: number, receivedMs: number): void {
    for (let start = 0; start < count; start += FILL_ROWS_PER_TRANSACTION) {
      this.db.transaction(() => {
        for (let index = start; index < Math.min(count, start + FILL_ROWS_PER_TRANSACTION); index++) {
          issuer.seq = lastSlot - count + 1 + index;
          const record: LedgerRecord = {
            kind: KIND_SOLD, issuer: issuer.id, seq: issuer.seq, timeMs: issuer.seq * this.slotMs, parents: this.pickParents(index),
            pot: granters.map((entry) => entry.id), energyWh: 1000, ecash: 500, counterparty: buyer.id, ref: this.pickParents(index + 3)[0],
          };
          const { payload, tokens } = this.signed(record, issuer, granters);
          this.store(record, payload, issuer.key, tokens, receivedMs);
        }
      })();
    }
  }
}

/**
 * Signed offers with tokens, for ingest: record i from members[i % n], each member's records in consecutive
 * slots ending at `lastSlot`; each approves two records at least `gap` positions earlier (`start`: stored ones).
 */
export function presignOffers(members: FillMember[], count: number, gap: number, start: Uint8Array[], lastSlot: number, slotMs: number): Uint8Array[] {
  const ids: Uint8Array[] = [...start];
  const out: Uint8Array[] = [];
  const rounds = Math.ceil(count / members.length);
  for (let index = 0; index < count; index++) {
    const issuer = members[index % members.length];
    const granters = [members[(index + 1) % members.length], members[(index + 2) % members.length]].sort((a, b) => a.id - b.id);
    const back = Math.max(0, ids.length - gap);
    const parents = [ids[Math.max(0, back - 1 - (index % 7))], ids[Math.max(0, back - 1 - (index % 13))]];
    const slot = lastSlot - rounds + 1 + Math.floor(index / members.length);
    // The slot's number as the sequence number: an issuer's numbers rise with its records' times, whatever
    // order the points and fills take their slots in (SEQ_NOT_INCREASING, docs/ledger.md).
    issuer.seq = slot;
    const record: LedgerRecord = {
      kind: KIND_OFFER, issuer: issuer.id, seq: issuer.seq, timeMs: slot * slotMs + (index % slotMs), parents, pot: granters.map((entry) => entry.id),
      energyWh: 1000 + (index % 5000), ecash: 100 + (index % 900),
    };
    const payload = encodePayload(record);
    const signature = signHost(bytesToSign(payload), issuer.key);
    const tokens = granters.map((granter) => encodeToken({ granter: granter.id, requester: issuer.id, seq: issuer.seq, slot, mac: macHost(granter.tokenKey, tokenMessage(granter.id, issuer.id, issuer.seq, slot)) }));
    out.push(encodeRecord(payload, signature, tokens));
    ids.push(new Uint8Array(recordIdHost(payload, signature)));
  }
  return out;
}
