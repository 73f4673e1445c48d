// The layering of docs/design.md, enforced: firmware/ imports only firmware/ and the device's libraries,
// boards/ never import host-tools/, the emulator never imports firmware/ source (it runs the built
// bundles), and the firmware never reaches for Math.random or a runtime global on its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const DEVICE_LIBRARIES = ['tweetnacl'];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).sort().flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(match[1]);
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]);
  return found;
}

function resolvedTop(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return relative(process.cwd(), resolve(dirname(file), specifier)).split('/')[0];
}

test('firmware/ imports only firmware/ and the device libraries', () => {
  for (const file of sourceFiles('firmware')) {
    for (const specifier of imports(file)) {
      const top = resolvedTop(file, specifier);
      assert.ok(top === 'firmware' || DEVICE_LIBRARIES.includes(specifier), `${file} imports ${specifier}`);
    }
  }
});

test('boards/ import only firmware/, boards/ and the device libraries', () => {
  for (const file of sourceFiles('boards')) {
    for (const specifier of imports(file)) {
      const top = resolvedTop(file, specifier);
      assert.ok(top === 'firmware' || top === 'boards' || DEVICE_LIBRARIES.includes(specifier), `${file} imports ${specifier}`);
    }
  }
});

test('the emulator runs bundles and never imports firmware/ source but the protocol numbers', () => {
  let files: string[] = [];
  try {
    files = sourceFiles('host-tools/emulator');
  } catch {
    files = [];
  }
  for (const file of files) {
    for (const specifier of imports(file)) assert.ok(resolvedTop(file, specifier) !== 'firmware' || /\/firmware\/protocol$/.test(specifier), `${file} imports ${specifier}`);
  }
});

test('firmware/ never uses Math.random, Date.now or a runtime global directly', () => {
  for (const file of sourceFiles('firmware')) {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const forbidden of [/Math\.random/, /Date\.now/, /\bmillis\(/, /\bgetTime\(/, /\brequire\(/, /\bprocess\./]) {
      assert.not.match(code, forbidden, `${file} uses ${forbidden}`);
    }
  }
});

test.run();
