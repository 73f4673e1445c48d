// The load generator: registers members with the aggregator, then sends signed records with real
// proof-of-time tokens (it holds every member's key, so it can grant as neighbours would), keeping a
// bounded number of requests in flight, one record a request or a batch of them (a CBOR sequence, as a
// gateway forwards its boards' offloads). Proof of time allows one record per issuer per slot, so each
// member's records take consecutive slots ending at the present one, like records a gateway offloads late
// (within the aggregator's age limit). Attack traffic: double spends, Sybil issuers, forged tokens, spam.
// Each acknowledged id can be appended to a file as soon as it is acknowledged.
import { KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { macHost } from '../crypto/token-key';
import { KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { seededRandom } from '../random';
import { OFFLOADED_RECORD_AGE_MAX_MS } from '../aggregator/aggregator';
import { DEFAULT_SLOT_MS, ID_BYTES } from '../../firmware/protocol';

export const ATTACKS = ['none', 'double-spend', 'sybil', 'forged-token', 'spam'] as const;
export type Attack = (typeof ATTACKS)[number];

export type LoadOptions = {
  /** One aggregator's URL, or several separated by commas: records go to each in turn (a federation). */
  url: string;
  adminToken: string;
  members: number;
  count: number;
  rate?: number;
  attack: Attack;
  ackedFile?: string;
  seed: number;
  slotMs?: number;
  inFlight?: number;
  /** Records per request (a CBOR sequence); 1 sends each record alone as application/cbor. */
  batch?: number;
};

type Participant = { id: number; seed: Uint8Array; key: KeyObject; tokenKey: Uint8Array; seq: number; nextSlot: number };

export function call(agent: Agent, url: string, method: string, path: string, body: Uint8Array | string | null, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const outgoing = request(target, { method, agent, headers: { ...headers, 'content-length': body === null ? 0 : Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
        } catch (error) {
          reject(error);
        }
      });
    });
    outgoing.on('error', reject);
    if (body !== null) outgoing.write(body);
    outgoing.end();
  });
}


/** Times a record is sent again after its connection broke (an unknown outcome: the aggregator keeps each record once). */
const RESENDS_MAX = 3;

/** Sends records, sending the same bytes again when the connection breaks before an answer. */
async function sendRecords(agent: Agent, url: string, bytes: Uint8Array, type: string): Promise<{ status: number; json: Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(agent, url, 'POST', '/v1/records', bytes, { 'content-type': type });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= RESENDS_MAX || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error;
    }
  }
}

export type LoadResult = {
  sent: number; accepted: number; rejected: number; records_per_s: number; codes: Record<string, number>;
  members_registered: number; members_reused: number;
};

/**
 * Registers the member of this key through `url`, or, when an earlier run (same --seed) registered it
 * already (409 MEMBER_EXISTS, which tells the admin its id and token key), reuses it. `lowestSlot` is the earliest proof-of-time slot of its
 * newest records (null for a new member): a run places a reused member's records in the slots below it,
 * since the slots up to the present one may be taken (one record per member per slot).
 */
async function admit(agent: Agent, url: string, options: LoadOptions, seed: Uint8Array, slotMs: number): Promise<{ participant: Participant; reused: boolean; lowestSlot: number | null }> {
  const publicKey = Buffer.from(keyPairFromSeed(seed).publicKey).toString('hex');
  const answer = await call(agent, url, 'POST', '/v1/members', JSON.stringify({ public_key: publicKey, grant: 1000000 }), {
    authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json',
  });
  const reused = answer.status === 409 && answer.json.code === 'MEMBER_EXISTS' && typeof answer.json.id === 'number' && typeof answer.json.token_key === 'string';
  if (answer.status !== 201 && !reused) throw new Error(`registering a member failed: ${answer.status} ${JSON.stringify(answer.json)}`);
  const id = answer.json.id as number;
  let lowestSlot: number | null = null;
  if (reused) {
    const member = await call(agent, url, 'GET', `/v1/members/${id}`, null, {});
    const history = member.json.history as { seq: number; time_ms: number }[] | undefined;
    if (member.status !== 200 || !Array.isArray(history)) throw new Error(`reading member ${id} failed: ${member.status} ${JSON.stringify(member.json)}`);
    // Each run takes slots below the earlier runs', so the newest records hold the lowest slots.
    for (const row of history) lowestSlot = Math.min(lowestSlot ?? Infinity, Math.floor(row.time_ms / slotMs));
  }
  return {
    participant: {
      id, seed, key: signingKey(seed),
      tokenKey: new Uint8Array(Buffer.from(answer.json.token_key as string, 'hex')), seq: 0, nextSlot: 0,
    },
    reused,
    lowestSlot,
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.inFlight ?? 32 });
  const random = seededRandom(options.seed);
  const slotMs = options.slotMs ?? DEFAULT_SLOT_MS;
  const urls = options.url.split(',');
  const participants: Participant[] = [];
  let membersReused = 0;
  const lowestSlots: (number | null)[] = [];
  for (let index = 0; index < options.members; index++) {
    const seed = new Uint8Array(32);
    for (let byte = 0; byte < 32; byte++) seed[byte] = Math.floor(random() * 256);
    const { participant, reused, lowestSlot } = await admit(agent, urls[0], options, seed, slotMs);
    if (reused) membersReused++;
    participants.push(participant);
    lowestSlots.push(lowestSlot);
  }
  if (participants.length < 3) throw new Error('at least 3 members are needed (two granters per record)');
  // Each member's records take consecutive slots, the last one the present slot (for a reused member,
  // the slot below its earlier records'), none older than the aggregator's age limit (with a slot to
  // spare for the time the run takes).
  const slotsPerMember = Math.ceil(options.count / participants.length);
  const nowSlot = Math.floor(Date.now() / slotMs);
  const oldestSlot = Math.floor((Date.now() - OFFLOADED_RECORD_AGE_MAX_MS) / slotMs) + 2;
  participants.forEach((participant, index) => {
    const lowest = lowestSlots[index];
    const lastSlot = lowest === null ? nowSlot : Math.min(nowSlot, lowest - 1);
    if (lastSlot - slotsPerMember + 1 < oldestSlot) {
      throw new Error(`${options.count} records from ${participants.length} members need ${slotsPerMember} slots each, over the ${lastSlot - oldestSlot + 1} free within the age limit: use more members (or another --seed)`);
    }
    participant.nextSlot = lastSlot - slotsPerMember + 1;
  });
  const caps = await call(agent, urls[0], 'GET', '/v1/caps', null, {});
  let parents: Uint8Array[] = (caps.json.caps as string[]).map((text) => new Uint8Array(Buffer.from(text, 'hex')));
  const recent: Uint8Array[] = [];
  const codes: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let rejected = 0;

  const makeRecord = (index: number): Uint8Array => {
    const issuer = participants[index % participants.length];
    const others = participants.filter((entry) => entry !== issuer);
    const granters = [others[index % others.length], others[(index + 1) % others.length]].sort((a, b) => a.id - b.id);
    // The slot's number as the sequence number: it rises with the member's times even when a reused
    // member's run takes the slots below its earlier runs' (SEQ_NOT_INCREASING, docs/ledger.md).
    issuer.seq = issuer.nextSlot;
    const timeMs = Math.min(Date.now(), issuer.nextSlot * slotMs + Math.floor(random() * slotMs));
    issuer.nextSlot++;
    const kinds = [KIND_OFFER, KIND_DEMAND];
    const record: LedgerRecord = {
      kind: kinds[index % 2], issuer: issuer.id, seq: issuer.seq, timeMs, parents,
      pot: granters.map((entry) => entry.id), energyWh: 1000 + Math.floor(random() * 9000), ecash: 100 + Math.floor(random() * 2000),
    };
    if (options.attack === 'sybil' && index % 10 === 0) record.issuer = 60000 + (index % 100);
    if (options.attack === 'double-spend' && index % 10 === 0) {
      record.kind = KIND_BOUGHT;
      record.ecash = 700000; // two of these overdraw the 1,000,000 granted
      record.counterparty = others[0].id;
      record.ref = new Uint8Array(ID_BYTES).fill(index & 0xff);
    }
    const payload = encodePayload(record);
    const signature = signHost(bytesToSign(payload), issuer.key);
    const slot = Math.floor(timeMs / slotMs);
    const tokens = granters.map((granter) => {
      const forged = options.attack === 'forged-token' && index % 10 === 0;
      const mac = macHost(forged ? issuer.tokenKey : granter.tokenKey, tokenMessage(granter.id, record.issuer, record.seq, slot));
      return encodeToken({ granter: granter.id, requester: record.issuer, seq: record.seq, slot, mac });
    });
    const bytes = encodeRecord(payload, signature, tokens);
    if (options.attack === 'spam' && index % 10 === 0) return bytes.subarray(0, 20 + (index % 50));
    return bytes;
  };

  const started = Date.now();
  let next = 0;
  const accept = (id: string, index: number) => {
    accepted++;
    if (options.ackedFile) appendFileSync(options.ackedFile, id + '\n');
    recent.push(new Uint8Array(Buffer.from(id, 'hex')));
    if (recent.length > 64) recent.shift();
    if (recent.length >= 2 && index % 8 === 0) parents = [recent[recent.length - 1], recent[recent.length - 2]];
  };
  const refuse = (code: string) => {
    rejected++;
    codes[code] = (codes[code] ?? 0) + 1;
  };
  const batch = options.batch ?? 1;
  const batchWorker = async () => {
    while (next < options.count) {
      const first = next;
      const size = Math.min(batch, options.count - first);
      next += size;
      if (options.rate !== undefined && options.rate > 0) {
        const due = started + (first * 1000) / options.rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const list: Uint8Array[] = [];
      for (let index = first; index < first + size; index++) list.push(makeRecord(index));
      sent += size;
      const answer = await sendRecords(agent, urls[(first / batch) % urls.length], Buffer.concat(list), 'application/cbor-seq');
      if (answer.status !== 200) {
        for (let index = 0; index < size; index++) refuse(String(answer.json.code ?? answer.status));
        continue;
      }
      (answer.json.results as { id?: string; code?: string }[]).forEach((result, offset) => {
        if (result.id !== undefined) accept(result.id, first + offset);
        else refuse(String(result.code));
      });
    }
  };
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      if (options.rate !== undefined && options.rate > 0) {
        const due = started + (index * 1000) / options.rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const bytes = makeRecord(index);
      sent++;
      const answer = await sendRecords(agent, urls[index % urls.length], bytes, 'application/cbor');
      if (answer.status === 201 || answer.status === 200) accept(answer.json.id as string, index);
      else refuse(String(answer.json.code ?? answer.status));
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? 32 }, batch > 1 ? batchWorker : worker));
  agent.destroy();
  const seconds = (Date.now() - started) / 1000;
  return {
    sent, accepted, rejected, records_per_s: Math.round(sent / Math.max(seconds, 0.001)), codes,
    members_registered: participants.length - membersReused, members_reused: membersReused,
  };
}
