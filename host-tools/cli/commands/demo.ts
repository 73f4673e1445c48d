// `smartchain demo`: light nodes in one process trading energy on a lossy medium in simulated time;
// the main job of `make run` until the emulated city simulation lands.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from '../../sim/demo';
import { Command, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'demo',
  summary: 'run light nodes in one process, trading energy in simulated time',
  usage: `smartchain demo [--nodes N] [--minutes M] [--seed S] [--loss PERCENT] [--out DIR]

Admits N light nodes (default 6), lets the odd ones sell energy to the next even one for M simulated
minutes (default 30) on a shared medium losing PERCENT of frames (default 5), and prints a summary:
records issued and validated, rejections by code, trades committed under the commit rule.
  --out DIR   also write DIR/demo-summary.json`,
  options: { nodes: { type: 'string' }, minutes: { type: 'string' }, seed: { type: 'string' }, loss: { type: 'string' }, out: { type: 'string' } },
  async run(values) {
    const nodes = parseIntegerOption(values, 'nodes', 2, 64, 6);
    const minutes = parseIntegerOption(values, 'minutes', 1, 24 * 60, 30);
    const seed = parseIntegerOption(values, 'seed', 0, 2 ** 31 - 1, 1);
    const loss = parseIntegerOption(values, 'loss', 0, 90, 5);
    const started = Date.now();
    const summary = runDemo({ nodes, seed, durationMs: minutes * 60000, lossProbability: loss / 100 });
    const wall = { ...summary, wall_ms: Date.now() - started };
    console.log(JSON.stringify(wall, null, 2));
    if (typeof values.out === 'string') {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, 'demo-summary.json'), JSON.stringify(wall, null, 2) + '\n');
      console.log(`summary written to ${join(values.out, 'demo-summary.json')}`);
    }
    return 0;
  },
};
