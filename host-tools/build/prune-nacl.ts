// The parts of tweetnacl a board never runs, removed at build time: the light node signs, verifies and
// hashes, and never encrypts (secretbox, box, X25519, Salsa20, Poly1305). tweetnacl is one function
// scope whose `nacl.lowlevel` table names every function, so no bundler can drop them by itself; this
// transform deletes the public entry points and table entries of the unused primitives, then every
// declaration in that scope that nothing references any more, until none is left. What remains is
// tweetnacl's own code, unchanged but for two things: its scope becomes an ES module's (no CommonJS
// wrapper), and SHA-512's round constants are packed in an Int32Array (packRoundConstants). On the pico
// a byte of bundle costs about 3 bytes of heap.
import { parse } from 'acorn';

type AstNode = { type: string; start: number; end: number; [key: string]: unknown };

/** Entry points (`nacl.X = ...`) and lowlevel entries a light node never uses. */
const UNUSED_API = ['secretbox', 'box', 'scalarMult'];
const UNUSED_LOWLEVEL = /^crypto_(core_hsalsa20|stream|onetimeauth|verify_16|secretbox|scalarmult|box)/;
/**
 * tweetnacl's own signing, verification and point arithmetic: the firmware signs and verifies with
 * firmware/crypto (fast-verify.ts, nonces.ts, ed25519.ts) on tweetnacl's field arithmetic and SHA-512
 * (lowlevel.crypto_hash, so the `nacl.hash` wrapper goes too). Kept only for a bundle that runs tweetnacl's own path (the validation bench's naive baseline).
 */
const SIGNING_API = ['sign', 'verify', 'randomBytes', 'setPRNG', 'hash'];
const SIGNING_LOWLEVEL = /^(crypto_sign|crypto_verify_32|scalarmult|scalarbase|add|pow2523|L)$|^crypto_sign_/;

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const item of value) if (item && typeof item.type === 'string') out.push(item);
    if (value && typeof value === 'object' && typeof (value as AstNode).type === 'string') out.push(value as AstNode);
  }
  return out;
}

/** The root object and first property of `a.b.c`, e.g. ['nacl', 'box'] for `nacl.box.open`. */
function memberRoot(node: AstNode): [string, string] | null {
  let current = node;
  while (current.type === 'MemberExpression' && (current.object as AstNode).type === 'MemberExpression') current = current.object as AstNode;
  if (current.type !== 'MemberExpression' || (current.object as AstNode).type !== 'Identifier') return null;
  const property = current.property as AstNode;
  return [(current.object as { name: string }).name, (property.name as string) ?? ''];
}

/**
 * SHA-512's 80 round constants, `var K = [new u64(hi, lo), ...]`, are 80 objects alive for good: about
 * 4.7 KB of pico heap. They become one Int32Array of hi, lo pairs (640 bytes; u64 keeps its halves as
 * int32 too, `h|0`), and the one read, `K[i]` in crypto_hashblocks, makes the u64 of round i when it is
 * needed, as every other step of that function already makes its u64s.
 */
function packRoundConstants(source: string, scope: AstNode[], isRemoved: (node: AstNode) => boolean): { start: number; end: number; text: string }[] {
  const statement = scope.find((entry) => entry.type === 'VariableDeclaration' && (entry.declarations as AstNode[]).length === 1 && ((entry.declarations as AstNode[])[0].id as AstNode).name === 'K');
  if (statement === undefined || isRemoved(statement)) return [];
  const init = (statement.declarations as AstNode[])[0].init as AstNode;
  const words: string[] = [];
  for (const element of init.elements as AstNode[]) {
    const args = element.arguments as AstNode[];
    if (element.type !== 'NewExpression' || (element.callee as AstNode).name !== 'u64' || args.length !== 2) throw new Error('tweetnacl: unexpected SHA-512 round constant');
    words.push(source.slice(args[0].start, args[0].end), source.slice(args[1].start, args[1].end));
  }
  const edits = [{ start: init.start, end: init.end, text: `new Int32Array([${words.join(', ')}])` }];
  const visit = (node: AstNode) => {
    if (node.type === 'MemberExpression' && node.computed === true && (node.object as AstNode).name === 'K') {
      const index = source.slice((node.property as AstNode).start, (node.property as AstNode).end);
      edits.push({ start: node.start, end: node.end, text: `new u64(K[2 * (${index})], K[2 * (${index}) + 1])` });
      return;
    }
    for (const child of children(node)) visit(child);
  };
  for (const entry of scope) if (entry !== statement && !isRemoved(entry)) visit(entry);
  if (edits.length !== 2) throw new Error(`tweetnacl: expected one read of K, found ${edits.length - 1}`);
  return edits;
}

/** keepSigning: keep tweetnacl's own sign and verify; packConstants: pack SHA-512's round constants. */
export function pruneNacl(source: string, keepSigning = false, packConstants = true): string {
  const unusedApi = keepSigning ? UNUSED_API : UNUSED_API.concat(SIGNING_API);
  const unusedLowlevel = (name: string) => UNUSED_LOWLEVEL.test(name) || (!keepSigning && SIGNING_LOWLEVEL.test(name));
  const program = parse(source, { ecmaVersion: 2020 }) as unknown as AstNode;
  // The body of `(function(nacl) { ... })(...)`.
  const call = ((program.body as AstNode[])[0].expression as AstNode);
  const scope = ((call.callee as AstNode).body as AstNode).body as AstNode[];
  const removed: [number, number][] = [];
  const isRemoved = (node: AstNode) => removed.some(([start, end]) => node.start >= start && node.end <= end);
  for (const statement of scope) {
    // The PRNG set-up (an immediately called function): boards draw randomness from their Platform.
    const expression = statement.expression as AstNode | undefined;
    if (!keepSigning && expression?.type === 'CallExpression' && (expression.callee as AstNode).type === 'FunctionExpression') removed.push([statement.start, statement.end]);
    if (statement.type !== 'ExpressionStatement' || (statement.expression as AstNode).type !== 'AssignmentExpression') continue;
    const assignment = statement.expression as AstNode;
    const root = memberRoot(assignment.left as AstNode);
    if (root !== null && root[0] === 'nacl' && unusedApi.includes(root[1])) removed.push([statement.start, statement.end]);
    if (root !== null && root[0] === 'nacl' && root[1] === 'lowlevel') {
      const properties = (assignment.right as AstNode).properties as AstNode[];
      for (const property of properties) {
        if (unusedLowlevel(((property.key as AstNode).name as string) ?? '')) removed.push([property.start, property.end + (source[property.end] === ',' ? 1 : 0)]);
      }
    }
  }
  // Then declarations nothing else references, repeatedly (removing one can orphan another).
  for (let pass = 0; pass < 20; pass++) {
    const references = new Map<string, number>();
    const count = (node: AstNode, declared: AstNode | null) => {
      if (isRemoved(node)) return;
      if (node.type === 'Identifier' && node !== declared) references.set(node.name as string, (references.get(node.name as string) ?? 0) + 1);
      for (const child of children(node)) count(child, declared);
    };
    const declarations: { name: string; node: AstNode; id: AstNode }[] = [];
    for (const statement of scope) {
      if (isRemoved(statement)) continue;
      if (statement.type === 'FunctionDeclaration') declarations.push({ name: (statement.id as AstNode).name as string, node: statement, id: statement.id as AstNode });
      // Each declarator of `var a = ..., b = ...` on its own (tweetnacl declares its constants in lists).
      if (statement.type === 'VariableDeclaration') {
        for (const declarator of statement.declarations as AstNode[]) {
          if (!isRemoved(declarator)) declarations.push({ name: (declarator.id as AstNode).name as string, node: declarator, id: declarator.id as AstNode });
        }
      }
    }
    for (const statement of scope) {
      if (statement.type !== 'VariableDeclaration') count(statement, declarations.find((entry) => entry.node === statement)?.id ?? null);
      else for (const declarator of statement.declarations as AstNode[]) count(declarator, declarator.id as AstNode);
    }
    const orphans = declarations.filter((entry) => !references.has(entry.name));
    if (orphans.length === 0) break;
    for (const orphan of orphans) removed.push([orphan.node.start, orphan.node.end]);
  }
  // A declaration list is rewritten with the declarators it keeps (none: the statement goes).
  const edits: { start: number; end: number; text: string }[] = [];
  if (packConstants) edits.push(...packRoundConstants(source, scope, isRemoved));
  for (const statement of scope) {
    if (statement.type !== 'VariableDeclaration' || isRemoved(statement)) continue;
    const declarators = statement.declarations as AstNode[];
    const kept = declarators.filter((declarator) => !isRemoved(declarator));
    if (kept.length === declarators.length) continue;
    const text = kept.length === 0 ? '' : `${statement.kind as string} ${kept.map((declarator) => source.slice(declarator.start, declarator.end)).join(', ')};`;
    edits.push({ start: statement.start, end: statement.end, text });
  }
  const inEdit = ([start]: [number, number]) => edits.some((edit) => start >= edit.start && start < edit.end);
  for (const [start, end] of removed) if (!inEdit([start, end])) edits.push({ start, end, text: '' });
  // tweetnacl's scope becomes the module's: `var nacl = {}; ... export default nacl;` instead of a
  // CommonJS wrapper, so the bundle needs no CommonJS interop helpers and no function around it.
  const callee = call.callee as AstNode;
  const body = callee.body as AstNode;
  const name = (callee.params as AstNode[])[0].name as string;
  edits.push({ start: 0, end: body.start + 1, text: `var ${name} = {};\n` });
  edits.push({ start: body.end - 1, end: source.length, text: `\nexport default ${name};\n` });
  edits.sort((left, right) => right.start - left.start);
  let out = source;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
