// Starts a light node and the EV's trader on a board: a guarded tick (a throwing tick is logged with a code
// and the node keeps running), the link handlers feeding the node's bounded inbox, and the board's watchdog
// fed from tick. The tick comes every tick_interval_ms while the node has work, every IDLE_TICK_MS when it
// has none (a parked EV's board sleeps), and at once when a frame arrives; a board may add its own upkeep
// after a tick that did work (the esp32's garbage collection). Shared by every board adapter.
import { createNode, FullLightNode } from '../../firmware/node';
import type { NodeConfig } from '../../firmware/node-api';
import type { Platform } from '../../firmware/platform';
import { createTrader } from '../../firmware/trade';

export type BoardTimers = {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(timer: unknown): void;
};

/** The tick of an idle node: often enough for its timers (hellos, token requests, the trader's checks). */
export const IDLE_TICK_MS = 1000;

export function startBoard(platform: Platform, config: NodeConfig, timers: BoardTimers, tickIntervalMs: number, afterBusyTick?: () => void): FullLightNode {
  const node = createNode(platform, config);
  // The provisioned members now live in the node's member table: their parsed list can go.
  config.members = undefined;
  const trader = createTrader(node, platform.nowMs);
  node.trade = trader;
  let failures = 0;
  let timer: unknown = null;
  let idle = false;
  function run(): void {
    let busy = true;
    try {
      busy = node.tick(platform.nowMs());
      trader.tick(platform.nowMs());
    } catch (error) {
      failures++;
      platform.log('TICK_FAILED', String(error) + ' (' + failures + ')');
    }
    idle = !busy;
    if (busy && afterBusyTick !== undefined) afterBusyTick();
    timer = timers.setTimeout(run, busy ? tickIntervalMs : IDLE_TICK_MS);
  }
  timer = timers.setTimeout(run, tickIntervalMs);
  // A frame wakes an idle node for its next tick.
  const receive = node.receive;
  node.receive = function (linkIndex: number, frame: Uint8Array): void {
    receive(linkIndex, frame);
    if (!idle) return;
    idle = false;
    timers.clearTimeout(timer);
    timer = timers.setTimeout(run, tickIntervalMs);
  };
  platform.log('NODE_STARTED', 'member ' + config.memberId + ' on ' + platform.board);
  return node;
}

/** Hex to bytes for provisioning data baked into a bundle; throws on a malformed constant (a build bug). */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new Error('malformed hex constant');
  const out = new Uint8Array(hex.length / 2);
  for (let index = 0; index < out.length; index++) out[index] = parseInt(hex.substr(index * 2, 2), 16);
  return out;
}
