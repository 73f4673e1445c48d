// The smartcrypto core built for the host with gcc under AddressSanitizer and UndefinedBehaviorSanitizer
// (the same C as the pico image, without the JerryScript bindings), driven through its line harness
// (smartcrypto-harness.c) and compared with node:crypto plus the shared policy.
// Run: node --import tsx host-tools/crypto/smartcrypto-host.ts [CASES] [SEED]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CryptoCase, randomCases, rfc8032Cases, wycheproofCases } from './smartcrypto-cases';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../firmware/protocol';

const ROOT = resolve(import.meta.dirname, '../..');
const MODULE = join(ROOT, 'boards/pico/image/smartcrypto');
export const ED25519_SOURCE = join(ROOT, 'node_modules/ed25519-supercop/vendor/ed25519/src');
/** orlp's files the module links (the image's module.cmake lists the same). */
const ED25519_FILES = ['sha512.c', 'fe.c', 'ge.c', 'sc.c', 'sign.c', 'verify.c', 'keypair.c'];
/** ref10's field functions that field.c replaces: renamed away in orlp's fe.c, as module.cmake does. */
const FE_RENAMES = ['fe_mul', 'fe_sq', 'fe_sq2', 'fe_invert', 'fe_pow22523'].map((name) => `-D${name}=ref10_${name}`);
const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O1'];
/**
 * ref10 (orlp's ge.c, fe.c) shifts negative numbers left, undefined in C99 but defined by GCC, which the
 * board's compiler is ("GCC does not use the latitude given in C99 and C11 only to treat certain aspects
 * of signed '<<' as undefined", GCC manual, Integers implementation): exempt from that one check there.
 */
const ED25519_SANITIZE_EXEMPT = ['-fno-sanitize=shift-base'];
/** Our files get the module's warning bar; orlp's compile with the sanitizers but without -Werror. */
const OWN_WARNINGS = ['-std=c99', '-Wall', '-Wextra', '-Werror'];

function compile(args: string[]): void {
  const result = spawnSync('gcc', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`HOST_BUILD_FAILED: gcc ${args.join(' ')}\n${result.stderr}`);
}

/** Builds the harness into a new temporary folder; the caller removes it (see withHarness). */
function buildHarness(folder: string): string {
  const ed25519 = realpathSync(ED25519_SOURCE);
  const include = ['-I', MODULE, '-I', ed25519];
  const objects: string[] = [];
  for (const file of ED25519_FILES) {
    const object = join(folder, file.replace('.c', '.o'));
    compile([...SANITIZE, ...ED25519_SANITIZE_EXEMPT, '-std=c99', ...include, ...(file === 'fe.c' ? FE_RENAMES : []), '-c', join(ed25519, file), '-o', object]);
    objects.push(object);
  }
  for (const source of [join(MODULE, 'smartcrypto.c'), join(MODULE, 'field.c'), join(ROOT, 'host-tools/crypto/smartcrypto-harness.c')]) {
    const object = join(folder, source.split('/').pop()!.replace('.c', '.o'));
    compile([...SANITIZE, ...OWN_WARNINGS, ...include, '-c', source, '-o', object]);
    objects.push(object);
  }
  const binary = join(folder, 'smartcrypto-harness');
  compile([...SANITIZE, ...objects, '-o', binary]);
  return binary;
}

const hex = (bytes: Uint8Array) => (bytes.length === 0 ? '-' : Buffer.from(bytes).toString('hex'));

/** The harness line of a case, or null for a verification the binding refuses by length (a TypeError). */
function caseLine(entry: CryptoCase): string | null {
  if (entry.kind === 'verify') {
    if (entry.signature.length !== SIGNATURE_BYTES || entry.publicKey.length !== PUBLIC_KEY_BYTES) return null;
    return `v ${hex(entry.signature)} ${hex(entry.message)} ${hex(entry.publicKey)}`;
  }
  if (entry.kind === 'sign') return `s ${hex(entry.message)} ${hex(entry.secretKey)}`;
  if (entry.kind === 'publicKey') return `p ${hex(entry.seed)}`;
  return `h ${hex(entry.message)}`;
}

function expectedAnswer(entry: CryptoCase): string {
  if (entry.kind === 'verify') return entry.expected ? '1' : '0';
  return Buffer.from(entry.expected).toString('hex');
}

export type HostResult = { cases: number; byLength: number; disagreements: string[]; seconds: number };

/** Runs the cases through the sanitized host build; a sanitizer report or crash is an error. */
export function runHost(cases: CryptoCase[]): HostResult {
  const started = Date.now();
  const folder = mkdtempSync(join(tmpdir(), 'smartcrypto-host-'));
  try {
    const binary = buildHarness(folder);
    const lines: string[] = [];
    const checked: CryptoCase[] = [];
    let byLength = 0;
    for (const entry of cases) {
      const line = caseLine(entry);
      if (line === null) {
        // The binding throws for these; only an invalid vector may have a wrong length.
        if (entry.kind === 'verify' && entry.expected) throw new Error(`VECTOR_LENGTH: ${entry.label} is valid but has a wrong length`);
        byLength++;
        continue;
      }
      lines.push(line);
      checked.push(entry);
    }
    const result = spawnSync(binary, [], {
      input: lines.join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
    });
    if (result.status !== 0) throw new Error(`HARNESS_FAILED: exit ${result.status ?? result.signal}\n${result.stderr.slice(0, 4000)}`);
    const answers = result.stdout.trimEnd().split('\n');
    if (answers.length !== checked.length) throw new Error(`HARNESS_ANSWERS: ${answers.length} answers for ${checked.length} cases`);
    const disagreements: string[] = [];
    checked.forEach((entry, index) => {
      const expected = expectedAnswer(entry);
      if (answers[index] !== expected && disagreements.length < 10) disagreements.push(`${entry.label}: expected ${expected}, got ${answers[index]}`);
    });
    return { cases: cases.length, byLength, disagreements, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function allHostCases(randomCount: number, seed: number): CryptoCase[] {
  return [...rfc8032Cases(), ...wycheproofCases(), ...randomCases(randomCount, seed)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100000);
  const seed = Number(process.argv[3] ?? Date.now() % 2147483647);
  const result = runHost(allHostCases(count, seed));
  console.log(JSON.stringify({ ...result, seed }));
  process.exitCode = result.disagreements.length === 0 ? 0 : 1;
}
