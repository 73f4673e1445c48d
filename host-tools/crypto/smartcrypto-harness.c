/* Host harness for the smartcrypto core (boards/pico/image/smartcrypto/smartcrypto.c): reads one case per
 * line on stdin and writes one answer per line, so a test can compare the core with node:crypto.
 *   h MESSAGE                     -> SHA-512 hex
 *   v SIGNATURE MESSAGE PUBLICKEY -> 1 or 0
 *   s MESSAGE SECRETKEY           -> signature hex
 *   p SEED                        -> public key hex
 * Fields are hex, "-" for an empty message. A malformed line is a usage error: exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartcrypto.h"

/* The longest line: an operation, three fields and a message of up to MESSAGE_BYTES_MAX bytes in hex. */
#define MESSAGE_BYTES_MAX 4096
#define LINE_BYTES_MAX (2 * MESSAGE_BYTES_MAX + 2 * 64 + 2 * 32 + 16)
#define FIELDS_MAX 3

static char line[LINE_BYTES_MAX + 2];
static uint8_t fields[FIELDS_MAX][MESSAGE_BYTES_MAX];
static size_t field_lengths[FIELDS_MAX];

static void usage_error(const char *problem, unsigned long line_number) {
  fprintf(stderr, "harness: line %lu: %s\n", line_number, problem);
  exit(2);
}

static int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  return -1;
}

/* Decodes a hex field into fields[index]; false when it is not hex or too long. */
static int decode(const char *text, size_t index) {
  if (strcmp(text, "-") == 0) {
    field_lengths[index] = 0;
    return 1;
  }
  size_t digits = strlen(text);
  if (digits % 2 != 0 || digits / 2 > MESSAGE_BYTES_MAX) return 0;
  for (size_t at = 0; at < digits / 2; at++) {
    int high = hex_value(text[2 * at]);
    int low = hex_value(text[2 * at + 1]);
    if (high < 0 || low < 0) return 0;
    fields[index][at] = (uint8_t)(high * 16 + low);
  }
  field_lengths[index] = digits / 2;
  return 1;
}

/* A copy of field index in a buffer of exactly its length, so AddressSanitizer catches a read past it. */
static uint8_t *exact_copy(size_t index) {
  uint8_t *copy = malloc(field_lengths[index] == 0 ? 1 : field_lengths[index]);
  if (copy == NULL) exit(3);
  memcpy(copy, fields[index], field_lengths[index]);
  return copy;
}

static void print_hex(const uint8_t *bytes, size_t length) {
  for (size_t at = 0; at < length; at++) printf("%02x", bytes[at]);
  printf("\n");
}

int main(void) {
  unsigned long line_number = 0;
  while (fgets(line, sizeof line, stdin) != NULL) {
    line_number++;
    size_t length = strlen(line);
    if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
    else if (!feof(stdin)) usage_error("line too long", line_number);
    char *operation = strtok(line, " ");
    if (operation == NULL) usage_error("empty line", line_number);
    size_t count = 0;
    for (char *field = strtok(NULL, " "); field != NULL; field = strtok(NULL, " ")) {
      if (count == FIELDS_MAX || !decode(field, count)) usage_error("bad field", line_number);
      count++;
    }
    if (strcmp(operation, "h") == 0 && count == 1) {
      uint8_t hash[SMARTCRYPTO_HASH_BYTES];
      uint8_t *message = exact_copy(0);
      smartcrypto_sha512(hash, message, field_lengths[0]);
      print_hex(hash, sizeof hash);
      free(message);
    } else if (strcmp(operation, "v") == 0 && count == 3 && field_lengths[0] == SMARTCRYPTO_SIGNATURE_BYTES &&
               field_lengths[2] == SMARTCRYPTO_PUBLIC_KEY_BYTES) {
      uint8_t *signature = exact_copy(0);
      uint8_t *message = exact_copy(1);
      uint8_t *public_key = exact_copy(2);
      printf("%d\n", smartcrypto_verify(signature, message, field_lengths[1], public_key) ? 1 : 0);
      free(signature);
      free(message);
      free(public_key);
    } else if (strcmp(operation, "s") == 0 && count == 2 && field_lengths[1] == SMARTCRYPTO_SECRET_KEY_BYTES) {
      uint8_t signature[SMARTCRYPTO_SIGNATURE_BYTES];
      uint8_t *message = exact_copy(0);
      uint8_t *secret_key = exact_copy(1);
      smartcrypto_sign(signature, message, field_lengths[0], secret_key);
      print_hex(signature, sizeof signature);
      free(message);
      free(secret_key);
    } else if (strcmp(operation, "p") == 0 && count == 1 && field_lengths[0] == SMARTCRYPTO_SEED_BYTES) {
      uint8_t public_key[SMARTCRYPTO_PUBLIC_KEY_BYTES];
      uint8_t *seed = exact_copy(0);
      smartcrypto_public_key(public_key, seed);
      free(seed);
      print_hex(public_key, sizeof public_key);
    } else {
      usage_error("unknown operation or wrong field lengths", line_number);
    }
  }
  return 0;
}
