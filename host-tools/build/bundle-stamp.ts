// The first line of every board bundle says what it is: a JavaScript comment naming the board, the
// project's version, and the length and SHA-256 of everything after that line. The build writes it; a
// flash checks it before writing anything to a board, so a file that is not a bundle built for that
// board (random bytes, other text, another board's bundle, a truncated or edited copy) is refused.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `// smartchain-bundle board=pico version=0.1.0 bytes=52704 sha256=<64 hex>` */
const STAMP_PATTERN = /^\/\/ smartchain-bundle board=([a-z0-9-]+) version=([0-9A-Za-z.+-]+) bytes=(\d+) sha256=([0-9a-f]{64})$/;
/** A stamp line is about 120 bytes; a first line longer than this is not one. */
const STAMP_BYTES_MAX = 200;

export type Stamp = { board: string; version: string; bytes: number; sha256: string };

export class BundleError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

/** The project's version, from package.json. */
export function projectVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The bundle with its stamp line in front. */
export function stampBundle(board: string, version: string, body: Uint8Array): Uint8Array {
  const line = `// smartchain-bundle board=${board} version=${version} bytes=${body.length} sha256=${sha256(body)}\n`;
  if (!STAMP_PATTERN.test(line.slice(0, -1))) throw new Error(`bundle stamp for board ${board}, version ${version} does not match its own pattern`);
  return Buffer.concat([Buffer.from(line, 'ascii'), body]);
}

/** Checks a file's bytes are a bundle built for `board`, whole: returns its stamp or throws a BundleError. */
export function checkBundle(bytes: Uint8Array, board: string): Stamp {
  if (bytes.length === 0) throw new BundleError('BUNDLE_EMPTY', 'the file is empty');
  const newline = bytes.subarray(0, STAMP_BYTES_MAX + 1).indexOf(0x0a);
  const line = newline < 0 ? '' : Buffer.from(bytes.subarray(0, newline)).toString('latin1');
  const match = STAMP_PATTERN.exec(line);
  if (match === null) throw new BundleError('BUNDLE_UNMARKED', 'not a SmartChain bundle: its first line is not the stamp the build writes (smartchain build)');
  const stamp: Stamp = { board: match[1], version: match[2], bytes: Number(match[3]), sha256: match[4] };
  if (stamp.board !== board) throw new BundleError('BUNDLE_WRONG_BOARD', `the bundle was built for ${stamp.board}, not ${board}`);
  const body = bytes.subarray(newline + 1);
  if (body.length !== stamp.bytes) throw new BundleError('BUNDLE_CORRUPT', `the bundle's body is ${body.length} bytes, its stamp says ${stamp.bytes}`);
  if (sha256(body) !== stamp.sha256) throw new BundleError('BUNDLE_CORRUPT', "the bundle's SHA-256 does not match its stamp");
  return stamp;
}
