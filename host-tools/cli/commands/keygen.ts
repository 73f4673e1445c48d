// `smartchain keygen`: an Ed25519 key pair from the host's CSPRNG, for provisioning a board whose own
// entropy cannot be trusted (Espruino on ESP32, docs/platforms.md B3). The secret seed goes only into the
// file (mode 0600); the terminal sees the public key alone.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import nacl from 'tweetnacl';
import { Command, CommandError, requireString } from '../command';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Creates `path` with mode 0600 and writes `text`; fails with FILE_EXISTS unless `force`. */
export function writeSecretFile(path: string, text: string, force: boolean): void {
  // O_EXCL makes "does not exist" and "create" one step; with --force the new file replaces the old
  // one by rename, so a reader never sees half a key.
  const target = force ? `${path}.${process.pid}.tmp` : path;
  let descriptor: number;
  try {
    descriptor = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CommandError('FILE_EXISTS', `${path} exists; not overwriting a key (--force replaces it)`);
    throw new CommandError('FILE_UNWRITABLE', `cannot create ${path}: ${code ?? (error as Error).message}`);
  }
  try {
    chmodSync(target, 0o600); // the umask cannot widen it, but a file system may have ignored the mode
    writeSync(descriptor, text);
  } finally {
    closeSync(descriptor);
  }
  if (force) {
    try {
      renameSync(target, path);
    } catch (error) {
      unlinkSync(target);
      throw new CommandError('FILE_UNWRITABLE', `cannot replace ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
}

export const command: Command = {
  name: 'keygen',
  summary: 'make an Ed25519 key pair for provisioning a board',
  usage: `smartchain keygen --out FILE [--force] [--json]

Draws a 32-byte seed from the host's CSPRNG, writes {"seed","public_key"} as JSON to FILE (mode 0600)
and prints only the public key: the seed never reaches the terminal.
  --out FILE   the key file (refuses to overwrite an existing one)
  --force      replace an existing FILE
  --json       print {"public_key","file"} instead of one line`,
  options: { out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(values) {
    const out = requireString(values, 'out');
    const seed = new Uint8Array(randomBytes(32));
    const pair = nacl.sign.keyPair.fromSeed(seed);
    const publicKey = toHex(pair.publicKey);
    writeSecretFile(out, JSON.stringify({ seed: toHex(seed), public_key: publicKey }) + '\n', values.force === true);
    if (values.json === true) console.log(JSON.stringify({ public_key: publicKey, file: out }));
    else console.log(`public_key ${publicKey} (seed written to ${out}, mode 0600)`);
    return 0;
  },
};
