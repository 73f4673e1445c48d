// Raspberry Pi Pico (RP2040) on the public Kaluma 1.2.1 image, which has no native cryptography: the
// sliced JS path (boards/common/sliced-crypto.ts useSlicedCrypto): verification a slice at a time, a stock of
// precomputed signing nonces, sliced key derivation. It works, slowly: a verification is minutes of
// board time (docs/boards.md). Kaluma's heap holds it with almost no room: a record verified while a
// nonce is precomputed peaks at 182,448 B, three picos trading at 184,223 B, of 184,312 B (emulator:
// `node --import tsx host-tools/bench/heap.ts`, test/emulator/trade-time.test.ts); the LoRa variant
// does not fit.
import { slicedCrypto, useSlicedCrypto } from '../common/sliced-crypto';
import { startPico } from '../pico/kaluma';
// Named imports: the build keeps only these fields of board.json, not its chip name and radio settings.
import { board, heap_bytes_max, tick_interval_ms, uart, watchdog_ms } from './board.json';

/** Signing nonces kept ready in flash (each 64 bytes). */
const NONCE_STOCK = 4;

startPico({ board: board, heap_bytes_max: heap_bytes_max, tick_interval_ms: tick_interval_ms, uart: uart, watchdog_ms: watchdog_ms }, slicedCrypto, function (config) {
  // A field operation is about 67 ms of pico time and a point addition 9 of them: one unit per slice
  // keeps a slice of field arithmetic under the 1,000 ms bound in board.json.
  useSlicedCrypto(config, NONCE_STOCK, 1);
});
