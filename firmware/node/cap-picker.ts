// Cap selection for the node (paper IV.D): the weighted walk over the window, its randomness an
// xorshift32 seeded from the board's entropy at boot (cap selection needs spread, not secrecy).
import { CapWalk, selectCaps } from '../ledger/caps';
import type { RecordWindow } from '../ledger/window';

/** Returns a picker of two caps (null when the window has none), drawing from `randomState`; `poll` runs between the walk's steps. */
export function createCapPicker(window: RecordWindow, alpha: number, randomState: number, poll: () => void): () => Uint8Array[] | null {
  const walk = new CapWalk(window.capacity, poll);
  let random = randomState;
  function nextRandom(): number {
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) / 4294967296;
  }
  return function pickCaps(): Uint8Array[] | null {
    return selectCaps(window, walk, alpha, nextRandom);
  };
}
