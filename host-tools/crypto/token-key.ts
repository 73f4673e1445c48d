// Token keys (docs/ledger.md), for proof-of-time tokens and offload acknowledgements: each member's key is derived from the consortium's seed
// and the member id, so the aggregator, which holds the consortium seed, checks any member's tokens
// without a table of secrets, and the consortium hands each board its key when it provisions it.
import { hash } from 'node:crypto';
import { TOKEN_KEY_BYTES, keyedMac } from '../../firmware/frames';

/** One-shot SHA-512 (no Hash object per digest: 7 against 11 to 13 µs for 200 bytes, docs/benchmarks.md). */
export function sha512(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha512', bytes, 'buffer'));
}

/** The member's token key: SHA-512("SmartChain token key" || consortium seed || member id, 4 bytes big-endian), first 32 bytes. */
export function tokenKeyFor(consortiumSeed: Uint8Array, member: number): Uint8Array {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(member);
  return sha512(Buffer.concat([Buffer.from('SmartChain token key'), consortiumSeed, id])).slice(0, TOKEN_KEY_BYTES);
}

/** A MAC under a member's token key, on the host (a token's or an acknowledgement's). */
export function macHost(key: Uint8Array, message: Uint8Array): Uint8Array {
  return keyedMac(sha512, key, message);
}
