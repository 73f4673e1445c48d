// Bundles firmware/ with one board's adapter (boards/<board>/main.ts) into one minified IIFE script,
// dist/<board>/firmware.js, through esbuild, with the guards of guards.ts: syntax the runtime lacks is
// refused at build time, runtime globals it lacks must not appear, no NUL byte, and only the runtime's
// built-in modules (and the native modules its board's image adds) may be required; its first line is the
// stamp of bundle-stamp.ts. Returns a size report per module from esbuild's metafile.
import { pruneNacl } from './prune-nacl';
import { checkProtocolRelations } from '../../firmware/protocol';
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BoardDescription, Runtime } from './boards';
import { projectVersion, stampBundle } from './bundle-stamp';
import { Violation, findNulBytes, findRuntimeRequires, findRuntimeViolations, findSyntaxViolations } from './guards';

export class BuildError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

/** Built-in modules each runtime offers to require() (docs/platforms.md A3, B3); everything else is bundled. */
export const RUNTIME_MODULES: Record<Runtime, string[]> = {
  'kaluma-1.2.1': ['uart', 'spi', 'i2c', 'fs', 'flash', 'rp2', 'gpio', 'pwm', 'adc', 'events', 'stream', 'storage'],
  'espruino-esp32': ['Storage', 'crypto', 'ESP32'],
  quickjs: [],
};

/** esbuild's own refusals (it cannot lower these to the target); the input guard covers the rest. */
const ESBUILD_SUPPORTED: Record<Runtime, Record<string, boolean>> = {
  'kaluma-1.2.1': { 'optional-chain': false, 'logical-assignment': false, 'class-private-field': false, 'class-private-method': false },
  'espruino-esp32': {
    destructuring: false, 'default-argument': false, 'rest-argument': false, 'array-spread': false, 'object-rest-spread': false,
    'async-await': false, 'async-generator': false, generator: false, 'exponent-operator': false, 'optional-chain': false,
    bigint: false, 'logical-assignment': false, 'class-private-field': false, 'class-private-method': false,
  },
  quickjs: {},
};

export type ModuleSize = { module: string; bytes: number };
export type BuildResult = { board: string; outfile: string; bytes: number; budget: number; modules: ModuleSize[] };

/** tweetnacl without the primitives a board never runs (prune-nacl.ts). */
function pruneNaclPlugin(keepSigning: boolean, packConstants: boolean): esbuild.Plugin {
  return {
    name: 'prune-nacl',
    setup(build) {
      build.onLoad({ filter: /tweetnacl[\\/]nacl\.js$/ }, (args) => ({ contents: pruneNacl(readFileSync(args.path, 'utf8'), keepSigning, packConstants), loader: 'js' }));
    },
  };
}

/** What a board may require: its runtime's built-in modules and the native modules of its image. */
export function boardModules(board: BoardDescription): string[] {
  return RUNTIME_MODULES[board.runtime].concat(board.native_modules);
}

/**
 * A board requires only its runtime's and image's modules. tweetnacl looks for Node's `crypto` to seed its
 * PRNG; the board supplies randomness through its Platform instead, so `crypto` resolves to an empty
 * module. Any other Node built-in is a build error.
 */
function runtimeModulesPlugin(runtime: Runtime, modules: string[]): esbuild.Plugin {
  return {
    name: 'smartchain-runtime-modules',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path === 'crypto' && args.importer.includes('tweetnacl')) return { path: 'crypto', namespace: 'empty' };
        if (modules.includes(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'buffer'].includes(args.path)) {
          return { errors: [{ text: `module '${args.path}' is not available on ${runtime}` }] };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

function describe(violations: Violation[]): string {
  return violations
    .slice(0, 5)
    .map((violation) => `${violation.feature} at ${violation.file}:${violation.line}`)
    .join('; ');
}

/**
 * The build's heap reductions, each on unless a build turns it off; host-tools/bench/heap-surgery.ts
 * measures what each buys on the real runtimes (docs/platforms.md F says what each buys and why it stays).
 */
export const SURGERY_PIECES = ['prune-nacl', 'pack-sha512-constants'] as const;
export type SurgeryPiece = (typeof SURGERY_PIECES)[number];

/**
 * keepNaclSigning: keep tweetnacl's own sign and verify (the validation bench's naive baseline runs them).
 * surgeryOff: heap reductions left out of this build.
 */
export type BuildOptions = { entry?: string; outfile?: string; root?: string; minify?: boolean; keepNaclSigning?: boolean; surgeryOff?: SurgeryPiece[] };

export async function buildBoard(board: BoardDescription, options: BuildOptions = {}): Promise<BuildResult> {
  // The protocol's relations are checked here, not on the boards (firmware/protocol.ts).
  checkProtocolRelations();
  const root = options.root ?? '.';
  const entry = options.entry ?? join(root, 'boards', board.board, 'main.ts');
  const outfile = options.outfile ?? join(root, 'dist', board.board, 'firmware.js');
  const surgery = (piece: SurgeryPiece) => !(options.surgeryOff ?? []).includes(piece);
  const plugins = [runtimeModulesPlugin(board.runtime, boardModules(board))];
  // SHA-512's round constants are packed by the same transform, so without pruning they are not packed either.
  if (surgery('prune-nacl')) plugins.push(pruneNaclPlugin(options.keepNaclSigning === true, surgery('pack-sha512-constants')));
  let result: esbuild.BuildResult & { metafile: esbuild.Metafile };
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['main', 'module'],
      target: 'es2020',
      supported: ESBUILD_SUPPORTED[board.runtime],
      minify: options.minify !== false,
      charset: 'ascii',
      legalComments: 'none',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outfile,
      plugins,
      // tweetnacl's small variant: 18.7 KB minified against nacl-fast's 32.6 KB. On a 180 KB Kaluma heap a
      // byte of source costs about 2.3 bytes once parsed (docs/platforms.md D), so nacl-fast would leave the
      // node almost no room; the speed we give up is won back by the sliced fast verification.
      alias: { tweetnacl: 'tweetnacl/nacl.js' },
      // tweetnacl probes `typeof require` for Node's crypto to seed its PRNG; on a board there is no such
      // require (randomness comes from the Platform), and leaving it would pull in esbuild's require shim.
      define: { require: 'undefined' },
      // The runtime's own require, captured outside the bundle: a require() call inside it would make
      // esbuild add a shim built on Proxy, which Espruino lacks.
      banner: { js: board.runtime === 'quickjs' ? '' : 'var __runtimeRequire = require;' },
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const first = failure.errors?.[0];
    const where = first?.location ? ` at ${first.location.file}:${first.location.line}` : '';
    throw new BuildError('BUILD_REFUSED', `${board.board}: ${first?.text ?? String(error)}${where}`);
  }
  const syntax: Violation[] = [];
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.startsWith('empty:') || input.endsWith('.json')) continue;
    syntax.push(...findSyntaxViolations(board.runtime, input, readFileSync(input, 'utf8')));
  }
  if (syntax.length > 0) throw new BuildError('BUILD_SYNTAX_UNSUPPORTED', `${board.board} (${board.runtime}) lacks ${describe(syntax)}`);
  const output = (result.outputFiles as esbuild.OutputFile[])[0];
  const modules = findRuntimeRequires(output.text).filter((name) => !boardModules(board).includes(name));
  if (modules.length > 0) throw new BuildError('BUILD_MODULE_UNAVAILABLE', `${board.board} (${board.runtime}) has no module ${modules.join(', ')}`);
  const runtime = findRuntimeViolations(board.runtime, outfile, output.text);
  if (runtime.length > 0) throw new BuildError('BUILD_RUNTIME_UNSUPPORTED', `${board.board} (${board.runtime}) lacks ${describe(runtime)}`);
  const nul = findNulBytes(output.contents);
  if (nul.length > 0) throw new BuildError('BUILD_NUL_BYTE', `${board.board}: NUL byte at offset ${nul.join(', ')} would truncate the program`);
  // The stamp line (board, version, length and SHA-256 of the rest) lets `smartchain flash` refuse
  // anything else before it writes to a board (bundle-stamp.ts).
  const stamped = stampBundle(board.board, projectVersion(), output.contents);
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, stamped);
  const meta = Object.values(result.metafile.outputs)[0];
  const sizes = Object.entries(meta.inputs)
    .map(([module, info]) => ({ module, bytes: info.bytesInOutput }))
    .sort((left, right) => right.bytes - left.bytes);
  return { board: board.board, outfile, bytes: stamped.length, budget: board.bundle_bytes_max, modules: sizes };
}

export function formatSizeReport(build: BuildResult): string {
  const lines = [`${build.board}: ${build.outfile} ${build.bytes} bytes of ${build.budget} (${((100 * build.bytes) / build.budget).toFixed(1)} %)`];
  for (const entry of build.modules) if (entry.bytes > 0) lines.push(`  ${String(entry.bytes).padStart(7)}  ${entry.module}`);
  return lines.join('\n');
}

export function writeSizeReport(build: BuildResult): void {
  writeFileSync(join(dirname(build.outfile), 'size-report.json'), JSON.stringify(build, null, 2) + '\n');
}
