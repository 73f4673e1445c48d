# The smartcrypto module's sources: our C in this folder, and orlp's portable ref10 Ed25519 and SHA-512
# read from the pinned npm package ed25519-supercop (ED25519_SRC_DIR), never copied into the repository.
set(SMARTCRYPTO_OWN_SOURCES
  ${SMARTCRYPTO_DIR}/module_smartcrypto.c
  ${SMARTCRYPTO_DIR}/smartcrypto.c
  ${SMARTCRYPTO_DIR}/field.c)
set(SMARTCRYPTO_ED25519_SOURCES
  ${ED25519_SRC_DIR}/sha512.c
  ${ED25519_SRC_DIR}/fe.c
  ${ED25519_SRC_DIR}/ge.c
  ${ED25519_SRC_DIR}/sc.c
  ${ED25519_SRC_DIR}/sign.c
  ${ED25519_SRC_DIR}/verify.c
  ${ED25519_SRC_DIR}/keypair.c)

list(APPEND SOURCES ${SMARTCRYPTO_OWN_SOURCES} ${SMARTCRYPTO_ED25519_SOURCES})
include_directories(${SMARTCRYPTO_DIR} ${ED25519_SRC_DIR})

# Kaluma compiles its own sources at -Og; these options follow it on the command line, so they win.
set(SMARTCRYPTO_OPTIMISE -O2)
set_source_files_properties(${SMARTCRYPTO_OWN_SOURCES} PROPERTIES
  COMPILE_OPTIONS "${SMARTCRYPTO_OPTIMISE};-std=c99;-Wall;-Wextra;-Werror")
set_source_files_properties(${SMARTCRYPTO_ED25519_SOURCES} PROPERTIES COMPILE_OPTIONS "${SMARTCRYPTO_OPTIMISE}")
# field.c replaces ref10's multiplication, squaring and inversion: orlp's copies are renamed away.
set_property(SOURCE ${ED25519_SRC_DIR}/fe.c APPEND PROPERTY COMPILE_DEFINITIONS
  fe_mul=ref10_fe_mul fe_sq=ref10_fe_sq fe_sq2=ref10_fe_sq2 fe_invert=ref10_fe_invert fe_pow22523=ref10_fe_pow22523)
