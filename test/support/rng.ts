// A small seeded PRNG (sfc32) for property tests: the seed is printed so a failure can be replayed with
// SMARTCHAIN_SEED=<seed>.
import { seededRandom } from '../../host-tools/random';
export type Rng = { next(): number; int(min: number, max: number): number; bytes(count: number): Uint8Array; seed: number };

export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bytes: (count) => Uint8Array.from({ length: count }, () => Math.floor(next() * 256)),
  };
}

/** The seed for this run: SMARTCHAIN_SEED if set, else a fresh one; printed either way. */
export function testSeed(label: string): number {
  const fromEnvironment = process.env.SMARTCHAIN_SEED;
  const seed = fromEnvironment !== undefined ? Number(fromEnvironment) : Math.floor(Math.random() * 2 ** 31);
  console.log(`  ${label}: seed ${seed} (replay with SMARTCHAIN_SEED=${seed})`);
  return seed;
}
