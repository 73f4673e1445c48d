/* Property names of the smartcrypto module, interned by Kaluma's build (tools/magic_strings.js). */
#ifndef SMARTCRYPTO_MAGIC_STRINGS_H
#define SMARTCRYPTO_MAGIC_STRINGS_H

#define MSTR_SMARTCRYPTO_SHA512 "sha512"
#define MSTR_SMARTCRYPTO_VERIFY "verify"
#define MSTR_SMARTCRYPTO_SIGN "sign"
#define MSTR_SMARTCRYPTO_PUBLIC_KEY "publicKey"

#endif /* SMARTCRYPTO_MAGIC_STRINGS_H */
