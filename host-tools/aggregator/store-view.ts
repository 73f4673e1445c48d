// The aggregator's LedgerView (firmware/ledger/pipeline.ts) over its SQLite store: every lookup is one
// keyed query (the records' (issuer, seq) and (issuer, time_ms) indexes, a primary key) or an in-memory
// map, so validating a record costs the same whatever the history's length. It holds the whole history,
// so a parent it lacks is unknown; it remembers the last REFUSED_IDS_MAX ids it refused, so a record
// approving one whose signature failed is refused as approving an invalid parent, and an approval of one
// refused for a rule its approvers could not judge is void (firmware/ledger/pipeline.ts voidsApprovals).
import { timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { Token, tokenMessage } from '../../firmware/frames';
import { Funds, LedgerView, PARENT_ABSENT, PARENT_KNOWN, SequenceAround } from '../../firmware/ledger/pipeline';
import { macHost } from '../crypto/token-key';
import { TOKEN_MAC_BYTES } from '../../firmware/protocol';
import type { RecentDag } from './dag';

/** Refused ids remembered (16 bytes each and a map entry): older ones are forgotten, then only unknown. */
export const REFUSED_IDS_MAX = 4096;
/**
 * Ids of the newest stored records remembered beyond the recent DAG (a hex key and a set entry each,
 * about 6 MiB in all): a record offloaded late approves records older than the recent DAG holds, and
 * each such parent would otherwise cost a primary-key lookup. Records are never deleted, so an id once
 * stored stays known; older ones are forgotten and looked up again.
 */
export const STORED_IDS_CACHED_MAX = 65536;

const GENESIS_HEX = '00'.repeat(16);
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

export class StoreView implements LedgerView {
  readonly holdsHistory = true;
  readonly tokenMacValid: (token: Token) => boolean;
  /** The aggregator grants no tokens: it checks every token's MAC instead. */
  readonly deniesGrant = null;
  /** Refused hex ids and what a parent refused so is (PARENT_REFUSED or PARENT_VOID). */
  private refused = new Map<string, number>();
  /** Hex ids of the newest stored records, oldest first, at most STORED_IDS_CACHED_MAX (stored()). */
  private storedIds = new Set<string>();
  /** MACs computed ahead (the verify pool) for the record being validated: tokens and their MACs, in order. */
  private macTokens: Token[] = [];
  private macs: Uint8Array[] | null = null;
  private statements: Record<string, Database.Statement>;

  constructor(
    db: Database.Database,
    private dag: RecentDag,
    private keyOf: (member: number) => Uint8Array | undefined,
    tokenKey: (member: number) => Uint8Array,
  ) {
    this.statements = {
      balance: db.prepare('SELECT balance, reserved FROM members WHERE id = ?'),
      // The issuer's records at or just below `seq` and just above it: two index searches, one statement.
      around: db.prepare(
        'SELECT * FROM (SELECT id, seq, time_ms FROM records WHERE issuer = ? AND seq <= ? ORDER BY seq DESC LIMIT 1) ' +
          'UNION ALL SELECT * FROM (SELECT id, seq, time_ms FROM records WHERE issuer = ? AND seq > ? ORDER BY seq LIMIT 1)',
      ),
      below: db.prepare('SELECT time_ms FROM records WHERE issuer = ? AND seq < ? ORDER BY seq DESC LIMIT 1'),
      // The issuer's record in a slot most likely to conflict: any but a bought record first, else any
      // (0: none). Two probes of the (issuer, time_ms) index; ORDER BY kind = 5 sorted in a temporary
      // b-tree per call, 5 of its 8 µs a record on an empty store (docs/benchmarks.md, growth curve).
      inSlot: db.prepare(
        'SELECT COALESCE((SELECT kind FROM records WHERE issuer = ? AND time_ms >= ? AND time_ms < ? AND kind <> 5 LIMIT 1), ' +
          '(SELECT kind FROM records WHERE issuer = ? AND time_ms >= ? AND time_ms < ? LIMIT 1), 0) AS kind',
      ),
      recordExists: db.prepare('SELECT 1 FROM records WHERE id = ?'),
      // The members table's primary key and its unique key index: at most two rows.
      registeredBy: db.prepare('SELECT membership_id FROM members WHERE id = ? OR public_key = ?'),
    };
    this.tokenMacValid = (token: Token) => timingSafeEqual(this.precomputedMac(token) ?? macHost(tokenKey(token.granter), tokenMessage(token.granter, token.requester, token.seq, token.slot)), token.mac);
  }

  /**
   * MACs the pool computed for the next record's tokens (Aggregator.prepare): a MAC follows from the
   * granter, requester, sequence number and slot alone, so one computed for those fields is the one
   * macHost would compute here. Null: none.
   */
  precomputeMacs(tokens: Token[], macs: Uint8Array[] | null): void {
    this.macTokens = tokens;
    this.macs = macs;
  }

  private precomputedMac(token: Token): Uint8Array | null {
    if (this.macs === null) return null;
    for (let index = 0; index < this.macTokens.length && index < this.macs.length; index++) {
      const entry = this.macTokens[index];
      if (entry.granter === token.granter && entry.requester === token.requester && entry.seq === token.seq && entry.slot === token.slot) {
        return this.macs[index].subarray(0, TOKEN_MAC_BYTES);
      }
    }
    return null;
  }

  /** The SQL of this view's statements, each run per record (Aggregator.perRecordSql). */
  statementSql(): string[] {
    return Object.values(this.statements).map((statement) => statement.source);
  }

  isMember(member: number): boolean {
    return this.keyOf(member) !== undefined;
  }

  memberKey(member: number): Uint8Array | null {
    return this.keyOf(member) ?? null;
  }

  memberTaken(member: number, publicKey: Uint8Array, id: Uint8Array): boolean {
    const rows = this.statements.registeredBy.all(member, Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length)) as { membership_id: Buffer }[];
    return rows.some((row) => !row.membership_id.equals(id));
  }

  /** The settled balance; unpaid bought records hold their Ecash until paid or expired (members.reserved). */
  funds(member: number, out: Funds): void {
    const row = this.statements.balance.get(member) as { balance: number; reserved: number } | undefined;
    out.balance = row === undefined ? 0 : row.balance;
    out.spent = row === undefined ? 0 : row.reserved;
  }

  sequenceAround(issuer: number, seq: number, id: Uint8Array, out: SequenceAround): void {
    out.taken = false;
    out.timeBelowMs = -Infinity;
    out.timeAboveMs = Infinity;
    for (const row of this.statements.around.all(issuer, seq, issuer, seq) as { id: Buffer; seq: number; time_ms: number }[]) {
      if (row.seq > seq) out.timeAboveMs = row.time_ms;
      else if (row.seq < seq) out.timeBelowMs = row.time_ms;
      else if (!row.id.equals(id)) out.taken = true;
      else {
        // The record itself holds this number: the nearest below is one further down.
        const below = this.statements.below.get(issuer, seq) as { time_ms: number } | undefined;
        if (below !== undefined) out.timeBelowMs = below.time_ms;
      }
    }
  }

  slotKind(issuer: number, slotStartMs: number, slotEndMs: number): number {
    return (this.statements.inSlot.get(issuer, slotStartMs, slotEndMs, issuer, slotStartMs, slotEndMs) as { kind: number }).kind;
  }

  parentState(parent: Uint8Array): number {
    const key = hex(parent);
    // A parent in the recent DAG is stored (the DAG holds stored records only): no lookup needed.
    if (this.dag.has(key) || this.storedIds.has(key) || key === GENESIS_HEX) return PARENT_KNOWN;
    const refused = this.refused.get(key);
    if (refused !== undefined) return refused;
    return this.statements.recordExists.get(Buffer.from(parent)) ? PARENT_KNOWN : PARENT_ABSENT;
  }

  /** Remembers the hex id of a record whose storing has committed (never of one still in a transaction that may roll back). */
  stored(key: string): void {
    if (this.storedIds.size >= STORED_IDS_CACHED_MAX) this.storedIds.delete(this.storedIds.values().next().value as string);
    this.storedIds.add(key);
  }

  /** Remembers a refused record id as PARENT_REFUSED or PARENT_VOID (the oldest forgotten beyond REFUSED_IDS_MAX). */
  refuse(id: Uint8Array, state: number): void {
    const key = hex(id);
    if (this.refused.has(key)) return;
    if (this.refused.size >= REFUSED_IDS_MAX) this.refused.delete(this.refused.keys().next().value as string);
    this.refused.set(key, state);
  }
}
