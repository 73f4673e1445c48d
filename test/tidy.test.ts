// The layering of docs/design.md, enforced: firmware/ imports only firmware/ and the device's libraries,
// boards/ never import host-tools/ and reach the firmware only through the node's public surface, the
// host folders import only folders below them (HOST_LAYERS), no files and no folders import each other in
// a circle, the emulator never imports firmware/ source (it runs the built bundles), and the firmware
// never reaches for Math.random or a runtime global on its own.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The file a relative import names (with or without its extension), or null for a package or a data file. */
function resolvedFile(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = relative(process.cwd(), resolve(dirname(file), specifier));
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.js`, join(base, 'index.ts')]) {
    if (/\.(ts|js)$/.test(candidate) && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every source file's imports of other source files in the tree. */
function importGraph(roots: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const root of roots) {
    for (const file of sourceFiles(root)) {
      graph.set(file, imports(file).map((specifier) => resolvedFile(file, specifier)).filter((target): target is string => target !== null));
    }
  }
  return graph;
}

/** The strongly connected groups of more than one member (Tarjan's algorithm): each is an import circle. */
function circles(graph: Map<string, string[]>): string[][] {
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    order.set(node, order.size);
    lowest.set(node, order.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!order.has(next)) {
        visit(next);
        lowest.set(node, Math.min(lowest.get(node)!, lowest.get(next)!));
      } else if (onStack.has(next)) {
        lowest.set(node, Math.min(lowest.get(node)!, order.get(next)!));
      }
    }
    if (lowest.get(node) !== order.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!order.has(node)) visit(node);
  return found;
}

/**
 * The host folders from the top down: a folder imports only folders in layers below its own. The CLI
 * drives everything; benchmarks run simulations; the city simulation runs federation, emulated boards and
 * an aggregator; federation replicates aggregators and drives them with the load generator; the board
 * REPL and the load generator talk to boards and aggregators; crypto and build serve them all. Files
 * directly in host-tools/ (random.ts) are the bottom and import no folder.
 */
const HOST_LAYERS = [['cli'], ['bench'], ['sim'], ['federation'], ['loadgen', 'repl'], ['aggregator', 'emulator'], ['crypto', 'build']];
const LOOSE_FILES_LAYER = HOST_LAYERS.length;

/** The host-tools folder a file belongs to, or null for a file directly in host-tools/. */
function hostFolder(file: string): string | null {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1] : null;
}

function hostLayer(folder: string | null): number {
  return folder === null ? LOOSE_FILES_LAYER : HOST_LAYERS.findIndex((layer) => layer.includes(folder));
}

/**
 * What boards/ may import from firmware/: the node's public surface and the platform port, the trader it
 * composes with the node (boards/common/start.ts), the byte helpers, and the portable crypto a board's
 * Platform.crypto wraps or slices (boards/common/sliced-crypto.ts, boards/esp32/natives.ts).
 */
const BOARD_SURFACE = ['firmware/node.ts', 'firmware/node-api.ts', 'firmware/platform.ts', 'firmware/protocol.ts', 'firmware/trade.ts', 'firmware/bytes.ts'];
// codec/: a board installs the trade-record codec shaped for its interpreter (boards/esp32/natives.ts).
const BOARD_SURFACE_FOLDERS = ['firmware/crypto/', 'firmware/codec/'];


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

test('boards/ reach firmware/ only through the node\'s public surface and the platform port', () => {
  for (const file of sourceFiles('boards')) {
    for (const specifier of imports(file)) {
      const target = resolvedFile(file, specifier);
      if (target === null || !target.startsWith('firmware/')) continue;
      const allowed = BOARD_SURFACE.includes(target) || BOARD_SURFACE_FOLDERS.some((folder) => target.startsWith(folder));
      assert.ok(allowed, `${file} imports ${target}, which is not the node's public surface`);
    }
  }
});

test('every host-tools/ folder has a place in HOST_LAYERS', () => {
  const folders = readdirSync('host-tools').filter((name) => statSync(join('host-tools', name)).isDirectory()).sort();
  assert.ok(folders.length > 0, 'host-tools/ has folders');
  for (const folder of folders) assert.ok(hostLayer(folder) >= 0, `host-tools/${folder} is in no layer of HOST_LAYERS`);
});

test('host-tools/ folders import only folders below them', () => {
  const upward: string[] = [];
  let crossings = 0;
  for (const [file, targets] of importGraph(['host-tools'])) {
    for (const target of targets) {
      if (!target.startsWith('host-tools/')) continue;
      const from = hostFolder(file);
      const to = hostFolder(target);
      if (from === to) continue;
      crossings++;
      if (hostLayer(to) <= hostLayer(from)) upward.push(`${file} -> ${target}`);
    }
  }
  assert.ok(crossings > 0, 'the graph sees imports between host folders');
  assert.equal(upward, [], 'imports into the same layer or one above it');
});

test('no import circle between files', () => {
  const graph = importGraph(['firmware', 'boards', 'host-tools']);
  assert.ok(graph.size > 100, `the graph holds the tree's files (${graph.size})`);
  assert.equal(circles(graph), []);
});

test('no import circle between folders of host-tools/ or boards/', () => {
  for (const root of ['host-tools', 'boards']) {
    const folderOf = (file: string) => file.split('/').slice(0, 2).join('/');
    const graph = new Map<string, string[]>();
    for (const [file, targets] of importGraph([root])) {
      const from = folderOf(file);
      graph.set(from, [...(graph.get(from) ?? []), ...targets.filter((target) => target.startsWith(`${root}/`)).map(folderOf).filter((to) => to !== from)]);
    }
    assert.equal(circles(graph), [], `circles between folders of ${root}/`);
  }
});

test('the circle finder finds a circle', () => {
  const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.equal(circles(graph), [['a', 'b', 'c']]);
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

/**
 * Lines from a declaration's first line to the line that closes its body, braces counted outside strings,
 * template literals and line comments: the size of a function or class as a maintainer scrolls it.
 */
function declarationLines(file: string, declaration: RegExp): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((line) => declaration.test(line));
  assert.ok(first >= 0, `${file} declares ${declaration}`);
  let depth = 0;
  let opened = false;
  for (let index = first; index < lines.length; index++) {
    const code = lines[index].replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|\/\/.*$/g, '');
    for (const character of code) {
      if (character === '{') [depth, opened] = [depth + 1, true];
      else if (character === '}') depth--;
    }
    if (opened && depth === 0) return index - first + 1;
  }
  return lines.length - first;
}

/** The centre of the node and of the emulator stay a page or two: their parts live in files of their own. */
const SIZE_LIMITS: [string, RegExp, number][] = [
  ['firmware/node.ts', /^export function createNode\(/, 200],
  ['host-tools/emulator/board.ts', /^export class EmulatedBoard\b/, 200],
];

test('createNode and EmulatedBoard stay under 200 lines', () => {
  for (const [file, declaration, limit] of SIZE_LIMITS) {
    const size = declarationLines(file, declaration);
    assert.ok(size > 20 && size < limit, `${file} ${declaration}: ${size} lines (limit ${limit})`);
  }
});

test.run();
