// Where the esp32's trade-time path spends its time, piece by piece, on the real Espruino interpreter
// (its Linux build): each piece repeated until its CPU time is well above /proc's 10 ms tick, the bare
// loop subtracted, in microseconds per call. The pieces are what firmware/node/issue.ts does at trade
// time (payload, Sig_structure, SHA-512, the signature's mod L, the record id, the envelope) and a cap's
// decoding; and, for the SHA-512's floor, the native call alone and a bare 64-byte ArrayBuffer (the
// native hash returns one: a flat string, found by a walk of Espruino's free list).
// Run: node --import tsx host-tools/bench/espruino-trade-pieces.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { EspruinoProcess, espruinoMissing } from './espruino-runner';

/** Calls per piece: each piece's total CPU time is then 0.5 to 2 s. */
const REPEATS: Record<string, number> = {
  loop: 20000, encode_payload: 1000, sig_structure: 5000, sha512: 20000, sha512_native_call: 20000, array_buffer_64: 20000,
  signature_mod_l: 1000, record_id: 5000, envelope: 5000, decode_record: 1000,
};

export async function runTradePieces(): Promise<Record<string, number>> {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-pieces-'));
  const outfile = join(directory, 'pieces.js');
  let program: string;
  try {
    await buildBoard(loadBoard('esp32'), { entry: 'host-tools/bench/espruino-trade-pieces-entry.ts', outfile });
    program = readFileSync(outfile, 'utf8');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const espruino = EspruinoProcess.start(program);
  try {
    const installed = JSON.parse((await espruino.evaluate('installed')).value) as Record<string, boolean>;
    if (!installed.sha512 || !installed.convolve || !installed.tradeCodec) throw new Error('natives missing: ' + JSON.stringify(installed));
    const perCall: Record<string, number> = {};
    for (const name of Object.keys(REPEATS)) {
      const measured = await espruino.evaluate(`pieces.${name}(${REPEATS[name]})`);
      perCall[name] = measured.cpuMs / REPEATS[name];
    }
    const out: Record<string, number> = {};
    for (const name of Object.keys(REPEATS)) if (name !== 'loop') out[name + '_us'] = Number(((perCall[name] - perCall.loop) * 1000).toFixed(1));
    return out;
  } finally {
    espruino.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = espruinoMissing();
  if (missing !== null) console.log(JSON.stringify({ skipped: missing }));
  else console.log(JSON.stringify(await runTradePieces()));
}
