// The pico image's native `smartcrypto` module (docs/boards.md) for an emulated board: the same four
// functions with the same checks, computed with node:crypto, each call charging the board time measured
// for the native build on the board (board.json native_crypto_board_ms). verify applies the shared
// policy (firmware/crypto/policy.ts, through host-tools/crypto/host-crypto.ts) and answers false on any
// decode failure; a wrong type or length is a TypeError thrown in the board, as the C bindings throw it.
// The argument checks run inside the board (a small shim), so they throw the board's own TypeError.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { NativeCryptoCosts } from '../build/boards';
import { hostCrypto } from '../crypto/host-crypto';
const SHA512_BLOCK_BYTES = 128;
/** SHA-512 pads with a 0x80 byte and a 16-byte length (FIPS 180-4 §5.1.2). */
const SHA512_PADDING_BYTES_MIN = 17;

/** Board milliseconds of SHA-512 over `length` bytes: its compression blocks times the measured cost of one. */
export function sha512BoardMs(costs: NativeCryptoCosts, length: number): number {
  return Math.ceil((length + SHA512_PADDING_BYTES_MIN) / SHA512_BLOCK_BYTES) * costs.sha512_block;
}

/** The board-side module: argument checks, then the host's functions (bytes in and out as Uint8Array). */
const SHIM = `(function (host) {
  function bytes(value, length, what) {
    if (!(value instanceof Uint8Array)) throw new TypeError(what + ' must be a Uint8Array');
    if (length >= 0 && value.length !== length) throw new TypeError(what + ' must be ' + length + ' bytes, not ' + value.length);
  }
  return {
    sha512: function (data) { bytes(data, -1, 'data'); return host.sha512(data); },
    publicKey: function (seed) { bytes(seed, 32, 'seed'); return host.publicKey(seed); },
    sign: function (message, secretKey) { bytes(message, -1, 'message'); bytes(secretKey, 64, 'secretKey'); return host.sign(message, secretKey); },
    verify: function (signature, message, publicKey) {
      bytes(signature, 64, 'signature'); bytes(message, -1, 'message'); bytes(publicKey, 32, 'publicKey');
      return host.verify(signature, message, publicKey);
    }
  };
})`;

export type NativeBridge = {
  /** Bytes of a board Uint8Array (its view only). */
  read(handle: QuickJSHandle): Uint8Array;
  /** A new board Uint8Array holding the bytes. */
  make(bytes: Uint8Array): QuickJSHandle;
  /** Adds board time to the call under way, for one call of the named function. */
  charge(boardMs: number, name: 'sha512' | 'publicKey' | 'sign' | 'verify'): void;
};

/** Makes the module object inside the board; the caller owns the returned handle. */
export function createNativeCrypto(vm: QuickJSContext, costs: NativeCryptoCosts, bridge: NativeBridge): QuickJSHandle {
  const host = vm.newObject();
  const define = (name: string, body: (...args: QuickJSHandle[]) => QuickJSHandle) => {
    const handle = vm.newFunction(name, body);
    vm.setProp(host, name, handle);
    handle.dispose();
  };
  define('sha512', (data) => {
    const input = bridge.read(data);
    bridge.charge(sha512BoardMs(costs, input.length), 'sha512');
    return bridge.make(hostCrypto.sha512(input));
  });
  define('publicKey', (seed) => {
    bridge.charge(costs.public_key, 'publicKey');
    return bridge.make(hostCrypto.publicKey(bridge.read(seed)));
  });
  define('sign', (message, secretKey) => {
    bridge.charge(costs.sign, 'sign');
    return bridge.make(hostCrypto.sign(bridge.read(message), bridge.read(secretKey)));
  });
  define('verify', (signature, message, publicKey) => {
    bridge.charge(costs.verify, 'verify');
    return hostCrypto.verify(bridge.read(signature), bridge.read(message), bridge.read(publicKey)) ? vm.true : vm.false;
  });
  const shim = vm.unwrapResult(vm.evalCode(SHIM, 'smartcrypto'));
  const module = vm.unwrapResult(vm.callFunction(shim, vm.undefined, host));
  shim.dispose();
  host.dispose();
  return module;
}
