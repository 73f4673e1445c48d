// The sliced JS crypto path of a board whose image has no native Ed25519 (docs/ledger.md): the node
// verifies a slice at a time, signs with precomputed nonces and derives its public key in slices, so no
// tick runs a whole point multiplication; the platform's cryptography is then SHA-512 alone
// (slicedCrypto: tweetnacl's, or the runtime's own where it has one). Kept apart from start.ts so that a
// bundle on native crypto carries none of it.
import type { NodeConfig } from '../../firmware/node-api';
import type { BoardCrypto } from '../../firmware/platform';
import { ScalarBaseJob, secretScalar, sha512, startFastVerify } from '../../firmware/crypto/fast-verify';
import { NonceStock } from '../../firmware/crypto/nonces';

/** The platform's cryptography on the sliced path: SHA-512 in JS; signing, keys and verification in slices. */
export const slicedCrypto: BoardCrypto = { sha512: sha512 };

/**
 * The trade-time crypto path of a board (docs/ledger.md): verification a slice of verifySliceUnits
 * field operations at a time, a stock of nonceStock precomputed signing nonces in flash (a signature is
 * then one SHA-512), and a public key not provisioned derived a slice per tick.
 */
export function useSlicedCrypto(config: NodeConfig, nonceStock: number, verifySliceUnits: number | undefined): void {
  config.startVerify = startFastVerify;
  config.createNonceStock = function (store, seed, publicKey, randomBytes) {
    return new NonceStock(store, seed, publicKey, nonceStock, randomBytes);
  };
  config.derivePublicKey = function (seed) {
    return new ScalarBaseJob(secretScalar(seed));
  };
  config.verifySliceUnits = verifySliceUnits;
}
