// The generic emulator board: a light node on QuickJS inside the host's board emulator, talking to the
// emulator through its `__board` host object (documented in host-tools/emulator). Provisioning (member
// id, keys of the consortium and aggregator, known members) comes from `__board.config()` as JSON.
import { hexToBytes, startBoard } from '../common/start';
import { slicedCrypto, useSlicedCrypto } from '../common/sliced-crypto';
import type { NodeConfig } from '../../firmware/node-api';
import type { Link, Platform } from '../../firmware/platform';
import { FRAME_BYTES_MAX } from '../../firmware/protocol';

type HostBoard = {
  now_ms(): number;
  wall_ms(): number;
  random_bytes(count: number): Uint8Array;
  storage_read(key: string): Uint8Array | null;
  storage_write(key: string, value: Uint8Array): void;
  storage_remove(key: string): void;
  send(linkIndex: number, frame: Uint8Array): boolean;
  on_frame(callback: (linkIndex: number, frame: Uint8Array) => void): void;
  link_count(): number;
  log(code: string, message: string): void;
  heap_used_bytes(): number;
  feed_watchdog(): void;
  config(): string;
};
type Provisioning = {
  member: number;
  consortium_public_key: string;
  aggregator_public_key: string;
  members: { id: number; public_key: string; balance: number }[];
  heap_bytes_budget: number;
  tick_interval_ms: number;
  tokens_required?: number;
  slot_ms?: number;
  seed?: string;
  token_key: string;
  /** Field operations per crypto slice (default: the node's); small enough to keep a slice under the board's bound. */
  verify_slice_units?: number;
};

declare const __board: HostBoard;
declare function setTimeout(callback: () => void, delayMs: number): unknown;
declare function clearTimeout(timer: unknown): void;

const provisioning = JSON.parse(__board.config()) as Provisioning;
const links: Link[] = [];
for (let index = 0; index < __board.link_count(); index++) {
  links.push({
    name: 'link' + index,
    frameBytesMax: FRAME_BYTES_MAX,
    send: function (frame: Uint8Array): boolean {
      return __board.send(index, frame);
    },
  });
}
const platform: Platform = {
  board: 'emulator',
  nowMs: function () {
    return __board.now_ms();
  },
  wallClockMs: function () {
    return __board.wall_ms();
  },
  randomBytes: function (count: number) {
    return __board.random_bytes(count);
  },
  storage: {
    read: function (key: string) {
      return __board.storage_read(key);
    },
    write: function (key: string, value: Uint8Array) {
      __board.storage_write(key, value);
    },
    remove: function (key: string) {
      __board.storage_remove(key);
    },
  },
  links: links,
  log: function (code: string, message: string) {
    __board.log(code, message);
  },
  heapUsedBytes: function () {
    return __board.heap_used_bytes();
  },
  feedWatchdog: function () {
    __board.feed_watchdog();
  },
  crypto: slicedCrypto,
};
const members = provisioning.members.map(function (member) {
  return { id: member.id, publicKey: hexToBytes(member.public_key), balance: member.balance };
});
const config: NodeConfig = {
  memberId: provisioning.member,
  seed: provisioning.seed !== undefined ? hexToBytes(provisioning.seed) : undefined,
  tokenKey: hexToBytes(provisioning.token_key),
  publicKey: members.filter(function (member) {
    return member.id === provisioning.member;
  }).map(function (member) {
    return member.publicKey;
  })[0],
  heapBytesBudget: provisioning.heap_bytes_budget,
  consortiumPublicKey: hexToBytes(provisioning.consortium_public_key),
  aggregatorPublicKey: hexToBytes(provisioning.aggregator_public_key),
  members: members,
  tokensRequired: provisioning.tokens_required,
  slotMs: provisioning.slot_ms,
};
useSlicedCrypto(config, 4, provisioning.verify_slice_units);
const node = startBoard(platform, config, { setTimeout: setTimeout, clearTimeout: clearTimeout }, provisioning.tick_interval_ms);
__board.on_frame(function (linkIndex: number, frame: Uint8Array) {
  node.receive(linkIndex, frame);
});
(globalThis as unknown as { smartchain: unknown }).smartchain = node;
