// A small seeded PRNG (sfc32) for property tests: the seed is printed so a failure can be replayed with
// SMARTCHAIN_SEED=<seed>.
export type Rng = { next(): number; int(min: number, max: number): number; bytes(count: number): Uint8Array; seed: number };

export function createRng(seed: number): Rng {
  let a = seed >>> 0, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  function next(): number {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  for (let index = 0; index < 16; index++) next();
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
