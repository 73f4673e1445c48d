// The smartcrypto module on the real image in rp2040js: a case set written into the simulated flash and
// run through the module by a small REPL program (host-tools/crypto/smartcrypto-cases.ts makes the cases
// and their node:crypto answers), and the module's timings in board time and cycles.
// Run: node --import tsx host-tools/bench/smartcrypto-image.ts [IMAGE.bin] [CASES]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CryptoCase, randomCases, rfc8032Cases, wycheproofCases } from '../crypto/smartcrypto-cases';
import { CYCLE_NANOS, KalumaBoard } from './rp2040-repl';

const ROOT = resolve(import.meta.dirname, '../..');
export const DEFAULT_IMAGE = resolve(ROOT, 'dist/pico/kaluma-smartchain.bin');
/** Kaluma's Flash sectors count from its storage at 0xFC000; sector 132 is the littlefs region at
 * 0x180000 (targets/rp2/boards/pico/board.h), unused here. rp2040js's flash is 16 MB, so a case set may
 * run past the Pico's 2 MB without harm in the simulator. */
const CASES_SECTOR = 132;
const FLASH_SECTOR_BYTES = 4096;
const KALUMA_FLASH_OFFSET = 0xfc000;
const CASES_FLASH_OFFSET = KALUMA_FLASH_OFFSET + CASES_SECTOR * FLASH_SECTOR_BYTES;
/** Cases per REPL call: each call's board time stays in tens of seconds. */
const CASES_PER_CALL = 200;
const HEADER_BYTES = 9;
const KIND_CODES = { verify: 1, sign: 2, publicKey: 3, sha512: 4 } as const;

/** The case set as bytes: a table of u32 offsets, then per case a kind byte, four u16 lengths, fields. */
export function encodeCases(cases: CryptoCase[]): Uint8Array {
  const records = cases.map((entry) => {
    const fields: Uint8Array[] =
      entry.kind === 'verify' ? [entry.signature, entry.message, entry.publicKey, Uint8Array.of(entry.expected ? 1 : 0)]
      : entry.kind === 'sign' ? [entry.message, entry.secretKey, entry.expected, new Uint8Array(0)]
      : entry.kind === 'publicKey' ? [entry.seed, entry.expected, new Uint8Array(0), new Uint8Array(0)]
      : [entry.message, entry.expected, new Uint8Array(0), new Uint8Array(0)];
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = KIND_CODES[entry.kind];
    fields.forEach((field, index) => header.writeUInt16LE(field.length, 1 + 2 * index));
    return Buffer.concat([header, ...fields]);
  });
  const table = Buffer.alloc(4 * cases.length);
  let offset = table.length;
  records.forEach((record, index) => {
    table.writeUInt32LE(offset, 4 * index);
    offset += record.length;
  });
  return new Uint8Array(Buffer.concat([table, ...records]));
}

/** The board-side runner, typed as short lines (each under the REPL's 1024-byte buffer). */
const RUNNER_LINES = [
  `var sc=require('smartcrypto'),F=new (require('flash').Flash)(${CASES_SECTOR},1);`,
  'function rd(o,n){var b=new Uint8Array(n);if(n>0)F.read(0,b,o);return b}',
  'function u16(b,i){return b[i]|(b[i+1]<<8)}',
  'function eq(a,b){if(a.length!==b.length)return false;for(var i=0;i<a.length;i++)if(a[i]!==b[i])return false;return true}',
  'function vf(a,b,c){try{return sc.verify(a,b,c)}catch(e){if(e instanceof TypeError){te++;return false}throw e}}',
  'var te=0;function one(i){var x=rd(4*i,4),o=x[0]|(x[1]<<8)|(x[2]<<16)|(x[3]*16777216),h=rd(o,9),f=[],p=o+9,k;' +
    'for(k=0;k<4;k++){f.push(rd(p,u16(h,1+2*k)));p+=u16(h,1+2*k)}' +
    'if(h[0]===1)return vf(f[0],f[1],f[2])===(f[3][0]===1);if(h[0]===2)return eq(sc.sign(f[0],f[1]),f[2]);' +
    'if(h[0]===3)return eq(sc.publicKey(f[0]),f[1]);if(h[0]===4)return eq(sc.sha512(f[0]),f[1]);return false}',
  'function run(a,b){var ok=0,bad=[],i;for(i=a;i<b;i++){if(one(i))ok++;else if(bad.length<5)bad.push(i)}return ok+\'/\'+(b-a)+\'/\'+bad.join(\',\')}',
];

export type CaseRun = { cases: number; agreed: number; typeErrors: number; disagreements: string[]; boardSeconds: number; wallSeconds: number };

/** Boots the image with the cases in flash and runs them all through the module. */
export function runCasesOnImage(image: Uint8Array, cases: CryptoCase[]): CaseRun {
  const started = Date.now();
  const board = new KalumaBoard(image, [{ offset: CASES_FLASH_OFFSET, bytes: encodeCases(cases) }]);
  board.boot();
  for (const line of RUNNER_LINES) board.define(line);
  let agreed = 0;
  let boardNanos = 0;
  const disagreements: string[] = [];
  for (let first = 0; first < cases.length; first += CASES_PER_CALL) {
    const last = Math.min(cases.length, first + CASES_PER_CALL);
    const result = board.evaluate(`run(${first},${last})`);
    boardNanos += result.boardNanos;
    const [ok, , bad] = result.text.split('/');
    agreed += Number(ok);
    for (const index of bad.split(',').filter((text) => text !== '')) disagreements.push(cases[Number(index)].label);
  }
  const typeErrors = Number(board.evaluate('te').text);
  return { cases: cases.length, agreed, typeErrors, disagreements, boardSeconds: boardNanos / 1e9, wallSeconds: (Date.now() - started) / 1000 };
}

export type Timing = { operation: string; iterations: number; boardMs: number; cycles: number };

/** Board time and cycles per call of each operation on a 150-byte message (about a record). */
export function benchImage(image: Uint8Array): { timings: Timing[]; heapUsedAtPrompt: number; builtin: boolean } {
  const board = new KalumaBoard(image);
  board.boot();
  const builtin = board.evaluate("process.builtin_modules.indexOf('smartcrypto')>=0").text === 'true';
  const heapUsedAtPrompt = Number(board.evaluate('process.memoryUsage().heapUsed').text);
  board.define("var sc=require('smartcrypto'),seed=new Uint8Array(32),m=new Uint8Array(150),i;for(i=0;i<32;i++)seed[i]=i*7+1;for(i=0;i<150;i++)m[i]=i;");
  board.define('var pk=sc.publicKey(seed),sk=new Uint8Array(64);sk.set(seed);sk.set(pk,32);var s=sc.sign(m,sk);');
  const loop = (body: string, iterations: number) => `(function(){var t=millis(),i;for(i=0;i<${iterations};i++){${body}}return millis()-t})()`;
  const measure = (operation: string, body: string, iterations: number): Timing => {
    const empty = board.evaluate(loop('', iterations));
    const full = board.evaluate(loop(body, iterations));
    return { operation, iterations, boardMs: Number(full.text) / iterations, cycles: Math.round((full.cycles - empty.cycles) / iterations) };
  };
  if (board.evaluate('sc.verify(s,m,pk)').text !== 'true') throw new Error('BENCH_SETUP: the signature made on the board does not verify');
  const timings = [
    measure('verify (150-byte message)', 'sc.verify(s,m,pk)', 5),
    measure('sign (150-byte message)', 'sc.sign(m,sk)', 5),
    measure('publicKey', 'sc.publicKey(seed)', 5),
    measure('sha512 (150 bytes)', 'sc.sha512(m)', 50),
  ];
  return { timings, heapUsedAtPrompt, builtin };
}

export { CYCLE_NANOS };

export function imageCases(randomCount: number, seed: number): CryptoCase[] {
  return [...rfc8032Cases(), ...wycheproofCases(), ...randomCases(randomCount, seed)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const image = readFileSync(process.argv[2] ?? DEFAULT_IMAGE);
  const bench = benchImage(image);
  console.log(JSON.stringify({ imageBytes: image.length, ...bench }, null, 1));
  const count = Number(process.argv[3] ?? 0);
  if (count > 0) console.log(JSON.stringify(runCasesOnImage(image, imageCases(count, 1))));
}
