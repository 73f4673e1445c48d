// Starts a light node and the EV's trader on a board: one guarded tick timer (a throwing callback is logged with a code and
// the node keeps running; Kaluma would otherwise cancel the timer for good), the link handlers feeding the
// node's bounded inbox, and the board's watchdog fed from tick. Shared by every board adapter.
import { createNode, FullLightNode } from '../../firmware/node';
import type { NodeConfig } from '../../firmware/node-api';
import type { Platform } from '../../firmware/platform';
import { createTrader } from '../../firmware/trade';

export type BoardTimers = {
  setInterval(callback: () => void, delayMs: number): unknown;
};

export function startBoard(platform: Platform, config: NodeConfig, timers: BoardTimers, tickIntervalMs: number): FullLightNode {
  const node = createNode(platform, config);
  // The provisioned members now live in the node's member table: their parsed list can go.
  config.members = undefined;
  const trader = createTrader(node, platform.nowMs);
  node.trade = trader;
  let failures = 0;
  timers.setInterval(function () {
    try {
      node.tick(platform.nowMs());
      trader.tick(platform.nowMs());
    } catch (error) {
      failures++;
      platform.log('TICK_FAILED', String(error) + ' (' + failures + ')');
    }
  }, tickIntervalMs);
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
