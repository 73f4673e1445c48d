# The smartcrypto module in Kaluma's build (tools/kaluma.cmake includes this for each listed module).
# Kaluma rebuilds JerryScript whenever a file under src/modules/ changes, so this file stays put and the
# source list lives in the repository (sources.cmake), which host-tools/build/image.ts points at.
if(NOT SMARTCRYPTO_DIR OR NOT ED25519_SRC_DIR)
  message(FATAL_ERROR "smartcrypto: set SMARTCRYPTO_DIR and ED25519_SRC_DIR (make image does)")
endif()
include(${SMARTCRYPTO_DIR}/sources.cmake)
