/* Kaluma built-in module `smartcrypto`: Ed25519 and SHA-512 in native code (module_smartcrypto.c). */
#ifndef MODULE_SMARTCRYPTO_H
#define MODULE_SMARTCRYPTO_H

#include "jerryscript.h"

jerry_value_t module_smartcrypto_init(void);

#endif /* MODULE_SMARTCRYPTO_H */
