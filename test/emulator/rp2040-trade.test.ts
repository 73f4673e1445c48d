// Three real-firmware picos (our Kaluma image with smartcrypto, in rp2040js) joined by their UARTs to a
// gateway backed by the real Aggregator on a temporary SQLite file make one full trade: offer and demand,
// the auction's match, sold and bought, two later records that approve them, and the commit at the
// aggregator (the trade row, Ecash moved once and conserved). Prints the board time and the wall time.
// Each board is provisioned through its REPL (/provision.json) with the `pico` bundle stored where
// `kaluma write` puts it; the UART star is the city's (host-tools/sim/city.ts): every frame an EV sends
// reaches the gateway, which relays what it does not consume to the other EVs. Needs ../shared/upstream/.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, KIND_SOLD } from '../../firmware/records';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { Gateway } from '../../host-tools/aggregator/gateway';
import { loadBoard } from '../../host-tools/build/boards';
import { WORLD_EPOCH_MS } from '../../host-tools/emulator/board-state';
import { EMULATED_CONSORTIUM_SEED, provisionBoards } from '../../host-tools/emulator/provision';
import { setBoardClock } from '../../host-tools/emulator/rp2040/board-clock';
import { readImage } from '../../host-tools/emulator/rp2040/image';
import { Rp2040Machine } from '../../host-tools/emulator/rp2040/machine';
import { writeFileThroughRepl } from '../../host-tools/emulator/rp2040/repl-file';
import { ReplSession } from '../../host-tools/emulator/rp2040/repl-session';
import { UartHub } from '../../host-tools/emulator/rp2040/uart-hub';
import { loadBootrom, NATIVE_IMAGE_PATH, upstreamMissing } from '../../host-tools/emulator/rp2040/upstream';
import { seededRandom } from '../../host-tools/random';

const BUNDLE = join('dist', 'pico', 'firmware.js');
const uart = loadBoard('pico').uart as { port: number; baud: number };
/**
 * Proof-of-time slots of 3 s instead of the protocol's 60 s (provisioned slot_ms, as the QuickJS tests
 * shorten them): one record per issuer and slot, and a trade takes three slots (orders, sold and bought,
 * the approvals), so the default would cost hours of wall time at rp2040js's speed.
 */
const SLOT_MS = 3000;
const TOKENS_REQUIRED = 2;
/** A hello, and with it the offload of one pending record, each second instead of each minute (provisioned). */
const HELLO_INTERVAL_MS = 1000;
const BALANCE = 100000;
/** An auction round each second of board time (the city runs one a minute, with 60 s slots). */
const AUCTION_MS = 1000;
/** Board time per turn of the host's loop: the gateway and the vehicles act between turns. */
const STEP_MS = 100;
/** The whole trade, from the first order to the commit, within this much board time. */
const TRADE_BOARD_MS_MAX = 60000;
/** How long a side of the trade may wait for the aggregator's commit report, in board time. */
const REPORT_BOARD_MS_MAX = 5000;
/** Board output kept per board for the failure message. */
const LOG_CHARS_MAX = 16384;
const [SELLER, BUYER, THIRD] = [0, 1, 2];

const missing = upstreamMissing();
if (missing !== null) {
  console.log(`rp2040 three-pico trade test skipped: ${missing}`);
} else if (!existsSync(NATIVE_IMAGE_PATH)) {
  console.log(`rp2040 three-pico trade test skipped: ${NATIVE_IMAGE_PATH} is not built (make image)`);
} else {
  test('three real-firmware picos on a UART star make one full trade that the aggregator commits', async () => {
    const wallStarted = Date.now();
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-rp2040-trade-'));
    const hub = new UartHub();
    const provisioned = provisionBoards(3, seededRandom(12), { balance: BALANCE, tokensRequired: TOKENS_REQUIRED, slotMs: SLOT_MS, helloIntervalMs: HELLO_INTERVAL_MS });
    const aggregator = new Aggregator({
      dbPath: join(directory, 'aggregator.sqlite'), consortiumSeed: EMULATED_CONSORTIUM_SEED, aggregatorSeed: provisioned.aggregatorSeed,
      tokensRequired: TOKENS_REQUIRED, slotMs: SLOT_MS, now: () => WORLD_EPOCH_MS + hub.nowNanos / 1e6, random: seededRandom(13), surplusEnergyWh: 0,
    });
    try {
      for (const entry of provisioned.boards) {
        const added = aggregator.addMember(entry.publicKey, BALANCE);
        assert.ok(added.ok && added.id === entry.member, `member ${entry.member} registered`);
      }
      const ecashStart = aggregator.stats().ecash_total;

      // Each board alone: the prompt, /provision.json through the REPL, the bundle in flash.
      const image = readImage(NATIVE_IMAGE_PATH);
      const bootrom = loadBootrom();
      const machines = provisioned.boards.map((entry) => new Rp2040Machine({ name: `pico${entry.member}`, image, bootrom }));
      for (const [index, machine] of machines.entries()) {
        const session = new ReplSession(machine);
        session.type('\r');
        await session.waitFor(/> /, 2000);
        await writeFileThroughRepl(session, '/provision.json', provisioned.boards[index].json);
        machine.storeProgram(readFileSync(BUNDLE, 'utf8'));
      }
      const provisionedWallS = (Date.now() - wallStarted) / 1000;
      const progress = (what: string) => console.log(`    ${what} at ${(hub.nowNanos / 1e6).toFixed(0)} ms of board time, ${((Date.now() - wallStarted) / 1000).toFixed(0)} s of wall time`);
      progress('provisioned');

      // The star: each board's UART0 to the gateway, which relays what it does not consume to the others.
      const events: { kind: number; id: string; atMs: number }[] = [];
      const commits: { soldId: string; atMs: number }[] = [];
      const cables: { send(bytes: Uint8Array): void }[] = [];
      const toBoard = (index: number, frame: Uint8Array) => cables[index].send(encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX));
      const gateway = new Gateway(aggregator, TOKENS_REQUIRED, (member, frame) => {
        provisioned.boards.forEach((entry, index) => {
          if (member === 'all' || member === entry.member) toBoard(index, frame);
        });
      }, {
        stored: (id, issuer, kind) => {
          events.push({ kind, id, atMs: hub.nowNanos / 1e6 });
          progress(`record of kind ${kind} by member ${issuer} stored`);
        },
        committed: (trade) => commits.push({ soldId: trade.soldId, atMs: hub.nowNanos / 1e6 }),
      });
      machines.forEach((machine, index) => {
        const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => {
          if (gateway.receive(payload)) return;
          for (let other = 0; other < machines.length; other++) if (other !== index) toBoard(other, payload);
        });
        cables.push(hub.connectHost(machine, uart.port, uart.baud, (bytes) => deframer.push(bytes)));
      });

      // Power-up: the stored program runs and the node starts on every board at once.
      const logs = machines.map(() => '');
      const advance = (untilNanos: number, wallMsMax: number) => hub.run(untilNanos, wallMsMax);
      const poweredAtMs = machines.map((machine) => {
        machine.powerCycle();
        return machine.nowMs;
      });
      const sessions = machines.map((machine, index) => new ReplSession(machine, (bytes) => {
        logs[index] = (logs[index] + Buffer.from(bytes).toString('latin1')).slice(-LOG_CHARS_MAX);
      }, advance));
      const failure = () => machines.map((machine, index) => `${machine.name}: ${logs[index].slice(-1500)}`).join('\n');
      for (const [index, session] of sessions.entries()) {
        await session.waitFor(new RegExp(`\\[NODE_STARTED\\] member ${provisioned.boards[index].member} on pico`), 30000);
      }
      const startedMs = hub.nowNanos / 1e6;
      progress('nodes started');
      // Kaluma's RTC (Date.now, the node's wall clock) reads 0 after power-up and keeps whole seconds: the
      // host sets every board's to the hub's time, on a whole second, so the boards' slots agree.
      for (const [index, session] of sessions.entries()) {
        const { set, expected } = await setBoardClock(session, machines[index], poweredAtMs[index]);
        assert.ok(Math.abs(set - expected) < 50, `${machines[index].name}: RTC set to ${set}, hub time ${expected}`);
      }
      // The buyer's vehicle: it meters the whole transfer once matched (the energy itself is not simulated).
      await sessions[BUYER].evaluate("(setInterval(function () { var s = smartchain.trade.state(); if (s.stage === 'buying' && s.deliveredWh < 0) smartchain.trade.energyDelivered(s.energyWh); }, 200), 0)", 3000);

      const tradeStartMs = hub.nowNanos / 1e6;
      const tradeWallStarted = Date.now();
      assert.is(await sessions[SELLER].evaluate('smartchain.trade.offer(5000, 1500)', 3000), 'null');
      assert.is(await sessions[BUYER].evaluate('smartchain.trade.demand(5000, 1600)', 3000), 'null');
      const storedOf = (kind: number) => events.find((event) => event.kind === kind);
      const windowHas = async (index: number, id: string) => (await sessions[index].evaluate(`smartchain.window.find(new Uint8Array([${[...Buffer.from(id, 'hex')].join(',')}]))`, 3000)) !== '-1';
      let nextAuctionMs = tradeStartMs + AUCTION_MS;
      let approvalsAsked = false;
      while (commits.length === 0) {
        const nowMs = hub.nowNanos / 1e6;
        if (nowMs - tradeStartMs > TRADE_BOARD_MS_MAX) assert.unreachable(`no commit within ${TRADE_BOARD_MS_MAX} ms of board time; stored ${JSON.stringify(events)}; gateway rejections ${JSON.stringify(gateway.rejections)}\n${failure()}`);
        hub.run(hub.nowNanos + STEP_MS * 1e6);
        if (hub.nowNanos / 1e6 >= nextAuctionMs) {
          nextAuctionMs += AUCTION_MS;
          gateway.auction();
          if (process.env.TRADE_DEBUG) progress(`auction; rejections ${JSON.stringify(gateway.rejections)}; uart ${hub.stats.uart_bytes}; ${logs.map((log) => JSON.stringify(log.slice(-200))).join(' ')}`);
        }
        // Once the bought record is stored and both other members hold it, each issues a record that
        // approves it (the commit needs a majority of the members' approvals of both sides).
        const bought = storedOf(KIND_BOUGHT);
        if (!approvalsAsked && bought !== undefined && (await windowHas(SELLER, bought.id)) && (await windowHas(THIRD, bought.id))) {
          approvalsAsked = true;
          assert.is(await sessions[SELLER].evaluate('smartchain.trade.offer(1000, 400)', 3000), 'null');
          assert.is(await sessions[THIRD].evaluate('smartchain.trade.offer(1000, 400)', 3000), 'null');
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const tradeBoardMs = commits[0].atMs - tradeStartMs;
      const tradeWallS = (Date.now() - tradeWallStarted) / 1000;

      // The aggregator: one trade row, seller to buyer, whose records are the seller's sold and the buyer's bought.
      const trades = aggregator.trades(10) as { sold_id: string; bought_id: string; seller: number; buyer: number; ecash: number; energy_wh: number }[];
      assert.is(trades.length, 1);
      const [trade] = trades;
      assert.equal([trade.seller, trade.buyer, trade.energy_wh], [provisioned.boards[SELLER].member, provisioned.boards[BUYER].member, 5000]);
      assert.is(trade.sold_id, storedOf(KIND_SOLD)?.id);
      assert.is(trade.bought_id, storedOf(KIND_BOUGHT)?.id);
      assert.ok(storedOf(KIND_OFFER) !== undefined && storedOf(KIND_DEMAND) !== undefined, 'the orders were stored');
      assert.ok(trade.ecash >= 1500 && trade.ecash <= 1600, `price ${trade.ecash} between the ask and the bid`);
      // Ecash moved once, from buyer to seller, and none was made or lost.
      assert.is(aggregator.member(provisioned.boards[SELLER].member)?.balance, BALANCE + trade.ecash);
      assert.is(aggregator.member(provisioned.boards[BUYER].member)?.balance, BALANCE - trade.ecash);
      assert.is(aggregator.member(provisioned.boards[THIRD].member)?.balance, BALANCE);
      assert.is(aggregator.stats().ecash_total, ecashStart);
      assert.equal(gateway.rejections, {}, 'the aggregator refused nothing the boards sent');
      assert.is(hub.stats.uart_bytes_baud_mismatch + hub.stats.uart_bytes_dropped_in_flight, 0);
      // The boards: both sides were told of the commit; none halted, none logged a watchdog or a failed tick.
      // The commit report reaches the boards a few frames after the aggregator commits.
      for (const index of [SELLER, BUYER]) {
        const askedAtMs = hub.nowNanos / 1e6;
        while ((await sessions[index].evaluate('smartchain.trade.stats().trades_committed', 3000)) !== '1') {
          if (hub.nowNanos / 1e6 - askedAtMs > REPORT_BOARD_MS_MAX) assert.unreachable(`${machines[index].name} was not told of the commit within ${REPORT_BOARD_MS_MAX} ms\n${failure()}`);
          hub.run(hub.nowNanos + STEP_MS * 1e6);
        }
      }
      for (const [index, machine] of machines.entries()) {
        assert.is(machine.halted, null, machine.name);
        assert.not.match(logs[index], /WATCHDOG_EXPIRED|TICK_FAILED|NATIVE_CRYPTO_MISSING/, `${machine.name}: ${logs[index].slice(-800)}`);
      }
      const heaps = [];
      for (const session of sessions) heaps.push(JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 5000)) as { heapUsed: number; heapPeak: number });
      const stamp = (kind: number) => ((storedOf(kind)?.atMs ?? Number.NaN) - tradeStartMs).toFixed(0);
      console.log(`  three picos (our image, slots of ${SLOT_MS} ms): nodes started ${(startedMs - Math.max(...poweredAtMs)).toFixed(0)} ms of board time after power-up; `
        + `trade from the first order to the commit ${tradeBoardMs.toFixed(0)} ms of board time in ${tradeWallS.toFixed(1)} s of wall time `
        + `(stored at +ms: offer ${stamp(KIND_OFFER)}, demand ${stamp(KIND_DEMAND)}, sold ${stamp(KIND_SOLD)}, bought ${stamp(KIND_BOUGHT)}); `
        + `heap peaks ${heaps.map((heap) => heap.heapPeak).join(', ')} B; whole test ${((Date.now() - wallStarted) / 1000).toFixed(1)} s of wall time (provisioning ${provisionedWallS.toFixed(1)} s)`);
    } finally {
      aggregator.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
}

test.run();
