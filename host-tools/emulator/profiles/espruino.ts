// The Espruino runtime profile (esp32): what Espruino lacks is deleted, getTime from the board clock,
// Serial2, E (hwRand, the watchdog, the native E.convolve), process.memory in 14-byte blocks, require()
// of Storage and crypto (SHA512), SPI1 and the GPIO globals with setWatch, and what the console and the
// `espruino` tool use (docs/platforms.md B3).
import { createHash } from 'node:crypto';
import type { QuickJSHandle } from 'quickjs-emscripten';
import { BoardState, WORLD_EPOCH_MS } from '../board-state';
import { bytesString, defineFunction, hostBytes } from '../marshal';
import { installConvolve } from './espruino-convolve';
import { radioTransfer, readPin, writePin } from '../peripherals/sx127x-bus';

/** Espruino's JsVar block: process.memory() counts in blocks of 14 bytes on the ESP32. */
const BLOCK_BYTES = 14;
/** The UART the esp32 board's firmware uses (boards/esp32/main.ts: Serial2). */
const SERIAL_PORT = 2;

export function installEspruino(board: BoardState): void {
  const vm = board.vm;
  // What Espruino lacks must fail here as it would on the board.
  vm.unwrapResult(vm.evalCode(`(function (g) {
      ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'BigInt', 'Proxy', 'Reflect', 'TextEncoder', 'TextDecoder'].forEach(function (name) { delete g[name]; });
      delete Math.imul; delete Math.trunc; delete Math.clz32;
      g.global = g;
      // Espruino 2v29's typed arrays have no slice of their own: theirs is Array's, returning an Array.
      [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array].forEach(function (type) {
        type.prototype.slice = function (start, end) { return Array.prototype.slice.call(Array.prototype.slice.call(this), start, end); };
      });
    })(globalThis)`)).dispose();
  // The board's clock is set to the world's start, as `espruino -t` sets it when uploading.
  defineFunction(vm, vm.global, 'getTime', () => vm.newNumber((WORLD_EPOCH_MS + board.nowMs()) / 1000));
  const serial = vm.newObject();
  defineFunction(vm, serial, 'setup', () => undefined);
  defineFunction(vm, serial, 'on', (event, callback) => {
    if (vm.getString(event) === 'data') board.uart.handlers.set(SERIAL_PORT, callback.dup());
  });
  defineFunction(vm, serial, 'write', (data) => void board.outbox.push({ port: SERIAL_PORT, bytes: hostBytes(vm, data, false) }));
  vm.setProp(vm.global, 'Serial2', serial);
  serial.dispose();
  const e = vm.newObject();
  defineFunction(vm, e, 'hwRand', () => vm.newNumber(Math.floor(board.options.random() * 4294967296) | 0));
  defineFunction(vm, e, 'enableWatchdog', () => undefined);
  defineFunction(vm, e, 'kickWatchdog', () => undefined);
  // E.convolve(a, b, offset), native on the board: run inside the board, charged per call from the
  // cost model (espruino-convolve.ts).
  board.convolveCount = installConvolve(board, e);
  vm.setProp(vm.global, 'E', e);
  e.dispose();
  const processObject = vm.newObject();
  // process.memory(collect = true) collects garbage before it counts: charged at the calibrated cost.
  defineFunction(vm, processObject, 'memory', (collect) => {
    if (collect === undefined || vm.dump(collect) !== false) board.callNativeMs += board.options.costs.collectionMs ?? 0;
    const object = vm.newObject();
    vm.setProp(object, 'usage', vm.newNumber(Math.ceil(board.heapUsedBytes() / BLOCK_BYTES)));
    vm.setProp(object, 'blocksize', vm.newNumber(BLOCK_BYTES));
    vm.setProp(object, 'total', vm.newNumber(Math.floor(board.options.heapBytesMax / BLOCK_BYTES)));
    return object;
  });
  defineFunction(vm, processObject, 'on', () => undefined);
  vm.setProp(vm.global, 'process', processObject);
  processObject.dispose();
  defineFunction(vm, vm.global, 'require', (nameHandle) => {
    const name = vm.getString(nameHandle);
    if (name === 'crypto') return espruinoCrypto(board);
    if (name !== 'Storage') throw new Error(`Module ${name} not found`);
    return espruinoStorage(board);
  });
}

function espruinoStorage(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const storage = vm.newObject();
  defineFunction(vm, storage, 'read', (file) => {
    const data = board.files.get(vm.getString(file));
    return data === undefined ? vm.undefined : bytesString(vm, data);
  });
  defineFunction(vm, storage, 'readArrayBuffer', (file) => {
    const data = board.files.get(vm.getString(file));
    return data === undefined ? vm.undefined : vm.newArrayBuffer(data.slice().buffer);
  });
  // write(name, data[, offset, size]): with a size, a new file of that size (erased flash reads 0xFF)
  // gets data at offset; with an offset alone, data goes into the existing file there.
  defineFunction(vm, storage, 'write', (file, data, offset, size) => {
    const name = vm.getString(file);
    const bytes = hostBytes(vm, data, false);
    if (offset === undefined || vm.typeof(offset) !== 'number') {
      board.files.set(name, bytes);
      return vm.true;
    }
    const at = vm.getNumber(offset);
    let target = board.files.get(name);
    if (size !== undefined && vm.typeof(size) === 'number') target = new Uint8Array(vm.getNumber(size)).fill(0xff);
    if (target === undefined || at < 0 || at + bytes.length > target.length) throw new Error(`Storage.write: ${name} has no room for ${bytes.length} bytes at ${at}`);
    target.set(bytes, at);
    board.files.set(name, target);
    return vm.true;
  });
  defineFunction(vm, storage, 'erase', (file) => void board.files.delete(vm.getString(file)));
  return storage;
}

/**
 * Espruino's crypto module as the standard ESP32 firmware has it (libs/crypto/jswrap_crypto.c): SHA512
 * of a String, ArrayBuffer, typed array or Array, returning an ArrayBuffer of 64 bytes. The host hashes;
 * the board time is the cost model's, per call and per 128-byte block.
 */
function espruinoCrypto(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const host = vm.newFunction('SHA512', (message) => {
    const bytes = hostBytes(vm, message, false);
    board.work.nativeHashes++;
    board.espruinoNativesCalled.sha512 = true;
    // FIPS 180-4 §5.1.2: the message, a 1 bit and a 128-bit length, padded to 128-byte blocks.
    board.work.nativeHashBlocks += Math.floor((bytes.length + 17 + 127) / 128);
    return vm.newArrayBuffer(Uint8Array.from(createHash('sha512').update(bytes).digest()).buffer);
  });
  const wrap = vm.unwrapResult(vm.evalCode(`(function (host) { return { SHA512: function (message) {
      return host(typeof message === 'string' || ArrayBuffer.isView(message) ? message : new Uint8Array(message));
    } }; })`));
  const module = vm.unwrapResult(vm.callFunction(wrap, vm.undefined, host));
  wrap.dispose();
  host.dispose();
  return module;
}

/** SPI1 and the GPIO globals, wired to the radio (peripherals/sx127x-bus.ts). */
export function installEspruinoGpio(board: BoardState): void {
  const vm = board.vm;
  // SPI1.send(data, nss) drives the chip select itself and returns the same kind it was given.
  const spi = vm.newObject();
  defineFunction(vm, spi, 'setup', () => undefined);
  defineFunction(vm, spi, 'send', (data, nss) => {
    if (nss !== undefined && vm.typeof(nss) === 'number') writePin(board, vm.getNumber(nss), false);
    try {
      return radioTransfer(board, data, false);
    } finally {
      if (nss !== undefined && vm.typeof(nss) === 'number') writePin(board, vm.getNumber(nss), true);
    }
  });
  vm.setProp(vm.global, 'SPI1', spi);
  spi.dispose();
  defineFunction(vm, vm.global, 'pinMode', () => undefined);
  defineFunction(vm, vm.global, 'digitalWrite', (pin, value) => writePin(board, vm.getNumber(pin), value !== undefined && vm.dump(value) ? true : false));
  defineFunction(vm, vm.global, 'digitalRead', (pin) => vm.newNumber(readPin(board, vm.getNumber(pin))));
  // setWatch(callback, pin, { edge: 'rising', repeat: true }): called from the event loop; without
  // repeat: true Espruino fires a watch once.
  defineFunction(vm, vm.global, 'setWatch', (callback, pin, options) => {
    const settings = options === undefined ? {} : vm.dump(options);
    const edge = settings.edge ?? 'both';
    return board.pins.watch(vm, callback, vm.getNumber(pin), edge === 'rising' || edge === 'both', settings.repeat === true);
  });
  defineFunction(vm, vm.global, 'clearWatch', (id) => board.pins.clear(vm, id));
}

/**
 * What Espruino's console and the `espruino` tool use (ET core/utils.js, plugins/saveOnSend.js):
 * `process.env` (VERSION past 1v96, so the tool writes Storage; MODULES lists the built-in modules),
 * `reset()`, `load()`, `echo()`, `setTime()`, `atob`/`btoa`, `E.setBootCode`.
 */
export function installEspruinoConsole(board: BoardState): void {
  const vm = board.vm;
  vm.unwrapResult(vm.evalCode(`process.env = { VERSION: '2v25', BOARD: 'ESP32', FLASH: 0, STORAGE: 917504, RAM: 520192,
      SERIAL: '00000000', CONSOLE: 'Serial1', MODULES: 'Storage,crypto,heatshrink,net,dgram,http,NetworkJS,Wifi,ESP32,TelnetServer,neopixel' }`)).dispose();
  const command = (name: 'reset' | 'load' | 'echo') => (on?: QuickJSHandle) => {
    const flag = on === undefined ? true : Boolean(vm.dump(on));
    if (board.onConsoleCommand === null) throw new Error(`${name}() needs the console`);
    board.onConsoleCommand(name, flag);
  };
  defineFunction(vm, vm.global, 'reset', command('reset'));
  defineFunction(vm, vm.global, 'load', command('load'));
  defineFunction(vm, vm.global, 'echo', command('echo'));
  defineFunction(vm, vm.global, 'setTime', () => undefined);
  defineFunction(vm, vm.global, 'atob', (text) => bytesString(vm, Uint8Array.from(Buffer.from(vm.getString(text), 'base64'))));
  defineFunction(vm, vm.global, 'btoa', (text) => vm.newString(Buffer.from(hostBytes(vm, text, false)).toString('base64')));
}
