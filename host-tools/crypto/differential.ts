// Differential testing of the board's sliced fast verification against the aggregator's (node:crypto
// plus the shared policy) on random and mutated signatures: bit-flipped R, S, A or message, random
// keys that are not points, small-order keys. Run: node --import tsx host-tools/crypto/differential.ts N [SEED]
import { signHost, signingKey } from './host-signing';
import { verifyFast } from '../../firmware/crypto/fast-verify';
import { publicKeyFromSeed, verifyHost } from './verify-host';
import { seededRandom } from '../random';


export type DifferentialResult = { cases: number; agreed: number; valid: number; disagreements: string[]; seconds: number; seed: number };

export function runDifferential(cases: number, seed: number): DifferentialResult {
  const random = seededRandom(seed);
  const bytes = (count: number) => Uint8Array.from({ length: count }, () => Math.floor(random() * 256));
  const disagreements: string[] = [];
  let valid = 0;
  const started = Date.now();
  for (let index = 0; index < cases; index++) {
    const keySeed = bytes(32);
    const key = signingKey(keySeed);
    let publicKey = publicKeyFromSeed(keySeed);
    let message = bytes(Math.floor(random() * 200));
    let signature = signHost(message, key);
    const mutation = index % 8;
    const flip = (target: Uint8Array, from: number, to: number) => {
      const copy = target.slice();
      const position = from + Math.floor(random() * (to - from));
      copy[position] ^= 1 << Math.floor(random() * 8);
      return copy;
    };
    if (mutation === 1) signature = flip(signature, 0, 32);
    else if (mutation === 2) signature = flip(signature, 32, 64);
    else if (mutation === 3) publicKey = flip(publicKey, 0, 32);
    else if (mutation === 4 && message.length > 0) message = flip(message, 0, message.length);
    else if (mutation === 5) publicKey = bytes(32);
    else if (mutation === 6) signature = Uint8Array.from([...signature.subarray(0, 32), ...bytes(32)]);
    const expected = verifyHost(message, signature, publicKey);
    const actual = verifyFast(message, signature, publicKey, 64);
    if (expected) valid++;
    if (expected !== actual && disagreements.length < 10) {
      disagreements.push(`case ${index} (mutation ${mutation}): host ${expected}, board ${actual}, key ${Buffer.from(publicKey).toString('hex')}`);
    }
  }
  return { cases, agreed: cases - disagreements.length, valid, disagreements, seconds: (Date.now() - started) / 1000, seed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cases = Number(process.argv[2] ?? 100000);
  const seed = Number(process.argv[3] ?? Date.now() % 2147483647);
  const result = runDifferential(cases, seed);
  console.log(JSON.stringify(result));
  process.exitCode = result.disagreements.length === 0 ? 0 : 1;
}
