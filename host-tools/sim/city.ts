// The city simulation (the product's main job): N EVs, each an emulated board running the real dist/
// bundle (pico and esp32 alternately) in simulated board time, trading energy through one aggregator
// (the real Aggregator on a SQLite file) over a LoRa channel or a UART star. The host plays each
// vehicle: its battery, whether it is charging, driving or idle, when it offers or asks for energy, and
// the energy transfer itself; everything on the ledger is the firmware's doing. Attackers are host-class
// light nodes running the same firmware code. The same seed replays the same run.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signHost, signingKey } from '../crypto/host-signing';
import { Aggregator } from '../aggregator/aggregator';
import { BoardName, loadBoard } from '../build/boards';
import { emulatedBoardOptions, provisionFileName } from '../emulator/profile';
import { EmulatedBoard } from '../emulator/board';
import { WORLD_EPOCH_MS } from '../emulator/board-state';
import { EMULATED_CONSORTIUM_SEED, provisionBoards } from '../emulator/provision';
import { tokenKeyFor } from '../crypto/token-key';
import { World, seededRandom, slidingHourMaxPercent } from '../emulator/world';
import { hostCrypto } from '../crypto/host-crypto';
import { Gateway, GatewayFederation } from '../aggregator/gateway';
import { InProcessFederation } from '../federation/in-process';
import { stateDigest } from '../federation/digest';
import { MemoryStore } from './in-process';
import { percentiles } from './percentiles';
import { TradeStageLog } from './trade-stages';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { airtimeMs, EU868_DEFAULT } from '../../boards/drivers/lora-airtime';
import { createNode, FullLightNode } from '../../firmware/node';
import { createTrader } from '../../firmware/trade';
import { FRAME_RECORD, FRAME_SCHEMAS, Token, decodeToken, encodeFrame, encodeToken, offloadFrames } from '../../firmware/frames';
import { recordId } from '../../firmware/crypto/ed25519';
import { KIND_BOUGHT, KIND_OFFER, RECORD_WITH_TOKENS_BYTES_MAX, LedgerRecord, bytesToSign, decodeRecord, encodePayload, encodeRecord } from '../../firmware/records';
import { slotOf } from '../../firmware/ledger/rules';
import { DEFAULT_TOKENS_REQUIRED, FRAME_BYTES_MAX, UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import type { Link, Platform } from '../../firmware/platform';

export const ATTACKS = ['none', 'double-spend', 'sybil', 'spam'] as const;
export type Attack = (typeof ATTACKS)[number];
export type LinkKind = 'lora' | 'uart';
export type BoardKind = BoardName;

export type CityOptions = {
  evs: number;
  durationMs: number;
  seed: number;
  link: LinkKind;
  attack: Attack;
  /** The board of each EV in turn. */
  boards: BoardKind[];
  outDir: string;
  /** Aggregators sharing the ledger through a local etcd cluster (host-tools/federation); default 1, embedded. */
  aggregators?: number;
  /** Called after every simulated step with the progress so far. */
  progress?: (progress: { simMs: number; durationMs: number; records: number; trades: number }) => void;
};

const STEP_MS = 1000;
const SAMPLE_MS = 60000;
const AUCTION_MS = 60000;
const VEHICLE_MS = 30000;
/** Proof of time's slot: a member issues at most one record a slot (docs/simulation.md "How often the fleet issues"). */
const SLOT_MS = 120000;
const TOKENS_REQUIRED = DEFAULT_TOKENS_REQUIRED;
const BALANCE = 100000;
/**
 * A vehicle trades its session in lots of 0.5 to 1 kWh: each lot is a trade, paid after its metered
 * delivery and committed while the next flows (a cut-short transfer costs the seller one lot at most).
 */
const LOT_WH_MIN = 500;
const LOT_WH_MAX = 1000;
/** A vehicle-to-vehicle DC transfer: 11 kW (a charger on either car's bidirectional port). */
const TRANSFER_W = 11000;

type Vehicle = {
  member: number;
  board: BoardKind | 'host';
  capacityWh: number;
  socWh: number;
  state: 'charging' | 'discharging' | 'idle';
  /** Asks and bids per Wh, in Ecash minor units. */
  askPerWh: number;
  bidPerWh: number;
  call(expression: string): string;
  energySeries: [number, number][];
  ecashSeries: [number, number][];
  stageSinceMs: number;
  lastStage: string;
};

export type CitySummary = Record<string, unknown>;
/** The summary's radio_frames: the medium's account of a run (on a UART star, its frames and bytes lost). */
export type RadioFrames = {
  sent: number; delivered: number; lost: number; collided: number; lost_board_busy: number; lost_board_busy_by_kind: Record<string, number>;
  refused_duty_cycle: number; cad_checks: number; cad_busy: number; gateway_backoffs: number;
};

/** Each frame type's name (its schema's first word), read once: the medium names every packet it carries. */
const FRAME_NAMES = FRAME_SCHEMAS.map((schema) => schema.split(' ')[0]);

/** A LoRa packet's frame type (a frame is one CBOR array whose first item is its type), for the medium's account by kind. */
function frameKind(bytes: Uint8Array): string {
  const name = bytes.length > 1 && (bytes[0] & 0xe0) === 0x80 ? FRAME_NAMES[bytes[1]] : undefined;
  return name === undefined || name === '' ? 'not a frame' : name;
}

export async function runCity(options: CityOptions) {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const world = await World.create(options.seed);
  const attacker = options.attack === 'double-spend' || options.attack === 'sybil';
  const memberCount = options.evs + (attacker ? 1 : 0);
  const provisioned = provisionBoards(memberCount, random, { balance: BALANCE, tokensRequired: TOKENS_REQUIRED, slotMs: SLOT_MS, heapBytesBudget: loadBoard('emulator').heap_bytes_max });
  mkdirSync(options.outDir, { recursive: true });
  const wallMs = () => WORLD_EPOCH_MS + Math.floor(world.nowMs);
  // Aggregator i > 0 of a federation keeps aggregator-i.sqlite; every one signs with the provisioned key.
  const newAggregator = (index: number) => {
    const dbPath = join(options.outDir, index === 0 ? 'aggregator.sqlite' : `aggregator-${index}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    return new Aggregator({
      dbPath, consortiumSeed: EMULATED_CONSORTIUM_SEED, aggregatorSeed: provisioned.aggregatorSeed, tokensRequired: TOKENS_REQUIRED,
      slotMs: SLOT_MS, now: wallMs, random: seededRandom(options.seed + 1 + index), surplusEnergyWh: 0, parentEdges: true,
    });
  };
  const aggregator = newAggregator(0);
  const aggregatorCount = options.aggregators ?? 1;
  const federation = aggregatorCount > 1 ? await InProcessFederation.start(aggregatorCount, options.outDir, (index) => (index === 0 ? aggregator : newAggregator(index))) : null;
  for (const entry of provisioned.boards) {
    const added = federation !== null ? await federation.admit(entry.publicKey, BALANCE) : aggregator.addMember(entry.publicKey, BALANCE);
    if (typeof added === 'number' ? added !== entry.member : !added.ok || added.id !== entry.member) throw new Error(`member ${entry.member} could not be registered`);
  }
  await federation?.converge();
  const ecashStart = aggregator.stats().ecash_total;

  // ---- the channel: every endpoint's frames reach the gateway and (on UART, through its relay) the others
  const endpoints: { member: number; send(frame: Uint8Array): void }[] = [];
  const frameLog: { member: number; atMs: number; airtimeMs: number }[] = [];
  const records: { id: string; issuer: number; kind: number; atMs: number }[] = [];
  const matchTimes = new Map<string, number>();
  const commitLatencies: number[] = [];
  // Each committed trade's stages from the match to the commit (host-tools/sim/trade-stages.ts).
  const stageLog = new TradeStageLog();
  const tradeSeries: [number, number][] = [];
  const recordSeries: [number, number][] = [];
  let attackerRejected = 0;
  const conflictResolvedMs: number[] = [];
  const attackerIssued = new Map<string, number>();
  const matchKey = (seller: number, buyer: number, energyWh: number, ecash: number) => `${seller}/${buyer}/${energyWh}/${ecash}`;
  let hostRadio: { send(bytes: Uint8Array): boolean } | null = null;

  // A federation's gateways share the channel; each takes the offloads of every N-th member.
  const federatedAs = (index: number): GatewayFederation | null => federation === null ? null : {
    serves: (member) => (member === 0 ? index === 0 : (member - 1) % aggregatorCount === index),
    submit: (bytes) => federation.submit(index, bytes),
  };
  // On the radio one transmission reaches every EV: a frame for both sides of a match goes on air once
  // (the host's gateways share one radio).
  let lastAired = { atMs: -1, hex: '' };
  const newGateway = (entry: Aggregator, index: number) => new Gateway(entry, TOKENS_REQUIRED, (member, frame) => {
    if (options.link === 'lora') {
      const hex = Buffer.from(frame).toString('hex');
      if (lastAired.atMs === world.nowMs && lastAired.hex === hex) return;
      lastAired = { atMs: world.nowMs, hex };
      (hostRadio as { send(bytes: Uint8Array): boolean }).send(frame);
    }
    else for (const endpoint of endpoints) if (member === 'all' || endpoint.member === member) endpoint.send(frame);
  }, {
    stored: (id, issuer, kind) => {
      records.push({ id, issuer, kind, atMs: world.nowMs });
      stageLog.recordStored(id, world.nowMs);
    },
    heard: (frame) => stageLog.heard(frame, world.nowMs),
    rejected: (code, issuer) => {
      if (attacker && issuer === memberCount) {
        attackerRejected++;
        const issuedAt = attackerIssued.get(code === 'CONFLICT_DOUBLE_SPEND' ? 'conflict' : '');
        if (issuedAt !== undefined) conflictResolvedMs.push(world.nowMs - issuedAt);
      }
    },
    matched: (match) => {
      matchTimes.set(matchKey(match.seller, match.buyer, match.energyWh, match.ecash), world.nowMs);
      stageLog.matched(matchKey(match.seller, match.buyer, match.energyWh, match.ecash), world.nowMs);
    },
    committed: (trade) => {
      const key = matchKey(trade.seller, trade.buyer, trade.energyWh, trade.ecash);
      const at = matchTimes.get(key);
      if (at === undefined) return;
      commitLatencies.push(world.nowMs - at);
      const [sold, bought] = [entry.record(trade.soldId), entry.record(trade.boughtId)];
      if (sold === undefined || bought === undefined) stageLog.notFollowed.push({ key, match_ms: at, commit_ms: world.nowMs });
      else stageLog.committed(key, at, world.nowMs, { id: trade.soldId, issuer: sold.issuer, seq: sold.seq }, { id: trade.boughtId, issuer: bought.issuer, seq: bought.seq });
    },
  }, federatedAs(index));
  const gateways = (federation?.aggregators ?? [aggregator]).map(newGateway);
  const gateway = gateways[0];
  const hear = (frame: Uint8Array) => gateways.map((entry) => entry.receive(frame)).includes(true);

  /** A frame from an EV: the gateway hears it, and on the UART star relays it to the other EVs. */
  function fromEndpoint(member: number, frame: Uint8Array): void {
    frameLog.push({ member, atMs: world.nowMs, airtimeMs: airtimeMs(frame.length, EU868_DEFAULT) });
    const consumed = hear(frame);
    if (options.link === 'uart' && !consumed) for (const endpoint of endpoints) if (endpoint.member !== member) endpoint.send(frame);
  }
  if (options.link === 'lora') {
    // The gateway's radio on the EU868 g3 sub-band, where the duty cycle is 10 %.
    hostRadio = world.addHostRadio((bytes) => void hear(bytes), 10);
  }

  // ---- the boards
  const vehicles: Vehicle[] = [];
  const boards: { board: EmulatedBoard; kind: BoardKind }[] = [];
  const encode = (text: string) => new TextEncoder().encode(text);
  for (let index = 0; index < options.evs; index++) {
    const kind = options.boards[index % options.boards.length];
    const spec = loadBoard(kind);
    const json = provisioned.boards[index].json;
    const member = provisioned.boards[index].member;
    const emulated = emulatedBoardOptions(spec);
    const generic = emulated.profile === 'emulator';
    const board = world.addBoard({
      name: `ev${member}-${kind}`, ...emulated,
      files: generic ? {} : { [provisionFileName(emulated.profile)]: encode(json) },
      config: generic ? json : undefined, links: generic ? 1 : undefined,
    }, options.link === 'lora' && !generic ? `dist/${kind}/firmware-lora.js` : `dist/${kind}/firmware.js`);
    boards.push({ board, kind });
    if (options.link === 'uart' && generic) {
      // The generic board's link carries whole frames, so its cable needs no UART framing.
      world.connectHost(board, 0, (frame) => fromEndpoint(member, frame));
      endpoints.push({ member, send: (frame) => world.inject(board, 0, frame.slice(), 'frame', (frame.length * 10 * 1000) / 115200) });
    } else if (options.link === 'uart') {
      const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => fromEndpoint(member, payload));
      const cable = world.connectHost(board, spec.uart.port as number, (bytes) => deframer.push(bytes), spec.uart.baud as number);
      endpoints.push({ member, send: (frame) => cable.send(encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX)) });
    }
    vehicles.push(newVehicle(member, kind, (expression) => board.evaluate(expression)));
  }
  // The LoRa radio is link 1 of the pico and esp32 LoRa variants and the only link of the generic board.
  if (options.link === 'lora') {
    world.connectLora(boards.map((entry) => ({ board: entry.board, link: entry.kind === 'emulator' ? 0 : 1 })));
    world.packetKind = frameKind;
  }

  function newVehicle(member: number, board: Vehicle['board'], call: (expression: string) => string): Vehicle {
    const capacityWh = 40000 + Math.floor(random() * 40000);
    return {
      member, board, capacityWh, socWh: Math.floor(capacityWh * (0.2 + random() * 0.7)), state: 'idle', askPerWh: 0.2 + random() * 0.1,
      bidPerWh: 0.25 + random() * 0.15, call, energySeries: [], ecashSeries: [], stageSinceMs: 0, lastStage: 'idle',
    };
  }

  // ---- attackers: a host-class light node with a registered member's key, on the same channel
  let attackNode: FullLightNode | null = null;
  let attackSeq = 1000;
  let attackSend: (frame: Uint8Array) => void = () => undefined;
  const sendAttack = (frame: Uint8Array) => attackSend(frame);
  if (attacker) {
    const entry = provisioned.boards[memberCount - 1];
    const store = new MemoryStore();
    const link: Link = { name: 'attacker', frameBytesMax: FRAME_BYTES_MAX, send: (frame) => (sendAttack(frame), true) };
    const platform: Platform = {
      board: 'host', nowMs: () => world.nowMs, wallClockMs: wallMs, randomBytes: (count) => Uint8Array.from({ length: count }, () => Math.floor(random() * 256)),
      storage: store, links: [link], log: () => undefined, heapUsedBytes: () => 0, feedWatchdog: () => undefined,
      crypto: hostCrypto,
    };
    attackNode = createNode(platform, {
      memberId: entry.member, seed: entry.seed, publicKey: entry.publicKey, tokenKey: tokenKeyFor(EMULATED_CONSORTIUM_SEED, entry.member), heapBytesBudget: 1000000, consortiumPublicKey: provisioned.consortiumPublicKey,
      aggregatorPublicKey: aggregator.aggregatorPublicKey, tokensRequired: TOKENS_REQUIRED, slotMs: SLOT_MS,
      members: provisioned.boards.map((board) => ({ id: board.member, publicKey: board.publicKey, balance: BALANCE })),
    });
    const trader = createTrader(attackNode, () => world.nowMs);
    attackNode.trade = trader;
    const node = attackNode;
    vehicles.push(newVehicle(entry.member, 'host', (expression) => String(new Function('smartchain', `return JSON.stringify(${expression})`)(node))));
    if (options.link === 'lora') {
      const radio = world.addHostRadio((bytes) => node.receive(0, bytes), 1);
      endpoints.push({ member: entry.member, send: () => undefined });
      attackSend = (frame) => {
        radio.send(frame);
      };
    } else {
      endpoints.push({ member: entry.member, send: (frame) => node.receive(0, frame) });
      attackSend = (frame) => fromEndpoint(entry.member, frame);
    }
  }

  // ---- spam: a transmitter that ignores the duty cycle and sends garbage and malformed frames
  let spamRadio: { send(bytes: Uint8Array): boolean } | null = null;
  if (options.attack === 'spam' && options.link === 'lora') spamRadio = world.addHostRadio(() => undefined, 100);
  function spam(): void {
    const length = 1 + Math.floor(random() * 60);
    const garbage = Uint8Array.from({ length }, () => Math.floor(random() * 256));
    if (spamRadio !== null) spamRadio.send(garbage);
    else for (const endpoint of endpoints) if (endpoint.member <= options.evs) endpoint.send(garbage);
  }

  /**
   * The Sybil member: two records in each slot it attacks, with forged tokens (two real members named as
   * granters, random MACs) until it has a real record of its own, then replaying that record's tokens.
   */
  let sybilTokens: { seq: number; slot: number; granters: number[]; macs: Uint8Array[] } | null = null;
  function sybil(): void {
    const entry = provisioned.boards[memberCount - 1];
    const key = signingKey(Buffer.from(entry.seed));
    const tokens = sybilTokens ?? {
      seq: 0, slot: slotOf(wallMs(), SLOT_MS), granters: [1, 2], macs: [0, 1].map(() => Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256))),
    };
    for (let copy = 0; copy < 2; copy++) {
      const record: LedgerRecord = {
        kind: KIND_OFFER, issuer: entry.member, seq: attackSeq++, timeMs: wallMs(), parents: aggregator.selectCaps(), pot: tokens.granters, energyWh: 1000, ecash: 300,
      };
      const payload = encodePayload(record);
      const signature = signHost(bytesToSign(payload), key);
      sendAttack(encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, signature, []) }));
      // Offloaded as a board stores it: the record with its tokens, in parts.
      const attached = tokens.granters.map((granter, index) => encodeToken({ granter, requester: entry.member, seq: record.seq, slot: tokens.slot, mac: tokens.macs[index] }));
      for (const frame of offloadFrames(entry.member, recordId(payload, signature), encodeRecord(payload, signature, attached))) sendAttack(encodeFrame(frame));
    }
  }

  // Board validation latency: sampled from each board's stats whenever it has finished another record.
  const validationSamples: number[] = [];
  const validationsSeen = new Map<EmulatedBoard, number>();
  const validationByBoard = new Map<string, number[]>();
  function sampleValidation(): void {
    for (const { board } of boards) {
      const stats = board.stats() as Record<string, number>;
      if ((stats.validations_timed ?? 0) > (validationsSeen.get(board) ?? 0)) {
        validationSamples.push(stats.validation_ms_last);
        const kind = board.name.slice(board.name.indexOf('-') + 1);
        validationByBoard.set(kind, [...(validationByBoard.get(kind) ?? []), stats.validation_ms_last]);
      }
      validationsSeen.set(board, stats.validations_timed ?? 0);
    }
  }

  // ---- the vehicles
  let doubleSpendsAttempted = 0;
  let doubleSpendDone = false;
  const deliveries: { atMs: number; key: string; buyer: Vehicle; seller: Vehicle | undefined; energyWh: number; deliveredWh: number }[] = [];
  const seenMatches = new Set<string>();
  function driveVehicles(): void {
    for (const vehicle of vehicles) {
      // Every other EV mostly charges (a home with solar panels: a seller), the rest mostly drive (commuters:
      // buyers), so both sides of the market stay filled.
      const roll = random();
      const charges = vehicle.member % 2 === 1 ? 0.2 : 0.05;
      if (vehicle.state === 'idle') vehicle.state = roll < charges ? 'charging' : roll < 0.25 ? 'discharging' : 'idle';
      else if (roll < 0.2) vehicle.state = 'idle';
      const stepWh = (VEHICLE_MS / 3600000) * (vehicle.state === 'charging' ? 7400 : vehicle.state === 'discharging' ? -9000 : 0);
      vehicle.socWh = Math.max(0, Math.min(vehicle.capacityWh, vehicle.socWh + stepWh));
      const answer = vehicle.call('(function (s) { return [s.stage, s.counterparty, s.energyWh, s.ecash]; })(smartchain.trade.state())').split('\n').pop() as string;
      const [stage, counterparty, energy, ecash] = JSON.parse(answer) as [string, number, number, number];
      const trade = { counterparty, energyWh: energy, ecash };
      if (stage !== vehicle.lastStage) {
        vehicle.lastStage = stage;
        vehicle.stageSinceMs = world.nowMs;
      }
      if (stage === 'buying') {
        const key = `${vehicle.member}/${trade.counterparty}/${trade.energyWh}/${trade.ecash}/${vehicle.stageSinceMs}`;
        if (!seenMatches.has(key)) {
          seenMatches.add(key);
          const energyWh = trade.energyWh as number;
          // One transfer in twenty is cut short (the cable pulled, a fault): the buyer must not pay for it.
          const deliveredWh = random() < 0.05 ? Math.floor(energyWh * random()) : energyWh;
          const transfer = matchKey(trade.counterparty, vehicle.member, energyWh, trade.ecash);
          stageLog.transferStarted(transfer, world.nowMs);
          deliveries.push({ atMs: world.nowMs + (energyWh / TRANSFER_W) * 3600000, key: transfer, buyer: vehicle, seller: vehicles.find((other) => other.member === trade.counterparty), energyWh, deliveredWh });
        }
      }
      // The Sybil member issues on its own schedule; the double spender buys once, then attacks.
      const isAttacker = attacker && vehicle.member === memberCount;
      if (stage !== 'idle' || (isAttacker && (options.attack === 'sybil' || doubleSpendDone || (attackNode?.trade?.stats().trades_bought ?? 0) > 0))) continue;
      // An EV stays in the market: above half charge (not charging) it offers, at or below it bids. EVs that issued
      // nothing would never approve anyone's trade, and a commit needs records from most of the members.
      const fraction = vehicle.socWh / vehicle.capacityWh;
      if (fraction > 0.5 && vehicle.state !== 'charging' && random() < 0.3) {
        const energyWh = Math.max(LOT_WH_MIN, Math.min(LOT_WH_MAX, Math.floor((vehicle.socWh - 0.5 * vehicle.capacityWh) / 100) * 100));
        vehicle.call(`smartchain.trade.offer(${energyWh}, ${Math.round(energyWh * vehicle.askPerWh)})`);
      } else if ((fraction <= 0.5 || isAttacker) && random() < 0.3) {
        const energyWh = Math.max(LOT_WH_MIN, Math.min(LOT_WH_MAX, Math.floor((0.6 * vehicle.capacityWh - vehicle.socWh) / 100) * 100));
        vehicle.call(`smartchain.trade.demand(${energyWh}, ${Math.round(energyWh * vehicle.bidPerWh)})`);
      }
    }
  }

  // ---- run
  /** Host milliseconds outside the world's run: the aggregator's auctions, the vehicles' calls into their boards. */
  const hostMs = { auctions: 0, vehicles: 0 };
  const timed = (into: 'auctions' | 'vehicles', work: () => void) => {
    const started = performance.now();
    work();
    hostMs[into] += performance.now() - started;
  };
  const heapMeasureHostMs = () => world.boards.reduce((total, board) => total + board.heapMeasureHostMs, 0);
  /** What booting the boards spent measuring their heaps, left out of the run's figure. */
  const heapMeasureBootMs = heapMeasureHostMs();
  let nextSample = 0;
  let nextAuction = AUCTION_MS;
  let nextVehicles = VEHICLE_MS;
  let lastSybilSlot = -1;
  while (world.nowMs < options.durationMs) {
    world.run(STEP_MS);
    if (attackNode !== null) for (let ticks = 0; ticks < 4; ticks++) {
      attackNode.tick(world.nowMs);
      attackNode.trade?.tick(world.nowMs);
    }
    timed('vehicles', () => {
      for (const delivery of deliveries.splice(0).filter((entry) => {
        if (entry.atMs > world.nowMs) return true;
        entry.buyer.call(`smartchain.trade.energyDelivered(${entry.deliveredWh})`);
        stageLog.transferEnded(entry.key, world.nowMs);
        entry.buyer.socWh = Math.min(entry.buyer.capacityWh, entry.buyer.socWh + entry.deliveredWh);
        if (entry.seller) entry.seller.socWh = Math.max(0, entry.seller.socWh - entry.deliveredWh);
        return false;
      })) deliveries.push(delivery);
      if (world.nowMs >= nextVehicles) {
        nextVehicles += VEHICLE_MS;
        driveVehicles();
        sampleValidation();
      }
    });
    if (world.nowMs >= nextAuction) {
      nextAuction += AUCTION_MS;
      // In a federation one aggregator at a time runs the rounds (elected through the cluster).
      timed('auctions', () => gateways[federation?.auctioneer() ?? 0]?.auction());
    }
    if (options.attack === 'spam' && random() < 0.2) spam();
    if (options.attack === 'sybil' && attackNode !== null) {
      const slot = slotOf(wallMs(), SLOT_MS);
      if (sybilTokens === null && attackNode.stats().records_issued === 0 && attackNode.stats().pending === 0) attackNode.requestIssue({ kind: KIND_OFFER, energyWh: 1000, ecash: 300 });
      if (sybilTokens === null && attackNode.stats().records_issued === 1) {
        // The tokens of its honest record: the ones the aggregator stored with it.
        const own = records.find((record) => record.issuer === memberCount);
        const stored = own ? aggregator.record(own.id) : undefined;
        if (stored) sybilTokens = tokensOf(stored.raw, slotOf(stored.time_ms, SLOT_MS));
      }
      if (slot !== lastSybilSlot && random() < 0.5) {
        lastSybilSlot = slot;
        sybil();
      }
    }
    if (options.attack === 'double-spend' && attackNode !== null && !doubleSpendDone && attackNode.trade !== undefined && attackNode.trade.stats().trades_bought === 1) {
      // The buyer has issued its bought record; it now issues a second one for the same sold record.
      const state = attackNode.trade.state();
      const balance = BALANCE;
      if (attackNode.requestIssue({ kind: KIND_BOUGHT, energyWh: state.energyWh, ecash: Math.max(state.ecash, balance - state.ecash + 1), counterparty: state.counterparty, ref: state.ref as Uint8Array })) {
        doubleSpendDone = true;
        doubleSpendsAttempted++;
        attackerIssued.set('conflict', world.nowMs);
      }
    }
    if (world.nowMs >= nextSample) {
      nextSample += SAMPLE_MS;
      const stats = aggregator.stats();
      recordSeries.push([world.nowMs, stats.records]);
      tradeSeries.push([world.nowMs, stats.trades_committed]);
      for (const vehicle of vehicles) {
        vehicle.energySeries.push([world.nowMs, vehicle.socWh]);
        vehicle.ecashSeries.push([world.nowMs, aggregator.member(vehicle.member)?.balance ?? 0]);
      }
    }
    // Simulated time waits for the federation's answers to what this step submitted.
    if (federation !== null) await Promise.all(gateways.map((entry) => entry.idle()));
    const stats = aggregator.stats();
    options.progress?.({ simMs: world.nowMs, durationMs: options.durationMs, records: stats.records, trades: stats.trades_committed });
  }

  // ---- the summary (a federation's aggregators first apply everything committed)
  await federation?.converge();
  const stats = aggregator.stats();
  const boardStats = boards.map((entry) => ({ kind: entry.kind, board: entry.board, stats: entry.board.stats() as Record<string, number>, trade: JSON.parse(entry.board.evaluate('smartchain.trade.stats()') || '{}') as Record<string, number> }));
  const failed: Record<string, number> = {};
  for (const entry of boardStats) for (const [name, value] of Object.entries(entry.trade)) if (name.startsWith('failed_')) failed[name.slice(7)] = (failed[name.slice(7)] ?? 0) + value;
  const sum = (name: string) => boardStats.reduce((total, entry) => total + (entry.stats[name] ?? 0), 0);
  const heapPeak = (kind: string) => Math.max(0, ...boardStats.filter((entry) => entry.kind === kind).map((entry) => entry.board.heapPeakBytes));
  const tradeRows = aggregator.trades(100000) as { sold_id: string; bought_id: string; seller: number; buyer: number }[];
  const approvals = aggregator.db.prepare(
    `SELECT r.id, r.received_ms AS received, (SELECT MIN(c.received_ms) FROM edges e JOIN records c ON c.id = e.child WHERE e.parent = r.id) AS approved
     FROM records r WHERE r.kind != 1`,
  ).all() as { id: Buffer; received: number; approved: number | null }[];
  const endMs = wallMs();
  const capAges = approvals.map((row) => (row.approved ?? endMs) - row.received);
  const starvationMs = 30 * 60000;
  // From the buyer's bought record (issued once the energy is metered) to the commit: the ledger's own
  // latency, without the transfer (1 to 8 kWh at 11 kW: 5 to 44 minutes) that match-to-commit includes.
  const afterDelivery = (aggregator.db.prepare('SELECT t.committed_ms - r.received_ms AS ms FROM trades t JOIN records r ON r.id = t.bought_id').all() as { ms: number }[]).map((row) => row.ms);
  const attackerBought = attacker ? (aggregator.db.prepare('SELECT COUNT(*) AS n FROM trades WHERE buyer = ?').get(memberCount) as { n: number }).n : 0;
  const frames: RadioFrames = options.link === 'lora'
    ? {
      sent: world.stats.radio_sent, delivered: world.stats.radio_delivered, lost: world.stats.radio_lost, collided: world.stats.radio_collided,
      lost_board_busy: world.radioFramesOverwritten(), lost_board_busy_by_kind: world.radioFramesOverwrittenByKind(), refused_duty_cycle: world.stats.radio_refused_duty_cycle,
      cad_checks: world.stats.radio_cad, cad_busy: world.stats.radio_cad_busy, gateway_backoffs: world.stats.radio_host_backoffs,
    }
    : { sent: frameLog.length, delivered: frameLog.length, lost: world.stats.uart_bytes_lost, collided: 0, lost_board_busy: 0, lost_board_busy_by_kind: {}, refused_duty_cycle: 0, cad_checks: 0, cad_busy: 0, gateway_backoffs: 0 };
  // Receptions destroyed by an overlap, against every reception the medium carried (intact or not).
  const receptions = frames.delivered + frames.collided;
  const airtimeTotal = options.link === 'lora' ? world.stats.radio_airtime_ms : frameLog.filter((entry) => entry.member <= options.evs).reduce((total, entry) => total + entry.airtimeMs, 0);
  const summary = {
    evs: options.evs,
    aggregators: aggregatorCount,
    aggregator_digests: federation?.digests() ?? [stateDigest(aggregator.db)],
    link: options.link,
    attack: options.attack,
    seed: options.seed,
    duration_ms: options.durationMs,
    records_total: stats.records,
    trades_committed: stats.trades_committed,
    trades_failed: failed,
    matches_followed_up: { matches_repeated: gateways.reduce((total, entry) => total + entry.matchesRepeated, 0), sold_records_resent: gateways.reduce((total, entry) => total + entry.soldRecordsResent, 0) },
    ecash_total_start: ecashStart,
    ecash_total_end: stats.ecash_total,
    double_spends_attempted: doubleSpendsAttempted,
    double_spends_confirmed: attackerBought > 1 ? attackerBought - 1 : 0,
    sybil_records_rejected: options.attack === 'sybil' ? attackerRejected + sum('rejected_POT_SLOT_REUSED') + sum('rejected_TOKEN_NOT_GRANTED') : 0,
    spam_frames_rejected: options.attack === 'spam' ? sum('frames_rejected') + gateway.framesRejected : 0,
    frames_rejected: sum('frames_rejected') + gateway.framesRejected,
    commit_latency_ms: percentiles(commitLatencies),
    commit_after_delivery_ms: percentiles(afterDelivery),
    trade_stages_ms: stageLog.summary(),
    validation_latency_board_ms: (({ p50, p95 }) => ({ p50, p95 }))(percentiles(validationSamples)),
    board_heap_peak_bytes: { pico: heapPeak('pico'), 'pico-stock': heapPeak('pico-stock'), esp32: heapPeak('esp32') },
    airtime_ms_per_trade: stats.trades_committed > 0 ? Math.round(airtimeTotal / stats.trades_committed) : null,
    duty_cycle_max_percent: options.link === 'lora' ? round(world.dutyCycleMaxPercent(), 3) : round(uartDutyEquivalent(frameLog, options.evs), 3),
    radio_frames: frames,
    collision_percent: receptions > 0 ? round((100 * frames.collided) / receptions, 2) : 0,
    collision_percent_by_hour: world.radioByHour.map((hour) => (hour.delivered + hour.collided > 0 ? round((100 * hour.collided) / (hour.delivered + hour.collided), 2) : 0)),
    radio_by_frame: Object.fromEntries(Object.entries(world.radioByKind).sort((left, right) => right[1].airtime_ms - left[1].airtime_ms)
      .map(([name, kind]) => [name, { sent: kind.sent, airtime_s: round(kind.airtime_ms / 1000, 1), collided: kind.collided }])),
    trades_per_ev_per_4h: round(stats.trades_committed / options.evs / (options.durationMs / (4 * 3600000)), 3),
    duty_cycle_percent_by_board: options.link === 'lora' ? world.dutyCyclePerBoard() : {},
    board_kinds: boardKindTable(boardStats, validationByBoard),
    records_never_approved: approvals.filter((row) => row.approved === null && endMs - row.received > starvationMs).length,
    cap_age_max_ms: capAges.length ? Math.max(...capAges) : 0,
    conflicts_resolved_ms_max: conflictResolvedMs.length ? Math.max(...conflictResolvedMs) : null,
    deadlocks: vehicles.filter((vehicle) => vehicle.lastStage !== 'idle' && world.nowMs - vehicle.stageSinceMs > 2 * 4 * 3600000).length,
    // Where the EVs' trades stand at the end (the harness reads each EV's stage every VEHICLE_MS): a market
    // whose every EV waits on a demand, with no seller left, shows here.
    ev_trade_stages_at_end: vehicles.reduce((all: Record<string, number>, vehicle) => {
      all[vehicle.lastStage] = (all[vehicle.lastStage] ?? 0) + 1;
      return all;
    }, {}),
    board_resets: boards.reduce((total, entry) => total + entry.board.resets, 0),
    board_uart_overflow_bytes: boards.reduce((total, entry) => total + entry.board.uartOverflowBytes, 0),
    board_rejections: boardStats.reduce((all: Record<string, number>, entry) => {
      for (const [name, count] of Object.entries(entry.stats)) if (name.startsWith('rejected_') && count > 0) all[name.slice(9)] = (all[name.slice(9)] ?? 0) + count;
      return all;
    }, {}),
    aggregator_rejections: gateways.reduce((all: Record<string, number>, entry) => {
      for (const [code, count] of Object.entries(entry.rejections)) all[code] = (all[code] ?? 0) + count;
      return all;
    }, {}),
    wall_ms: Date.now() - started,
    // Where the host's time went (performance.now): the emulated boards (their calls from the world's
    // event loop and the vehicles' calls into them), the radio medium and cables (routing, collisions),
    // the aggregator with its gateways (frames received, auctions, what they send); of the boards' time,
    // what measuring their heaps after calls took once running (QuickJS walks every object: docs/emulator.md "Heap").
    host_ms: {
      boards: Math.round(world.hostMs.run - world.hostMs.medium - world.hostMs.hostReceivers + hostMs.vehicles),
      boards_heap_measurement: Math.round(heapMeasureHostMs() - heapMeasureBootMs),
      radio_medium: Math.round(world.hostMs.medium),
      aggregator: Math.round(world.hostMs.hostReceivers + hostMs.auctions),
    },
  };
  const detail = {
    recordSeries, tradeSeries, commitLatencies, tradeStages: stageLog.rows, tradesNotFollowed: stageLog.notFollowed,
    vehicles: vehicles.map((vehicle) => ({ member: vehicle.member, board: vehicle.board, energy: vehicle.energySeries, ecash: vehicle.ecashSeries })),
    dag: lastRecords(aggregator, 40),
    trades: tradeRows,
    boards: boardStats.map((entry) => ({ name: entry.board.name, heap_peak_bytes: entry.board.heapPeakBytes, resets: entry.board.resets, log: entry.board.log.slice(-5), stats: entry.stats, trade: entry.trade })),
  };
  if (federation !== null) await federation.close();
  else aggregator.close();
  return { summary, detail };

}

/** Per board kind: how many, heap peak against budget, validation latency, records issued, resets. */
function boardKindTable(entries: { kind: BoardKind; board: EmulatedBoard; stats: Record<string, number> }[], validation: Map<string, number[]>) {
  const table: Record<string, Record<string, number | null>> = {};
  for (const kind of [...new Set(entries.map((entry) => entry.kind))]) {
    const mine = entries.filter((entry) => entry.kind === kind);
    const latency = percentiles(validation.get(kind) ?? []);
    table[kind] = {
      boards: mine.length,
      heap_peak_bytes: Math.max(0, ...mine.map((entry) => entry.board.heapPeakBytes)),
      heap_budget_bytes: loadBoard(kind).heap_bytes_max,
      validation_ms_p50: latency.p50, validation_ms_p95: latency.p95,
      records_issued: mine.reduce((total, entry) => total + (entry.stats.records_issued ?? 0), 0),
      resets: mine.reduce((total, entry) => total + entry.board.resets, 0),
      frames_lost_board_busy: mine.reduce((total, entry) => total + (entry.board.radio?.overwritten ?? 0), 0),
      // Read from the radio but dropped by the node: its inbox was full (firmware/node/inbox.ts).
      frames_dropped_inbox_full: mine.reduce((total, entry) => total + (entry.stats.frames_dropped_inbox_full ?? 0), 0),
    };
  }
  return table;
}

/** The granters and token MACs stored with a record (what a Sybil member would replay). */
function tokensOf(raw: Buffer, slot: number): { seq: number; slot: number; granters: number[]; macs: Uint8Array[] } | null {
  const decoded = decodeRecord(new Uint8Array(raw), RECORD_WITH_TOKENS_BYTES_MAX);
  if (!decoded.ok) return null;
  const tokens = decoded.value.tokens.map((bytes) => decodeToken(bytes)).filter((token) => token.ok).map((token) => (token as { value: Token }).value);
  return { seq: decoded.value.record.seq, slot, granters: tokens.map((token) => token.granter), macs: tokens.map((token) => token.mac) };
}

/** The newest records of the DAG with their parents, for the report's drawing. */
function lastRecords(aggregator: Aggregator, count: number) {
  const rows = aggregator.db.prepare('SELECT id, issuer, kind, time_ms FROM records WHERE kind != 1 ORDER BY rowid DESC LIMIT ?').all(count) as { id: Buffer; issuer: number; kind: number; time_ms: number }[];
  const parents = aggregator.db.prepare('SELECT parent FROM edges WHERE child = ?');
  return rows.reverse().map((row) => ({
    id: row.id.toString('hex'), issuer: row.issuer, kind: row.kind, time_ms: row.time_ms,
    parents: (parents.all(row.id) as { parent: Buffer }[]).map((edge) => edge.parent.toString('hex')),
  }));
}

/** The duty cycle the UART star's traffic would have cost each EV on LoRa at SF7. */
function uartDutyEquivalent(frames: { member: number; atMs: number; airtimeMs: number }[], evs: number): number {
  let max = 0;
  for (let member = 1; member <= evs; member++) {
    max = Math.max(max, slidingHourMaxPercent(frames.filter((frame) => frame.member === member).map((frame): [number, number] => [frame.atMs, frame.airtimeMs])));
  }
  return max;
}

function round(value: number, digits: number): number {
  const scale = Math.pow(10, digits);
  return Math.round(value * scale) / scale;
}
