/* JerryScript bindings of the smartcrypto module: sha512(bytes), verify(signature, message, publicKey),
 * sign(message, secretKey), publicKey(seed), all over Uint8Array. Every argument is checked (type, then
 * length) before a byte of it is read; a bad call throws a TypeError naming the function and argument.
 * No heap allocation here beyond the result arrays JerryScript owns. */
#include "module_smartcrypto.h"

#include <stdio.h>

#include "smartcrypto.h"
#include "smartcrypto_magic_strings.h"

/* Room for the longest message below: function, argument and bound. */
#define ERROR_MESSAGE_BYTES_MAX 96

/* Where an empty view points, so the core never receives a null pointer. */
static const uint8_t NO_BYTES = 0;

typedef struct {
  const uint8_t *bytes;
  size_t length;
} byte_view;

static jerry_value_t throw_type_error(const char *function, const char *argument, const char *problem) {
  char message[ERROR_MESSAGE_BYTES_MAX];
  snprintf(message, sizeof message, "smartcrypto.%s: %s %s", function, argument, problem);
  return jerry_create_error(JERRY_ERROR_TYPE, (const jerry_char_t *)message);
}

/* Reads argument index as a Uint8Array view. Returns undefined on success, else the TypeError to throw. */
static jerry_value_t read_bytes(const jerry_value_t arguments[], jerry_length_t count, jerry_length_t index,
                                const char *function, const char *argument, byte_view *view) {
  if (index >= count || !jerry_value_is_typedarray(arguments[index]) ||
      jerry_get_typedarray_type(arguments[index]) != JERRY_TYPEDARRAY_UINT8) {
    return throw_type_error(function, argument, "must be a Uint8Array");
  }
  jerry_length_t offset = 0;
  jerry_length_t length = 0;
  jerry_value_t buffer = jerry_get_typedarray_buffer(arguments[index], &offset, &length);
  const uint8_t *pointer = jerry_get_arraybuffer_pointer(buffer);
  jerry_length_t buffer_length = jerry_get_arraybuffer_byte_length(buffer);
  jerry_release_value(buffer);
  /* A detached buffer has no bytes; a view must lie inside its buffer. */
  if ((pointer == NULL && length > 0) || offset > buffer_length || length > buffer_length - offset) {
    return throw_type_error(function, argument, "has no readable bytes");
  }
  view->bytes = pointer == NULL ? &NO_BYTES : pointer + offset;
  view->length = length;
  return jerry_create_undefined();
}

static jerry_value_t check_length(const byte_view *view, size_t expected, const char *function, const char *argument) {
  if (view->length == expected) return jerry_create_undefined();
  return throw_type_error(function, argument, expected == 64 ? "must be 64 bytes" : "must be 32 bytes");
}

static jerry_value_t check_message(const byte_view *view, const char *function) {
  if (view->length <= SMARTCRYPTO_MESSAGE_BYTES_MAX) return jerry_create_undefined();
  return throw_type_error(function, "message", "must be at most 65536 bytes");
}

/* A new Uint8Array of length bytes; *bytes points at its storage, or the error value is returned. */
static jerry_value_t create_bytes(jerry_length_t length, uint8_t **bytes) {
  jerry_value_t array = jerry_create_typedarray(JERRY_TYPEDARRAY_UINT8, length);
  if (jerry_value_is_error(array)) return array;
  jerry_length_t offset = 0;
  jerry_length_t byte_length = 0;
  jerry_value_t buffer = jerry_get_typedarray_buffer(array, &offset, &byte_length);
  *bytes = jerry_get_arraybuffer_pointer(buffer) + offset;
  jerry_release_value(buffer);
  return array;
}

/* Runs a check; on a thrown value returns it from the calling function. */
#define RETURN_IF_ERROR(expression)            \
  do {                                         \
    jerry_value_t result_ = (expression);      \
    if (jerry_value_is_error(result_)) return result_; \
  } while (0)

static jerry_value_t sha512_fn(const jerry_value_t function, const jerry_value_t this_value,
                               const jerry_value_t arguments[], const jerry_length_t count) {
  (void)function;
  (void)this_value;
  byte_view message;
  RETURN_IF_ERROR(read_bytes(arguments, count, 0, "sha512", "bytes", &message));
  RETURN_IF_ERROR(check_message(&message, "sha512"));
  uint8_t *hash = NULL;
  jerry_value_t result = create_bytes(SMARTCRYPTO_HASH_BYTES, &hash);
  if (jerry_value_is_error(result)) return result;
  smartcrypto_sha512(hash, message.bytes, message.length);
  return result;
}

static jerry_value_t verify_fn(const jerry_value_t function, const jerry_value_t this_value,
                               const jerry_value_t arguments[], const jerry_length_t count) {
  (void)function;
  (void)this_value;
  byte_view signature;
  byte_view message;
  byte_view public_key;
  RETURN_IF_ERROR(read_bytes(arguments, count, 0, "verify", "signature", &signature));
  RETURN_IF_ERROR(read_bytes(arguments, count, 1, "verify", "message", &message));
  RETURN_IF_ERROR(read_bytes(arguments, count, 2, "verify", "publicKey", &public_key));
  RETURN_IF_ERROR(check_length(&signature, SMARTCRYPTO_SIGNATURE_BYTES, "verify", "signature"));
  RETURN_IF_ERROR(check_message(&message, "verify"));
  RETURN_IF_ERROR(check_length(&public_key, SMARTCRYPTO_PUBLIC_KEY_BYTES, "verify", "publicKey"));
  return jerry_create_boolean(smartcrypto_verify(signature.bytes, message.bytes, message.length, public_key.bytes));
}

static jerry_value_t sign_fn(const jerry_value_t function, const jerry_value_t this_value,
                             const jerry_value_t arguments[], const jerry_length_t count) {
  (void)function;
  (void)this_value;
  byte_view message;
  byte_view secret_key;
  RETURN_IF_ERROR(read_bytes(arguments, count, 0, "sign", "message", &message));
  RETURN_IF_ERROR(read_bytes(arguments, count, 1, "sign", "secretKey", &secret_key));
  RETURN_IF_ERROR(check_message(&message, "sign"));
  RETURN_IF_ERROR(check_length(&secret_key, SMARTCRYPTO_SECRET_KEY_BYTES, "sign", "secretKey"));
  uint8_t *signature = NULL;
  jerry_value_t result = create_bytes(SMARTCRYPTO_SIGNATURE_BYTES, &signature);
  if (jerry_value_is_error(result)) return result;
  smartcrypto_sign(signature, message.bytes, message.length, secret_key.bytes);
  return result;
}

static jerry_value_t public_key_fn(const jerry_value_t function, const jerry_value_t this_value,
                                   const jerry_value_t arguments[], const jerry_length_t count) {
  (void)function;
  (void)this_value;
  byte_view seed;
  RETURN_IF_ERROR(read_bytes(arguments, count, 0, "publicKey", "seed", &seed));
  RETURN_IF_ERROR(check_length(&seed, SMARTCRYPTO_SEED_BYTES, "publicKey", "seed"));
  uint8_t *public_key = NULL;
  jerry_value_t result = create_bytes(SMARTCRYPTO_PUBLIC_KEY_BYTES, &public_key);
  if (jerry_value_is_error(result)) return result;
  smartcrypto_public_key(public_key, seed.bytes);
  return result;
}

static void set_function(jerry_value_t object, const char *name, jerry_external_handler_t handler) {
  jerry_value_t key = jerry_create_string((const jerry_char_t *)name);
  jerry_value_t value = jerry_create_external_function(handler);
  jerry_release_value(jerry_set_property(object, key, value));
  jerry_release_value(value);
  jerry_release_value(key);
}

jerry_value_t module_smartcrypto_init(void) {
  jerry_value_t exports = jerry_create_object();
  set_function(exports, MSTR_SMARTCRYPTO_SHA512, sha512_fn);
  set_function(exports, MSTR_SMARTCRYPTO_VERIFY, verify_fn);
  set_function(exports, MSTR_SMARTCRYPTO_SIGN, sign_fn);
  set_function(exports, MSTR_SMARTCRYPTO_PUBLIC_KEY, public_key_fn);
  return exports;
}
