// The load generator: registers members with the aggregator, then sends signed records with real
// proof-of-time tokens (it holds every member's key, so it can grant as neighbours would), keeping a
// bounded number of requests in flight, one record a request or a batch of them (a CBOR sequence, as a
// gateway forwards its boards' offloads). Proof of time allows one record per issuer per slot, so each
// member's records take consecutive slots ending at the present one, like records a gateway offloads late
// (within the aggregator's age limit). Records are signed ahead of the timed sending, a block at a time,
// each approving valid records far enough back that they are answered before it is sent. Attack traffic:
// double spends, Sybil issuers, forged tokens, spam. Each acknowledged id can be appended to a file as soon as it is acknowledged.
import { KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { macHost } from '../crypto/token-key';
import { KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { seededRandom } from '../random';
import { OFFLOADED_RECORD_AGE_MAX_MS, recordIdHost } from '../aggregator/aggregator';
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


/** Records signed ahead of sending at a time (about 160 bytes each): a long run signs block after block. */
const PRESIGNED_BLOCK_RECORDS = 65536;

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
  /** records_per_s: records sent per second of sending (signing them beforehand, presign_seconds, not counted). */
  sent: number; accepted: number; rejected: number; records_per_s: number; codes: Record<string, number>; presign_seconds: number;
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
  const capIds: Uint8Array[] = (caps.json.caps as string[]).map((text) => new Uint8Array(Buffer.from(text, 'hex')));
  const codes: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  const batch = options.batch ?? 1;
  const inFlight = options.inFlight ?? 32;
  // A record's parents are the two newest valid records at least `gap` before it (the caps, for the
  // first): twice what is in flight, so they are answered before it is sent (see `send` below).
  const gap = 2 * batch * inFlight;
  /** The valid records signed so far that a later record may still take as a parent (index order). */
  const parentRing: { index: number; id: Uint8Array }[] = [];

  const makeRecord = (index: number): Uint8Array => {
    const issuer = participants[index % participants.length];
    const others = participants.filter((entry) => entry !== issuer);
    const granters = [others[index % others.length], others[(index + 1) % others.length]].sort((a, b) => a.id - b.id);
    // The slot's number as the sequence number: it rises with the member's times even when a reused
    // member's run takes the slots below its earlier runs' (SEQ_NOT_INCREASING, docs/ledger.md).
    issuer.seq = issuer.nextSlot;
    const timeMs = Math.min(Date.now(), issuer.nextSlot * slotMs + Math.floor(random() * slotMs));
    issuer.nextSlot++;
    while (parentRing.length > 2 && parentRing[2].index <= index - gap) parentRing.shift();
    const eligible = parentRing.length >= 2 && parentRing[1].index <= index - gap;
    const parents = eligible ? [parentRing[1].id, parentRing[0].id] : capIds;
    const kinds = [KIND_OFFER, KIND_DEMAND];
    const record: LedgerRecord = {
      kind: kinds[index % 2], issuer: issuer.id, seq: issuer.seq, timeMs, parents,
      pot: granters.map((entry) => entry.id), energyWh: 1000 + Math.floor(random() * 9000), ecash: 100 + Math.floor(random() * 2000),
    };
    // One record in ten is the attack's; the others are valid, and only they are taken as parents.
    const attacked = options.attack !== 'none' && index % 10 === 0;
    if (options.attack === 'sybil' && attacked) record.issuer = 60000 + (index % 100);
    if (options.attack === 'double-spend' && attacked) {
      record.kind = KIND_BOUGHT;
      record.ecash = 700000; // two of these overdraw the 1,000,000 granted
      record.counterparty = others[0].id;
      record.ref = new Uint8Array(ID_BYTES).fill(index & 0xff);
    }
    const payload = encodePayload(record);
    const signature = signHost(bytesToSign(payload), issuer.key);
    const slot = Math.floor(timeMs / slotMs);
    const tokens = granters.map((granter) => {
      const forged = options.attack === 'forged-token' && attacked;
      const mac = macHost(forged ? issuer.tokenKey : granter.tokenKey, tokenMessage(granter.id, record.issuer, record.seq, slot));
      return encodeToken({ granter: granter.id, requester: record.issuer, seq: record.seq, slot, mac });
    });
    const bytes = encodeRecord(payload, signature, tokens);
    if (!attacked) parentRing.push({ index, id: new Uint8Array(recordIdHost(payload, signature)) });
    if (options.attack === 'spam' && attacked) return bytes.subarray(0, 20 + (index % 50));
    return bytes;
  };

  // Records are signed before they are sent, a block at a time, outside the timed window: the load
  // generator shares the machine with the aggregator and should cost it little while it sends.
  let sendingMs = 0;
  let signingMs = 0;
  const answered = new Uint8Array(Math.ceil(Math.min(options.count, PRESIGNED_BLOCK_RECORDS) / batch));
  for (let blockStart = 0; blockStart < options.count; blockStart += PRESIGNED_BLOCK_RECORDS) {
    const blockEnd = Math.min(options.count, blockStart + PRESIGNED_BLOCK_RECORDS);
    let began = Date.now();
    const block: Uint8Array[] = [];
    for (let index = blockStart; index < blockEnd; index++) block.push(makeRecord(index));
    signingMs += Date.now() - began;
    began = Date.now();
    const batches = Math.ceil((blockEnd - blockStart) / batch);
    answered.fill(0);
    let answeredBatches = 0;
    let waiting: (() => void)[] = [];
    const answer = (batchIndex: number) => {
      answered[batchIndex] = 1;
      while (answeredBatches < batches && answered[answeredBatches] === 1) answeredBatches++;
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    };
    const accept = (id: string) => {
      accepted++;
      if (options.ackedFile) appendFileSync(options.ackedFile, id + '\n');
    };
    const refuse = (code: string) => {
      rejected++;
      codes[code] = (codes[code] ?? 0) + 1;
    };
    let nextBatch = 0;
    // A batch is sent once every batch `gap` records before its end is answered: its parents are stored
    // (the first block's first batches approve the caps; a later block's, the block before it).
    const send = async () => {
      while (nextBatch < batches) {
        const batchIndex = nextBatch++;
        const first = blockStart + batchIndex * batch;
        const size = Math.min(batch, blockEnd - first);
        while (blockStart + answeredBatches * batch < first + size - gap) await new Promise<void>((resolve) => waiting.push(resolve));
        if (options.rate !== undefined && options.rate > 0) {
          const due = began + ((first - blockStart) * 1000) / options.rate;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        }
        sent += size;
        const url = urls[Math.floor(first / batch) % urls.length];
        if (batch === 1) {
          const reply = await sendRecords(agent, url, block[first - blockStart], 'application/cbor');
          if (reply.status === 201 || reply.status === 200) accept(reply.json.id as string);
          else refuse(String(reply.json.code ?? reply.status));
        } else {
          const reply = await sendRecords(agent, url, Buffer.concat(block.slice(first - blockStart, first - blockStart + size)), 'application/cbor-seq');
          if (reply.status !== 200) for (let index = 0; index < size; index++) refuse(String(reply.json.code ?? reply.status));
          else {
            for (const result of reply.json.results as { id?: string; code?: string }[]) {
              if (result.id !== undefined) accept(result.id);
              else refuse(String(result.code));
            }
          }
        }
        answer(batchIndex);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, send));
    sendingMs += Date.now() - began;
  }
  agent.destroy();
  const seconds = sendingMs / 1000;
  return {
    sent, accepted, rejected, records_per_s: Math.round(sent / Math.max(seconds, 0.001)), codes, presign_seconds: Number((signingMs / 1000).toFixed(2)),
    members_registered: participants.length - membersReused, members_reused: membersReused,
  };
}
