// `make image`: Kaluma 1.2.1 for the Raspberry Pi Pico with our native `smartcrypto` module in its module
// list, written to dist/pico/kaluma-smartchain.bin and .uf2. Kaluma's source is the tarball in
// ../shared/upstream/kaluma/ or, with KALUMA_DIR, a user's own 1.2.1 checkout; PICO_SDK_PATH, when set,
// replaces the pico-sdk inside it. Work happens in build/kaluma/ and a re-run rebuilds only what changed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { binToUf2 } from './uf2';

const ROOT = resolve(import.meta.dirname, '../..');
const TARBALL = resolve(ROOT, '../shared/upstream/kaluma/kaluma-1.2.1-src.tar.xz');
const WORK = join(ROOT, 'build/kaluma');
const TREE = join(WORK, 'kaluma-1.2.1');
const BUILD = join(TREE, 'build-pico');
const MODULE_SOURCE = join(ROOT, 'boards/pico/image/smartcrypto');
/** The files Kaluma's own tools read from src/modules/<name>/; the C sources stay in the repository. */
const MODULE_FILES = ['module.json', 'module.cmake', 'module_smartcrypto.h', 'smartcrypto_magic_strings.h'];
const ED25519_SOURCE = join(ROOT, 'node_modules/ed25519-supercop/vendor/ed25519/src');
export const IMAGE_BIN = join(ROOT, 'dist/pico/kaluma-smartchain.bin');
export const IMAGE_UF2 = join(ROOT, 'dist/pico/kaluma-smartchain.uf2');
const KALUMA_BIN = join(BUILD, 'kaluma-rp2-pico-1.2.1.bin');
const JOBS = process.env.JOBS ?? '2';

function fail(code: string, message: string): never {
  console.error(`${code}: ${message}`);
  process.exit(1);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  console.log(`[image] ${cwd === ROOT ? '' : `(in ${cwd.replace(ROOT + '/', '')}) `}${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  if (result.status !== 0) fail('IMAGE_BUILD_FAILED', `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Kaluma's source in build/kaluma/kaluma-1.2.1, set up once per source (a stamp records which). */
function prepareTree(): void {
  const kalumaDir = process.env.KALUMA_DIR ? resolve(process.env.KALUMA_DIR) : '';
  const sdk = process.env.PICO_SDK_PATH ? resolve(process.env.PICO_SDK_PATH) : '';
  const origin = kalumaDir === '' ? `tarball ${TARBALL} ${existsSync(TARBALL) ? statSync(TARBALL).size : 0}` : `checkout ${kalumaDir}`;
  const stamp = `${origin}\npico-sdk ${sdk || '(in the tree)'}\n`;
  const stampPath = join(WORK, 'source-stamp.txt');
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp && existsSync(TREE)) return;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(TREE, { recursive: true });
  if (kalumaDir === '') {
    if (!existsSync(TARBALL)) fail('KALUMA_SOURCE_MISSING', `${TARBALL} is absent: put ../shared/upstream beside the repository, or set KALUMA_DIR to a Kaluma 1.2.1 checkout (docs/boards.md)`);
    run('tar', ['-xJf', TARBALL, '-C', WORK], ROOT);
  } else {
    const cmake = join(kalumaDir, 'CMakeLists.txt');
    if (!existsSync(cmake) || !/set\(VER "1\.2\.1"\)/.test(readFileSync(cmake, 'utf8'))) {
      fail('KALUMA_VERSION', `${kalumaDir} is not a Kaluma 1.2.1 checkout (its CMakeLists.txt does not set VER "1.2.1")`);
    }
    // A copy, so the user's checkout is never written; its pico-sdk is linked, not copied.
    run('sh', ['-c', `tar -C "${kalumaDir}" --exclude=./.git --exclude=./lib/pico-sdk --exclude=./lib/pico-sdk-2.0.0 --exclude='./build*' --exclude=./node_modules -cf - . | tar -C "${TREE}" -xf -`], ROOT);
    if (sdk === '') symlinkSync(join(kalumaDir, 'lib/pico-sdk'), join(TREE, 'lib/pico-sdk'));
  }
  if (sdk !== '') {
    if (!existsSync(join(sdk, 'pico_sdk_init.cmake'))) fail('PICO_SDK_PATH', `${sdk} has no pico_sdk_init.cmake`);
    // Kaluma's targets/rp2/target.cmake always uses lib/pico-sdk: point that at the user's SDK.
    rmSync(join(TREE, 'lib/pico-sdk'), { recursive: true, force: true });
    symlinkSync(sdk, join(TREE, 'lib/pico-sdk'));
  }
  writeFileSync(stampPath, stamp);
}

/** Copies the module's descriptor files when they differ; returns true when any changed. */
function installModule(): boolean {
  const target = join(TREE, 'src/modules/smartcrypto');
  mkdirSync(target, { recursive: true });
  let changed = false;
  for (const name of MODULE_FILES) {
    const from = join(MODULE_SOURCE, name);
    const to = join(target, name);
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    copyFileSync(from, to); // A changed file under src/modules/ makes Kaluma rebuild JerryScript too.
    changed = true;
  }
  return changed;
}

/** The default module list of targets/rp2/target.cmake, with smartcrypto added before `startup`. */
function moduleList(): string[] {
  const text = readFileSync(join(TREE, 'targets/rp2/target.cmake'), 'utf8');
  const match = /if\(NOT MODULES\)\s*set\(MODULES([^)]*)\)/.exec(text);
  if (match === null) fail('KALUMA_MODULES', 'no default module list in targets/rp2/target.cmake');
  const modules = match[1].split(/\s+/).filter((name) => name !== '');
  if (modules[modules.length - 1] !== 'startup') fail('KALUMA_MODULES', 'the default module list does not end with startup');
  return [...modules.slice(0, -1), 'smartcrypto', 'startup'];
}

function main(): void {
  if (!existsSync(ED25519_SOURCE)) fail('ED25519_SOURCE_MISSING', `${ED25519_SOURCE} is absent: run npm ci`);
  for (const tool of ['arm-none-eabi-gcc', 'cmake', 'python3', 'make']) {
    if (!onPath(tool)) fail('TOOLCHAIN_MISSING', `${tool} is not installed: run make setup-image`);
  }
  prepareTree();
  // Kaluma's CMake calls `python`; Debian has only python3 unless python-is-python3 is installed.
  const shims = join(WORK, 'bin');
  if (!onPath('python')) {
    mkdirSync(shims, { recursive: true });
    if (!existsSync(join(shims, 'python'))) symlinkSync(spawnSync('sh', ['-c', 'command -v python3']).stdout.toString().trim(), join(shims, 'python'));
  }
  const env = { ...process.env, PATH: `${shims}${delimiter}${process.env.PATH}` };
  if (!existsSync(join(TREE, 'node_modules'))) run('npm', ['ci', '--no-audit', '--no-fund'], TREE, env);
  if (installModule()) {
    // The generated module table and magic strings have no dependencies in Kaluma's CMake: remove them
    // so they are generated again with this module's names.
    rmSync(join(TREE, 'src/gen/kaluma_modules.c'), { force: true });
  }
  const cmakeArgs = [
    '..', '-DBOARD=pico', '-DPICO_NO_PICOTOOL=1', `-DMODULES=${moduleList().join(';')}`,
    `-DSMARTCRYPTO_DIR=${MODULE_SOURCE}`, `-DED25519_SRC_DIR=${realpathSync(ED25519_SOURCE)}`,
  ];
  const argsStamp = join(BUILD, 'smartchain-cmake-args.txt');
  mkdirSync(BUILD, { recursive: true });
  if (!existsSync(join(BUILD, 'Makefile')) || !existsSync(argsStamp) || readFileSync(argsStamp, 'utf8') !== cmakeArgs.join('\n')) {
    run('cmake', cmakeArgs, BUILD, env);
    writeFileSync(argsStamp, cmakeArgs.join('\n'));
  }
  run('make', [`-j${JOBS}`], BUILD, env);
  mkdirSync(join(ROOT, 'dist/pico'), { recursive: true });
  const image = readFileSync(KALUMA_BIN);
  writeFileSync(IMAGE_BIN, image);
  writeFileSync(IMAGE_UF2, binToUf2(image));
  console.log(`[image] ${IMAGE_BIN.replace(ROOT + '/', '')}: ${image.length} bytes; ${IMAGE_UF2.replace(ROOT + '/', '')} written`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
