// The host tools' one source of chance: sfc32, small, fast and seedable, so a run is replayed exactly
// from its seed (simulations, the emulator's world, load generation, property tests).
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let index = 0; index < 16; index++) next();
  return next;
}
