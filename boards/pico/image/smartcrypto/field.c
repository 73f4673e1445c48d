/* Field multiplication, squaring and inversion mod p = 2^255 - 19 for the Cortex-M0+, replacing ref10's
 * fe_mul, fe_sq, fe_sq2, fe_invert and fe_pow22523 (orlp's fe.c keeps the rest, and its copies of these
 * are renamed away at build time). ref10 multiplies 25.5-bit limbs into 64-bit products, which on the
 * M0+ (MULS gives only the low 32 bits) is a libgcc call per product; here each operand is carried into
 * sixteen 16-bit limbs, whose products fit MULS, summed per column, reduced with 2^256 = 38 (mod p), and
 * carried back into ref10's representation. Straight-line code on public and secret data alike: no
 * branch or memory address depends on a value, so signing stays constant-time.
 * Input limbs must satisfy |f[i]| < 2^30 (ref10's own bounds are far tighter); outputs are carried:
 * limbs in [0, 2^26) and [0, 2^25) alternately, limb 0 at most 2^26 + 18, as ref10's fe_tobytes accepts. */
#include "fe.h"

#include <stdint.h>

#define WORDS 16
#define PRODUCT_WORDS (2 * WORDS)
#define WORD_MASK 0xffffu

typedef uint32_t field16[WORDS];

/* Folds a carry above bit 256 back in (2^256 = 38 mod p) and carries once more; the second carry can be
 * 1 only when the words were just wrapped below 2^11, so adding 38 to word 0 then cannot overflow. */
static void fold_carry(field16 words, uint32_t carry) {
  carry *= 38;
  for (int index = 0; index < WORDS; index++) {
    carry += words[index];
    words[index] = carry & WORD_MASK;
    carry >>= 16;
  }
  words[0] += 38 * carry;
}

/* ref10 limb i starts at bit 0, 26, 51, 77, 102, 128, 153, 179, 204, 230. Adds 64p = 2^261 - 1216 so the
 * sum is positive for |f[i]| < 2^30, then carries it into 16-bit words. Limbs are placed with products
 * (a left shift of a negative number is undefined in C99); the carry is an arithmetic right shift, which
 * GCC defines for negative numbers (GCC manual, "Integers implementation"). */
static void to_words(field16 words, const fe f) {
  int64_t sum = (int64_t)f[0] - 1216;
#define EMIT(index)                              \
  words[index] = (uint32_t)(sum & WORD_MASK);    \
  sum >>= 16;
  EMIT(0);
  sum += (int64_t)f[1] * (1 << 10);
  EMIT(1);
  EMIT(2);
  sum += (int64_t)f[2] * (1 << 3);
  EMIT(3);
  sum += (int64_t)f[3] * (1 << 13);
  EMIT(4);
  EMIT(5);
  sum += (int64_t)f[4] * (1 << 6);
  EMIT(6);
  EMIT(7);
  sum += (int64_t)f[5];
  EMIT(8);
  sum += (int64_t)f[6] * (1 << 9);
  EMIT(9);
  EMIT(10);
  sum += (int64_t)f[7] * (1 << 3);
  EMIT(11);
  sum += (int64_t)f[8] * (1 << 12);
  EMIT(12);
  EMIT(13);
  sum += (int64_t)f[9] * (1 << 6);
  EMIT(14);
  EMIT(15);
#undef EMIT
  /* sum is now the multiple of 2^256 above the words, plus 32 from 64p's 2^261. */
  fold_carry(words, (uint32_t)(sum + 32));
}

/* Words (a value below 2^256 + 2^11) back to ref10's limbs, bit 255 folded into limb 0 as 19. */
static void from_words(fe h, const field16 w) {
  uint32_t top;
  h[0] = (int32_t)(w[0] | (w[1] & 0x3ff) << 16);
  h[1] = (int32_t)(w[1] >> 10 | w[2] << 6 | (w[3] & 0x7) << 22);
  h[2] = (int32_t)(w[3] >> 3 | (w[4] & 0x1fff) << 13);
  h[3] = (int32_t)(w[4] >> 13 | w[5] << 3 | (w[6] & 0x3f) << 19);
  h[4] = (int32_t)(w[6] >> 6 | w[7] << 10);
  h[5] = (int32_t)(w[8] | (w[9] & 0x1ff) << 16);
  h[6] = (int32_t)(w[9] >> 9 | w[10] << 7 | (w[11] & 0x7) << 23);
  h[7] = (int32_t)(w[11] >> 3 | (w[12] & 0xfff) << 13);
  h[8] = (int32_t)(w[12] >> 12 | w[13] << 4 | (w[14] & 0x3f) << 20);
  top = w[14] >> 6 | w[15] << 10;
  h[9] = (int32_t)(top & 0x1ffffff);
  h[0] += (int32_t)(19 * (top >> 25));
}

/* The 512-bit product's 32 words, reduced with 2^256 = 38: each word plus 38 times its partner above. */
static void reduce_product(field16 out, const uint32_t product[PRODUCT_WORDS]) {
  uint32_t carry = 0;
  for (int index = 0; index < WORDS; index++) {
    carry += product[index] + 38 * product[index + WORDS];
    out[index] = carry & WORD_MASK;
    carry >>= 16;
  }
  fold_carry(out, carry);
}

/* Product scanning: column k sums a[i] * b[k - i], each below 2^32, in 64 bits (16 terms and a carry
 * stay below 2^37). */
static void multiply_words(field16 out, const field16 a, const field16 b) {
  uint32_t product[PRODUCT_WORDS];
  uint64_t column = 0;
#pragma GCC unroll 32
  for (int k = 0; k < PRODUCT_WORDS - 1; k++) {
#pragma GCC unroll 16
    for (int i = (k < WORDS ? 0 : k - WORDS + 1); i <= (k < WORDS ? k : WORDS - 1); i++) {
      column += a[i] * b[k - i];
    }
    product[k] = (uint32_t)column & WORD_MASK;
    column >>= 16;
  }
  product[PRODUCT_WORDS - 1] = (uint32_t)column;
  reduce_product(out, product);
}

/* Squaring: each cross product once, doubled, plus the diagonal. */
static void square_words(field16 out, const field16 a) {
  uint32_t product[PRODUCT_WORDS];
  uint64_t column = 0;
#pragma GCC unroll 32
  for (int k = 0; k < PRODUCT_WORDS - 1; k++) {
    uint64_t cross = 0;
#pragma GCC unroll 8
    for (int i = (k < WORDS ? 0 : k - WORDS + 1); i < k - i; i++) {
      cross += a[i] * a[k - i];
    }
    column += cross << 1;
    if ((k & 1) == 0) column += a[k >> 1] * a[k >> 1];
    product[k] = (uint32_t)column & WORD_MASK;
    column >>= 16;
  }
  product[PRODUCT_WORDS - 1] = (uint32_t)column;
  reduce_product(out, product);
}

static void square_words_times(field16 out, const field16 a, int times) {
  square_words(out, a);
  for (int round = 1; round < times; round++) square_words(out, out);
}

void fe_mul(fe h, const fe f, const fe g) {
  field16 a;
  field16 b;
  to_words(a, f);
  to_words(b, g);
  multiply_words(a, a, b);
  from_words(h, a);
}

void fe_sq(fe h, const fe f) {
  field16 a;
  to_words(a, f);
  square_words(a, a);
  from_words(h, a);
}

/* 2 f^2: the square's words doubled with carry, the bit above 2^256 folded back. */
void fe_sq2(fe h, const fe f) {
  field16 a;
  uint32_t carry = 0;
  to_words(a, f);
  square_words(a, a);
  for (int index = 0; index < WORDS; index++) {
    carry += a[index] << 1;
    a[index] = carry & WORD_MASK;
    carry >>= 16;
  }
  fold_carry(a, carry);
  from_words(h, a);
}

/* z^(2^250 - 1) and z^11, the common head of both exponentiations (ref10's addition chain). */
static void power_2_250_minus_1(field16 result, field16 z11, const field16 z) {
  field16 t0;
  field16 t1;
  field16 t2;
  square_words(t0, z);                  /* z^2 */
  square_words_times(t1, t0, 2);        /* z^8 */
  multiply_words(t1, z, t1);            /* z^9 */
  multiply_words(z11, t0, t1);          /* z^11 */
  square_words(t0, z11);                /* z^22 */
  multiply_words(t1, t1, t0);           /* z^(2^5 - 1) */
  square_words_times(t0, t1, 5);
  multiply_words(t1, t0, t1);           /* z^(2^10 - 1) */
  square_words_times(t0, t1, 10);
  multiply_words(t0, t0, t1);           /* z^(2^20 - 1) */
  square_words_times(t2, t0, 20);
  multiply_words(t0, t2, t0);           /* z^(2^40 - 1) */
  square_words_times(t0, t0, 10);
  multiply_words(t1, t0, t1);           /* z^(2^50 - 1) */
  square_words_times(t0, t1, 50);
  multiply_words(t0, t0, t1);           /* z^(2^100 - 1) */
  square_words_times(t2, t0, 100);
  multiply_words(t0, t2, t0);           /* z^(2^200 - 1) */
  square_words_times(t0, t0, 50);
  multiply_words(result, t0, t1);       /* z^(2^250 - 1) */
}

/* z^(p - 2) = z^(2^255 - 21) = 1/z (Fermat). */
void fe_invert(fe out, const fe z) {
  field16 a;
  field16 power;
  field16 z11;
  to_words(a, z);
  power_2_250_minus_1(power, z11, a);
  square_words_times(power, power, 5);  /* z^(2^255 - 32) */
  multiply_words(power, power, z11);    /* z^(2^255 - 21) */
  from_words(out, power);
}

/* z^((p - 5) / 8) = z^(2^252 - 3), for the square root in point decompression (RFC 8032 §5.1.3). */
void fe_pow22523(fe out, const fe z) {
  field16 a;
  field16 power;
  field16 z11;
  to_words(a, z);
  power_2_250_minus_1(power, z11, a);
  square_words_times(power, power, 2);  /* z^(2^252 - 4) */
  multiply_words(power, power, a);      /* z^(2^252 - 3) */
  from_words(out, power);
}
