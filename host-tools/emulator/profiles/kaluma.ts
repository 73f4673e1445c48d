// The Kaluma 1.2.1 runtime profile (pico, pico-stock): millis/micros/delay, Date.now from the RTC,
// process.memoryUsage, the small `storage` store, require() of built-in modules only (uart, fs, rp2, spi,
// and the image's native smartcrypto when it has one), and the GPIO globals with setWatch
// (docs/platforms.md A3, A4).
import type { QuickJSHandle } from 'quickjs-emscripten';
import type { NativeCryptoCosts } from '../../build/boards';
import { BoardState, WORLD_EPOCH_MS } from '../board-state';
import { bytesHandle, defineFunction, hostBytes, setConstructor } from '../marshal';
import { createNativeCrypto } from '../native-crypto';
import { KALUMA_GPIO } from '../peripherals/gpio';
import { radioTransfer, readPin, writePin } from '../peripherals/sx127x-bus';

/** Kaluma's `storage`: 64 slots of key and value together at most 253 bytes. */
const STORAGE_SLOTS_MAX = 64;
const STORAGE_ENTRY_BYTES_MAX = 253;

export function installKaluma(board: BoardState): void {
  const vm = board.vm;
  defineFunction(vm, vm.global, 'millis', () => vm.newNumber(Math.floor(board.nowMs())));
  // Date.now reads the RTC, set to the world's start (deterministic: never the host's clock).
  const now = vm.newFunction('now', () => vm.newNumber(WORLD_EPOCH_MS + Math.floor(board.nowMs() / 1000) * 1000));
  const date = vm.getProp(vm.global, 'Date');
  vm.setProp(date, 'now', now);
  now.dispose();
  date.dispose();
  defineFunction(vm, vm.global, 'micros', () => vm.newNumber(Math.floor(board.nowMs() * 1000)));
  defineFunction(vm, vm.global, 'delay', (ms) => {
    board.callDelayMs += vm.getNumber(ms);
    board.busyUntilMs = Math.max(board.busyUntilMs, board.clockMs) + vm.getNumber(ms);
  });
  const processObject = vm.newObject();
  defineFunction(vm, processObject, 'memoryUsage', () => {
    const used = board.heapUsedBytes();
    const object = vm.newObject();
    vm.setProp(object, 'heapTotal', vm.newNumber(board.options.heapBytesMax));
    vm.setProp(object, 'heapUsed', vm.newNumber(used));
    vm.setProp(object, 'heapPeak', vm.newNumber(Math.max(used, board.heapPeakBytes)));
    return object;
  });
  vm.setProp(vm.global, 'process', processObject);
  processObject.dispose();
  const storage = vm.newObject();
  defineFunction(vm, storage, 'getItem', (key) => {
    const value = board.kalumaStorage.get(vm.getString(key));
    return value === undefined ? vm.null : vm.newString(value);
  });
  defineFunction(vm, storage, 'setItem', (key, value) => {
    const name = vm.getString(key);
    const text = vm.getString(value);
    if (name.length + text.length > STORAGE_ENTRY_BYTES_MAX || (!board.kalumaStorage.has(name) && board.kalumaStorage.size >= STORAGE_SLOTS_MAX)) {
      throw new Error('storage: no room (64 slots, key and value at most 253 bytes)');
    }
    board.kalumaStorage.set(name, text);
  });
  defineFunction(vm, storage, 'removeItem', (key) => void board.kalumaStorage.delete(vm.getString(key)));
  vm.setProp(vm.global, 'storage', storage);
  storage.dispose();
  // Kaluma's require() loads built-in modules only.
  defineFunction(vm, vm.global, 'require', (nameHandle) => {
    const name = vm.getString(nameHandle);
    if (name === 'uart') return kalumaUart(board);
    if (name === 'fs') return kalumaFs(board);
    if (name === 'rp2') return kalumaRp2(board);
    if (name === 'spi') return kalumaSpi(board);
    if (name === 'smartcrypto' && board.nativeCryptoModule !== null) {
      board.nativeCryptoUsed = true;
      return board.nativeCryptoModule.dup();
    }
    throw new Error(`Module "${name}" not found`);
  });
}

function kalumaUart(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const module = vm.newObject();
  const open = vm.newFunction('open', (portHandle) => {
    const port = vm.getNumber(portHandle);
    const uart = vm.newObject();
    defineFunction(vm, uart, 'on', (event, callback) => {
      if (vm.getString(event) === 'data') board.uart.handlers.set(port, callback.dup());
    });
    // Kaluma 1.2.1 writes the whole ArrayBuffer behind a typed array, ignoring its offset and length.
    defineFunction(vm, uart, 'write', (data) => void board.outbox.push({ port, bytes: hostBytes(vm, data, true) }));
    defineFunction(vm, uart, 'close', () => void board.uart.handlers.delete(port));
    return uart;
  });
  setConstructor(vm, module, 'UART', open);
  return module;
}

function kalumaSpi(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const module = vm.newObject();
  const open = vm.newFunction('open', () => {
    const spi = vm.newObject();
    // Kaluma 1.2.1's transfer, like its uart write, sends the whole ArrayBuffer behind a typed array.
    defineFunction(vm, spi, 'transfer', (data) => radioTransfer(board, data, true));
    defineFunction(vm, spi, 'close', () => undefined);
    return spi;
  });
  setConstructor(vm, module, 'SPI', open);
  return module;
}

function kalumaFs(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const fs = vm.newObject();
  defineFunction(vm, fs, 'exists', (path) => (board.files.has(vm.getString(path)) ? vm.true : vm.false));
  defineFunction(vm, fs, 'readFile', (path) => {
    const data = board.files.get(vm.getString(path));
    if (data === undefined) throw new Error(`no such file ${vm.getString(path)}`);
    return bytesHandle(vm, data);
  });
  defineFunction(vm, fs, 'writeFile', (path, data) => void board.files.set(vm.getString(path), hostBytes(vm, data, false)));
  defineFunction(vm, fs, 'unlink', (path) => void board.files.delete(vm.getString(path)));
  return fs;
}

function kalumaRp2(board: BoardState): QuickJSHandle {
  const vm = board.vm;
  const rp2 = vm.newObject();
  defineFunction(vm, rp2, 'randomBigInt', () => {
    const hex = Array.from(board.randomBytes(16), (byte) => byte.toString(16).padStart(2, '0')).join('');
    return vm.unwrapResult(vm.evalCode(`BigInt("0x${hex}")`));
  });
  return rp2;
}

/** The GPIO globals, wired to the radio (peripherals/sx127x-bus.ts). */
export function installKalumaGpio(board: BoardState): void {
  const vm = board.vm;
  for (const [name, value] of Object.entries(KALUMA_GPIO)) vm.setProp(vm.global, name, vm.newNumber(value));
  defineFunction(vm, vm.global, 'pinMode', () => undefined);
  defineFunction(vm, vm.global, 'digitalWrite', (pin, value) => writePin(board, vm.getNumber(pin), value !== undefined && vm.getNumber(value) !== 0));
  defineFunction(vm, vm.global, 'digitalRead', (pin) => vm.newNumber(readPin(board, vm.getNumber(pin))));
  // setWatch(callback, pin, events, debounce): called from the event loop, unlike attachInterrupt, whose
  // callback Kaluma 1.2.1 runs inside the GPIO interrupt (targets/rp2/src/gpio.c), so it is not offered.
  defineFunction(vm, vm.global, 'setWatch', (callback, pin, events) => {
    const mode = events === undefined ? KALUMA_GPIO.CHANGE : vm.getNumber(events);
    return board.pins.watch(vm, callback, vm.getNumber(pin), (mode & KALUMA_GPIO.RISING) !== 0, true);
  });
  defineFunction(vm, vm.global, 'clearWatch', (id) => board.pins.clear(vm, id));
}

/** The image's native `smartcrypto` module object (native-crypto.ts), charged in board time per call. */
export function makeNativeCrypto(board: BoardState, costs: NativeCryptoCosts): QuickJSHandle {
  return createNativeCrypto(board.vm, costs, {
    read: (handle) => hostBytes(board.vm, handle, false),
    make: (bytes) => bytesHandle(board.vm, bytes),
    charge: (boardMs, name) => {
      board.callNativeMs += boardMs;
      board.nativeCryptoMs += boardMs;
      board.nativeCryptoCalls[name]++;
    },
  });
}
