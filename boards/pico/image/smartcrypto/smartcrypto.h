/* The smartcrypto core: Ed25519 (RFC 8032 §5.1) and SHA-512 (FIPS 180-4) over byte buffers, with the
 * signature policy the board and the aggregator share (firmware/crypto/policy.ts). No JerryScript here:
 * the same file builds for the host, where the differential tests run under the sanitizers.
 * Callers check lengths first; every pointer given here points at the stated number of bytes. */
#ifndef SMARTCRYPTO_H
#define SMARTCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMARTCRYPTO_HASH_BYTES 64
#define SMARTCRYPTO_SIGNATURE_BYTES 64
#define SMARTCRYPTO_PUBLIC_KEY_BYTES 32
#define SMARTCRYPTO_SEED_BYTES 32
/* tweetnacl's secret key: the 32-byte seed, then the 32-byte public key. */
#define SMARTCRYPTO_SECRET_KEY_BYTES 64
/* The longest message hashed, signed or verified: far above a record or frame, and a named bound. */
#define SMARTCRYPTO_MESSAGE_BYTES_MAX 65536u

/* SHA-512 of length bytes (FIPS 180-4). */
void smartcrypto_sha512(uint8_t hash[SMARTCRYPTO_HASH_BYTES], const uint8_t *message, size_t length);

/* True when S < L, R and A are canonical encodings (y < p), A decodes to a point and
 * [S]B = R + [SHA-512(R || A || M)]A holds as encodings (RFC 8032 §5.1.7). Anything else is false. */
bool smartcrypto_verify(const uint8_t signature[SMARTCRYPTO_SIGNATURE_BYTES], const uint8_t *message, size_t length,
                        const uint8_t public_key[SMARTCRYPTO_PUBLIC_KEY_BYTES]);

/* Deterministic signature (RFC 8032 §5.1.6) with tweetnacl's 64-byte secret key (seed || public key).
 * Constant time in the secret: ref10's fixed-window base multiplication with constant-time table look-ups. */
void smartcrypto_sign(uint8_t signature[SMARTCRYPTO_SIGNATURE_BYTES], const uint8_t *message, size_t length,
                      const uint8_t secret_key[SMARTCRYPTO_SECRET_KEY_BYTES]);

/* The public key of a 32-byte seed (RFC 8032 §5.1.5). */
void smartcrypto_public_key(uint8_t public_key[SMARTCRYPTO_PUBLIC_KEY_BYTES], const uint8_t seed[SMARTCRYPTO_SEED_BYTES]);

/* The shared policy's encoding checks (firmware/crypto/policy.ts), exposed for the tests. */
bool smartcrypto_scalar_is_canonical(const uint8_t scalar[32]);
bool smartcrypto_point_is_canonical(const uint8_t encoding[32]);

#endif /* SMARTCRYPTO_H */
