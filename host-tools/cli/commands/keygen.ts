// `smartchain keygen`: an Ed25519 key pair from the host's CSPRNG, for provisioning a board whose own
// entropy cannot be trusted (Espruino on ESP32, docs/platforms.md B3).
import { randomBytes } from 'node:crypto';
import { writeFileSync, existsSync } from 'node:fs';
import nacl from 'tweetnacl';
import { Command, CommandError } from '../command';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export const command: Command = {
  name: 'keygen',
  summary: 'make an Ed25519 key pair for provisioning a board',
  usage: `smartchain keygen [--out FILE] [--json]

Draws a 32-byte seed from the host's CSPRNG and prints the seed and public key in hex.
  --out FILE   write {"seed","public_key"} as JSON to FILE (refuses to overwrite)
  --json       print JSON instead of two lines`,
  options: { out: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    const seed = new Uint8Array(randomBytes(32));
    const pair = nacl.sign.keyPair.fromSeed(seed);
    const record = { seed: toHex(seed), public_key: toHex(pair.publicKey) };
    if (typeof values.out === 'string') {
      if (existsSync(values.out)) throw new CommandError('FILE_EXISTS', `${values.out} exists; not overwriting a key`);
      writeFileSync(values.out, JSON.stringify(record) + '\n', { mode: 0o600 });
    }
    if (values.json === true) console.log(JSON.stringify(record));
    else console.log(`seed ${record.seed}\npublic_key ${record.public_key}`);
    return 0;
  },
};
