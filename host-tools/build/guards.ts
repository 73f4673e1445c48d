// Build guards: what a board's runtime lacks must not reach its bundle. Every input module is parsed
// (TypeScript inputs after esbuild strips their types, without lowering anything) and refused if it
// uses syntax the runtime lacks; the output is scanned for runtime globals the runtime lacks and for
// NUL bytes (Kaluma stores the program NUL-terminated). Sources: docs/platforms.md A1 (JerryScript 2.4), B1.
import * as acorn from 'acorn';
import { transformSync } from 'esbuild';
import type { Runtime } from './boards';

export type Violation = { feature: string; file: string; line: number };

type SyntaxFeature =
  | 'destructuring' | 'spread' | 'rest parameter' | 'default parameter' | 'async/await' | 'generator'
  | 'exponent operator (**)' | 'optional chaining (?.)' | 'logical assignment' | '#private member'
  | 'BigInt literal' | 'tagged template';

const SYNTAX_REFUSED: Record<Runtime, SyntaxFeature[]> = {
  // JerryScript 2.4 has ES2020 but not these (docs/platforms.md A1: "Missing in 2.4").
  'kaluma-1.2.1': ['optional chaining (?.)', 'logical assignment', '#private member'],
  'espruino-esp32': [
    'destructuring', 'spread', 'rest parameter', 'default parameter', 'async/await', 'generator',
    'exponent operator (**)', 'optional chaining (?.)', 'logical assignment', '#private member', 'BigInt literal',
    'tagged template',
  ],
  quickjs: [],
};

/** Globals and members the runtime lacks (docs/platforms.md A1 and B1). */
const GLOBALS_REFUSED: Record<Runtime, string[]> = {
  'kaluma-1.2.1': [],
  'espruino-esp32': ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'BigInt', 'Proxy', 'Reflect', 'TextEncoder', 'TextDecoder'],
  quickjs: [],
};
const MEMBERS_REFUSED: Record<Runtime, string[]> = {
  'kaluma-1.2.1': ['Array.prototype.at'],
  'espruino-esp32': ['Math.imul', 'Math.trunc', 'Math.clz32', 'Object.getOwnPropertySymbols', 'Array.prototype.flat'],
  quickjs: [],
};

type Node = acorn.Node & Record<string, unknown>;

function isFunction(node: Node): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

function syntaxFeatures(node: Node): SyntaxFeature[] {
  const found: SyntaxFeature[] = [];
  switch (node.type) {
    case 'ObjectPattern':
    case 'ArrayPattern':
      found.push('destructuring');
      break;
    case 'SpreadElement':
      found.push('spread');
      break;
    case 'RestElement':
      found.push('rest parameter');
      break;
    case 'AssignmentPattern':
      found.push('default parameter');
      break;
    case 'AwaitExpression':
      found.push('async/await');
      break;
    case 'YieldExpression':
      found.push('generator');
      break;
    case 'BinaryExpression':
      if (node.operator === '**') found.push('exponent operator (**)');
      break;
    case 'AssignmentExpression':
      if (node.operator === '**=') found.push('exponent operator (**)');
      if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') found.push('logical assignment');
      break;
    case 'ChainExpression':
      found.push('optional chaining (?.)');
      break;
    case 'PrivateIdentifier':
      found.push('#private member');
      break;
    case 'Literal':
      if (node.bigint !== undefined) found.push('BigInt literal');
      break;
    case 'TaggedTemplateExpression':
      found.push('tagged template');
      break;
    default:
      break;
  }
  if (isFunction(node)) {
    if (node.async === true) found.push('async/await');
    if (node.generator === true) found.push('generator');
  }
  return found;
}

/** Visits every node of an ESTree: children are the object-valued fields that have a `type`. */
function walk(node: Node, visit: (node: Node, parent: Node | null) => void, parent: Node | null = null): void {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'start' || key === 'end') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child === 'object' && typeof child.type === 'string') walk(child, visit, node);
    } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') {
      walk(value as Node, visit, node);
    }
  }
}

function parse(file: string, text: string): Node {
  const javascript = file.endsWith('.ts') ? transformSync(text, { loader: 'ts', target: 'esnext', format: 'esm' }).code : text;
  const sourceType = /\b(import|export)\b/.test(javascript) ? 'module' : 'script';
  return acorn.parse(javascript, { ecmaVersion: "latest", sourceType, locations: true, allowHashBang: true }) as unknown as Node;
}

function lineOf(node: Node): number {
  return node.loc?.start.line ?? 0;
}

/** Syntax in one input module that the runtime lacks (lines refer to the type-stripped source). */
export function findSyntaxViolations(runtime: Runtime, file: string, text: string): Violation[] {
  const refused = SYNTAX_REFUSED[runtime];
  if (refused.length === 0) return [];
  const found: Violation[] = [];
  walk(parse(file, text), (node) => {
    for (const feature of syntaxFeatures(node)) if (refused.includes(feature)) found.push({ feature, file, line: lineOf(node) });
  });
  return found;
}

/** Runtime globals and members the runtime lacks, in a bundle's output. */
export function findRuntimeViolations(runtime: Runtime, file: string, text: string): Violation[] {
  const globals = GLOBALS_REFUSED[runtime];
  const members = MEMBERS_REFUSED[runtime];
  if (globals.length === 0 && members.length === 0) return [];
  const found: Violation[] = [];
  walk(parse(file, text), (node, parent) => {
    if (node.type === 'Identifier' && globals.includes(node.name as string)) {
      const isMemberName = parent !== null && parent.type === 'MemberExpression' && parent.property === node && parent.computed !== true;
      const isKey = parent !== null && parent.type === 'Property' && parent.key === node && parent.computed !== true;
      if (!isMemberName && !isKey) found.push({ feature: node.name as string, file, line: lineOf(node) });
    }
    if (node.type === 'MemberExpression' && node.computed !== true) {
      const object = node.object as Node;
      const member = (node.property as Node).name as string;
      const owner = object.type === 'Identifier' ? (object.name as string) : '';
      if (members.includes(`${owner}.${member}`)) found.push({ feature: `${owner}.${member}`, file, line: lineOf(node) });
      if (members.includes(`Array.prototype.${member}`) && parent !== null && parent.type === 'CallExpression' && parent.callee === node) {
        found.push({ feature: `Array.prototype.${member}`, file, line: lineOf(node) });
      }
    }
  });
  return found;
}

/** Modules a bundle asks of its runtime: every `__runtimeRequire("name")` call (see bundle.ts). */
export function findRuntimeRequires(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/__runtimeRequire\(\s*["']([^"']+)["']\s*\)/g)) if (!names.includes(match[1])) names.push(match[1]);
  return names;
}

/** Offsets of NUL bytes: Kaluma takes the program's length with strlen, so one would truncate it. */
export function findNulBytes(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let index = 0; index < bytes.length && offsets.length < 10; index++) if (bytes[index] === 0) offsets.push(index);
  return offsets;
}
