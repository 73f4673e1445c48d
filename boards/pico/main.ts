// Raspberry Pi Pico (RP2040) on our Kaluma 1.2.1 image (`make image`, docs/boards.md): SHA-512 and
// Ed25519 from the image's native `smartcrypto` module, one verification in one tick (about 0.3 s of
// board time: board.json native_crypto_board_ms), no JS Ed25519 in the bundle. On any other image the
// node does not start: it logs NATIVE_CRYPTO_MISSING once and halts (boards/pico-stock runs there).
import { loadNativeCrypto, NATIVE_CRYPTO_MODULE } from '../common/native-crypto';
import { logLine, startPico } from './kaluma';
// Named imports: the build keeps only these fields of board.json, not its chip name and radio settings.
import { board, heap_bytes_max, tick_interval_ms, uart, watchdog_ms } from './board.json';

declare function __runtimeRequire(name: string): unknown;

const crypto = loadNativeCrypto(function () {
  return __runtimeRequire('smartcrypto');
});
if (crypto === null) {
  logLine('NATIVE_CRYPTO_MISSING', 'this image has no ' + NATIVE_CRYPTO_MODULE + ' module: flash dist/pico/kaluma-smartchain.uf2, or the pico-stock build (docs/boards.md); halted');
} else {
  startPico({ board: board, heap_bytes_max: heap_bytes_max, tick_interval_ms: tick_interval_ms, uart: uart, watchdog_ms: watchdog_ms }, crypto, function () {
    // Nothing to wire: one-step verification and signing need no jobs, nonces or slices.
  });
}
