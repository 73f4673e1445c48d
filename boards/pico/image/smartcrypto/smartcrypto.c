/* The smartcrypto core: the shared signature policy in front of orlp's portable ref10 Ed25519 and
 * SHA-512 (npm ed25519-supercop 2.0.1, vendor/ed25519/src, zlib licence), which does not check S < L
 * (RFC 8032 §5.1.7 requires it) nor canonical encodings: both are checked here, before any curve work. */
#include "smartcrypto.h"

#include "ed25519.h"
#include "sha512.h"

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 §5.1). */
static const uint8_t GROUP_ORDER_L[32] = {
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* Secrets leave the stack zeroed; volatile so the stores are not optimised away. */
static void wipe(void *buffer, size_t length) {
  volatile uint8_t *bytes = (volatile uint8_t *)buffer;
  for (size_t index = 0; index < length; index++) bytes[index] = 0;
}

bool smartcrypto_scalar_is_canonical(const uint8_t scalar[32]) {
  /* Little-endian comparison from the top byte: S < L. Public data, so early exit is fine. */
  for (int index = 31; index >= 0; index--) {
    if (scalar[index] < GROUP_ORDER_L[index]) return true;
    if (scalar[index] > GROUP_ORDER_L[index]) return false;
  }
  return false;
}

bool smartcrypto_point_is_canonical(const uint8_t encoding[32]) {
  /* y >= p = 2^255 - 19 exactly when the top byte (sign bit cleared) is 0x7f, bytes 30..1 are 0xff
   * and byte 0 is at least 0xed (RFC 8032 §5.1.3 step 1 rejects those). */
  if ((encoding[31] & 0x7f) != 0x7f) return true;
  for (int index = 30; index >= 1; index--) {
    if (encoding[index] != 0xff) return true;
  }
  return encoding[0] < 0xed;
}

void smartcrypto_sha512(uint8_t hash[SMARTCRYPTO_HASH_BYTES], const uint8_t *message, size_t length) {
  sha512(message, length, hash);
}

bool smartcrypto_verify(const uint8_t signature[SMARTCRYPTO_SIGNATURE_BYTES], const uint8_t *message, size_t length,
                        const uint8_t public_key[SMARTCRYPTO_PUBLIC_KEY_BYTES]) {
  if (!smartcrypto_scalar_is_canonical(signature + 32)) return false;
  if (!smartcrypto_point_is_canonical(signature)) return false;
  if (!smartcrypto_point_is_canonical(public_key)) return false;
  /* ed25519_verify decodes A (a non-square x^2 is a failure), computes [S]B - [k]A and compares its
   * encoding with R byte for byte, as OpenSSL does. */
  return ed25519_verify(signature, message, length, public_key) == 1;
}

void smartcrypto_sign(uint8_t signature[SMARTCRYPTO_SIGNATURE_BYTES], const uint8_t *message, size_t length,
                      const uint8_t secret_key[SMARTCRYPTO_SECRET_KEY_BYTES]) {
  /* RFC 8032 §5.1.5: the expanded key is SHA-512(seed), its low half clamped into the scalar s,
   * its high half the prefix that makes the nonce. */
  uint8_t expanded[64];
  sha512(secret_key, SMARTCRYPTO_SEED_BYTES, expanded);
  expanded[0] &= 248;
  expanded[31] &= 63;
  expanded[31] |= 64;
  ed25519_sign(signature, message, length, secret_key + SMARTCRYPTO_SEED_BYTES, expanded);
  wipe(expanded, sizeof expanded);
}

void smartcrypto_public_key(uint8_t public_key[SMARTCRYPTO_PUBLIC_KEY_BYTES], const uint8_t seed[SMARTCRYPTO_SEED_BYTES]) {
  uint8_t expanded[64];
  ed25519_create_keypair(public_key, expanded, seed);
  wipe(expanded, sizeof expanded);
}
