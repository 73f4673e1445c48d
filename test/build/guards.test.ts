// Each build guard rejects a sample that uses what the runtime lacks, a clean sample passes, and every
// real bundle is free of NUL bytes and within its budget.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BOARDS, BoardFileError, loadBoard, parseBoard } from '../../host-tools/build/boards';
import { BuildError, buildBoard } from '../../host-tools/build/bundle';
import { findNulBytes } from '../../host-tools/build/guards';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-guards-'));
let counter = 0;

async function buildSample(boardName: string, source: string): Promise<string> {
  const entry = join(directory, `sample-${counter++}.ts`);
  writeFileSync(entry, source);
  try {
    await buildBoard(loadBoard(boardName), { entry, outfile: join(directory, `out-${counter}.js`) });
    return 'OK';
  } catch (error) {
    assert.ok(error instanceof BuildError, String(error));
    return (error as BuildError).code;
  }
}

const ESPRUINO_SYNTAX: [string, string][] = [
  ['destructuring', 'declare const input: { a: number }; const { a } = input; export const out = a;'],
  ['array destructuring', 'declare const input: number[]; const [a] = input; export const out = a;'],
  ['spread', 'declare const input: number[]; export const out = [1, ...input];'],
  ['object spread', 'declare const input: object; export const out = { ...input };'],
  ['rest parameter', 'export function f(...items: number[]) { return items.length; }'],
  ['default parameter', 'export function f(a = 1) { return a; }'],
  ['async/await', 'export async function f() { await 1; }'],
  ['generator', 'export function* f() { yield 1; }'],
  ['exponent', 'declare const input: number; export const out = input ** 2;'],
  ['optional chaining', 'declare const input: { a?: { b: number } }; export const out = input.a?.b;'],
  ['logical assignment', 'declare let input: number | undefined; input ??= 1; export const out = input;'],
  ['private field', 'export class A { #x = 1; get() { return this.#x; } }'],
];

test('the esp32 build refuses every syntax Espruino lacks', async () => {
  for (const [name, source] of ESPRUINO_SYNTAX) {
    const code = await buildSample('esp32', source);
    assert.ok(code === 'BUILD_SYNTAX_UNSUPPORTED' || code === 'BUILD_REFUSED', `${name}: ${code}`);
  }
});

test('the esp32 build refuses runtime features Espruino lacks', async () => {
  const samples: [string, string][] = [
    ['Map', 'export const out = new Map();'],
    ['Set', 'export const out = new Set([1]);'],
    ['Symbol', 'export const out = Symbol("x");'],
    ['BigInt', 'export const out = BigInt(1);'],
    ['Math.imul', 'export const out = Math.imul(3, 4);'],
    ['TextEncoder', 'export const out = new TextEncoder();'],
  ];
  for (const [name, source] of samples) assert.is(await buildSample('esp32', source), 'BUILD_RUNTIME_UNSUPPORTED', name);
  assert.is(await buildSample('esp32', 'export const out = { Map: 1 }.Map + Math.floor(2.5);'), 'OK');
});

test('the pico build refuses what JerryScript 2.4 lacks and accepts the rest of ES2020', async () => {
  assert.is(await buildSample('pico', ESPRUINO_SYNTAX[9][1]), 'BUILD_SYNTAX_UNSUPPORTED');
  assert.is(await buildSample('pico', ESPRUINO_SYNTAX[10][1]), 'BUILD_SYNTAX_UNSUPPORTED');
  assert.is(await buildSample('pico', ESPRUINO_SYNTAX[11][1]), 'BUILD_SYNTAX_UNSUPPORTED');
  assert.is(await buildSample('pico', 'declare const input: number[]; export const out = input.at(-1);'), 'BUILD_RUNTIME_UNSUPPORTED');
  assert.is(await buildSample('pico', 'declare const input: { a: number }; const { a } = input; export const out = [a, ...[1]];'), 'OK');
  assert.is(await buildSample('pico', 'export const out = new Map();'), 'OK');
});

test('only the runtime\'s built-in modules and its image\'s native modules may be required', async () => {
  const source = (name: string) => `declare function __runtimeRequire(name: string): unknown; export const out = __runtimeRequire('${name}');`;
  assert.is(await buildSample('pico', source('uart')), 'OK');
  assert.is(await buildSample('pico', source('net')), 'BUILD_MODULE_UNAVAILABLE');
  assert.is(await buildSample('pico', source('smartcrypto')), 'OK', 'our image has it (board.json native_modules)');
  assert.is(await buildSample('pico-stock', source('smartcrypto')), 'BUILD_MODULE_UNAVAILABLE', 'the stock image has not');
  assert.is(await buildSample('esp32', source('smartcrypto')), 'BUILD_MODULE_UNAVAILABLE');
  assert.is(await buildSample('esp32', source('Storage')), 'OK');
  assert.is(await buildSample('esp32', source('uart')), 'BUILD_MODULE_UNAVAILABLE');
  assert.is(await buildSample('pico', "import { readFileSync } from 'node:fs'; export const out = readFileSync;"), 'BUILD_REFUSED');
});

test('a NUL byte in a bundle fails the build', async () => {
  assert.is(await buildSample('pico', 'export const out = "a\\u0000b".length;'), 'OK'); // escaped in source: no raw NUL
  assert.equal(findNulBytes(new Uint8Array([1, 0, 2, 0])), [1, 3]);
  const withNul = join(directory, 'nul.js');
  writeFileSync(withNul, Buffer.from('export const out = "a\u0000b";', 'utf8'));
  const code = await buildSample('pico', `import { out as raw } from ${JSON.stringify(withNul)}; export const out = raw;`);
  assert.is(code, 'OK', 'esbuild escapes a raw NUL in a string literal (charset ascii)');
});

test('every board bundle builds under budget and holds no NUL byte', async () => {
  for (const name of BOARDS) {
    const board = loadBoard(name);
    const result = await buildBoard(board);
    assert.ok(result.bytes <= board.bundle_bytes_max, `${name}: ${result.bytes} > ${board.bundle_bytes_max}`);
    assert.equal(findNulBytes(readFileSync(result.outfile)), [], `${name} bundle has a NUL byte`);
    assert.ok(result.modules.some((entry) => entry.module.includes('firmware/node.ts')));
  }
});

test('the pico bundle carries no JS Ed25519 and asks the image for smartcrypto; the pico-stock bundle carries the sliced path', async () => {
  const jsPath = ['tweetnacl', 'firmware/crypto/fast-verify.ts', 'firmware/crypto/nonces.ts', 'firmware/crypto/ed25519.ts', 'boards/common/sliced-crypto.ts'];
  const pico = await buildBoard(loadBoard('pico'));
  const stock = await buildBoard(loadBoard('pico-stock'));
  const has = (result: typeof pico, part: string) => result.modules.some((entry) => entry.module.includes(part) && entry.bytes > 0);
  for (const part of jsPath) {
    assert.not.ok(has(pico, part), `pico carries ${part}`);
    assert.ok(has(stock, part), `pico-stock lacks ${part}`);
  }
  assert.ok(readFileSync(pico.outfile, 'utf8').includes('__runtimeRequire("smartcrypto")'));
  assert.not.ok(readFileSync(stock.outfile, 'utf8').includes('smartcrypto'));
  assert.ok(stock.bytes - pico.bytes > 10000, `the JS path is ${stock.bytes - pico.bytes} B of bundle`);
});

test('pruning tweetnacl is what keeps the pico-stock bundle under its budget, and leaves out the box code', async () => {
  // The one heap reduction the build keeps (docs/platforms.md F): without it tweetnacl's encryption, which a
  // board never runs, is in every JS-crypto bundle, and the pico-stock bundle is over bundle_bytes_max, the
  // budget set from its real heap (docs/boards.md: unpruned, its real idle peak leaves 17 KB, not 40 KB).
  for (const name of ['pico-stock', 'esp32']) {
    const board = loadBoard(name);
    const pruned = await buildBoard(board, { outfile: join(directory, `${name}-pruned.js`) });
    const whole = await buildBoard(board, { outfile: join(directory, `${name}-whole.js`), surgeryOff: ['prune-nacl'] });
    assert.ok(whole.bytes - pruned.bytes > 10000, `${name}: pruning saves ${whole.bytes - pruned.bytes} B`);
    assert.ok(readFileSync(whole.outfile, 'utf8').includes('crypto_secretbox'), `${name}: the whole tweetnacl has the box code`);
    assert.not.ok(readFileSync(pruned.outfile, 'utf8').includes('crypto_secretbox'), `${name}: the pruned one has not`);
  }
  const stock = loadBoard('pico-stock');
  const whole = await buildBoard(stock, { outfile: join(directory, 'pico-stock-whole.js'), surgeryOff: ['prune-nacl'] });
  assert.ok(whole.bytes > stock.bundle_bytes_max, `pico-stock without pruning: ${whole.bytes} B of ${stock.bundle_bytes_max}`);
});

test('the pruned tweetnacl in a board bundle still hashes as SHA-512 does', async () => {
  const entry = join(directory, 'sha512-sample.ts');
  writeFileSync(entry, `import { sha512 } from ${JSON.stringify(resolve('firmware/crypto/fast-verify'))};\n(globalThis as unknown as { sha512: unknown }).sha512 = sha512;\n`);
  const outfile = join(directory, 'sha512-sample.js');
  await buildBoard(loadBoard('emulator'), { entry, outfile });
  const context: { sha512?: (bytes: Uint8Array) => Uint8Array; Uint8Array: typeof Uint8Array } = { Uint8Array };
  runInNewContext(readFileSync(outfile, 'utf8'), context);
  // Lengths around the 112- and 128-byte padding boundaries, and several blocks.
  for (const length of [0, 1, 111, 112, 127, 128, 129, 239, 240, 300]) {
    const input = Uint8Array.from({ length }, (_, index) => (index * 131 + length) & 255);
    assert.is(Buffer.from((context.sha512 as (bytes: Uint8Array) => Uint8Array)(input)).toString('hex'), createHash('sha512').update(input).digest('hex'), `length ${length}`);
  }
});

test('board files are validated field by field', () => {
  const good = readFileSync('boards/pico/board.json', 'utf8');
  assert.is(parseBoard(good, 'pico').heap_bytes_max, 184312);
  const code = (text: string) => {
    try {
      parseBoard(text, 'x');
      return 'OK';
    } catch (error) {
      return (error as BoardFileError).code;
    }
  };
  assert.is(code('{'), 'BOARD_FILE_JSON');
  assert.is(code(good.replace('"watchdog_ms": 8000', '"watchdog_ms": 9000')), 'BOARD_FIELD_RANGE');
  assert.is(code(good.replace('"heap_bytes_max": 184312', '"heap_bytes_max": "big"')), 'BOARD_FIELD_TYPE');
  assert.is(code(good.replace('"spreading_factor": 7', '"spreading_factor": 13')), 'BOARD_FIELD_RANGE');
  assert.is(code(good.replace('"slice_board_ms_max": 1000', '"slice_board_ms_max": 8000')), 'BOARD_FIELD_RANGE');
  assert.throws(() => loadBoard('arduino'), (error: BoardFileError) => error.code === 'BOARD_UNKNOWN');
  // An image's native modules: known names only, and smartcrypto exactly with its measured board time.
  assert.equal(loadBoard('pico').native_modules, ['smartcrypto']);
  assert.equal(loadBoard('pico-stock').native_modules, [], 'absent in the file: a stock image');
  assert.is(loadBoard('pico-stock').native_crypto_board_ms, undefined);
  assert.is(code(good.replace('"native_modules": ["smartcrypto"]', '"native_modules": ["crypto"]')), 'BOARD_FIELD_RANGE');
  assert.is(code(good.replace('"native_modules": ["smartcrypto"]', '"native_modules": "smartcrypto"')), 'BOARD_FIELD_TYPE');
  assert.is(code(good.replace('"native_modules": ["smartcrypto"]', '"native_modules": []')), 'BOARD_FIELD_RANGE', 'costs without the module');
  assert.is(code(good.replace('"verify": 84.2', '"verify": "fast"')), 'BOARD_FIELD_TYPE');
  assert.is(code(good.replace('"verify": 84.2', '"verify": 0')), 'BOARD_FIELD_RANGE');
  assert.is(code(good.replace(/"basis": "[^"]*"/, '"basis": 1')), 'BOARD_FIELD_TYPE');
  const stockText = readFileSync('boards/pico-stock/board.json', 'utf8');
  assert.is(code(stockText.replace('"runtime": "kaluma-1.2.1",', '"runtime": "kaluma-1.2.1", "native_modules": ["smartcrypto"],')), 'BOARD_FIELD_RANGE', 'the module without its costs');
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
