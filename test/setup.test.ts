// The tree as `make setup` leaves it: npx runs the command without npm warnings (no unknown settings in
// .npmrc), every install script is reviewed in allowScripts, and cbor-extract loads the binding built
// from source, not a prebuilt one.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const require = createRequire(import.meta.url);

test('npx smartchain --version prints the version and no npm warning', () => {
  const result = spawnSync('npx', ['smartchain', '--version'], { encoding: 'utf8', timeout: 60000 });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^smartchain \d+\.\d+\.\d+\n$/);
  assert.is(result.stderr, '', 'npx warned');
});

test('allowScripts approves or denies every locked package with an install script, and names no other', () => {
  // package-lock.json marks each package whose install scripts npm would run (hasInstallScript); the
  // lock, not the installed tree, so the check holds wherever node_modules lives.
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const allowScripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
  const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const scripted = new Set(Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.hasInstallScript === true).map(([path]) => nameOf(path)));
  assert.ok(scripted.size > 0);
  for (const name of scripted) assert.type(allowScripts[name], 'boolean', `${name} has an install script that allowScripts neither approves nor denies`);
  for (const name of Object.keys(allowScripts)) assert.ok(scripted.has(name), `allowScripts names ${name}, which has no install script in the lock`);
});

test('cbor-extract loads its own binding, built from source by make setup', () => {
  const directory = dirname(require.resolve('cbor-extract'));
  const binding = (require('node-gyp-build-optional-packages') as { path(directory: string): string }).path(directory);
  assert.is(relative(directory, binding), join('build', 'Release', 'extract.node'));
  assert.type(require('cbor-extract'), 'object');
});

test.run();
