// The README as a new user follows it: its quick start and its command examples, read from README.md
// itself and run in order, as real subprocesses, in a fresh clone of this repository in a temporary
// folder (node_modules linked). Every README command needs a step below, so a new example fails here
// until the walkthrough learns it. A step fails on a non-zero exit, a stack trace, or output the README
// does not lead a user to expect. Bounded: WALKTHROUGH_MS_MAX in all.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const WALKTHROUGH_MS_MAX = 170000;
const STEP_MS_MAX = 60000;
const STACK_TRACE = /\n\s+at .+[:(]\d+:\d+\)?/;

/** The lines of the first fenced block after `heading` in README.md, comments and blank lines dropped. */
export function readmeCommands(readme: string, heading: string): { command: string; background: boolean }[] {
  const from = readme.indexOf(`\n${heading}\n`);
  assert.ok(from >= 0, `README.md has no section ${heading}`);
  const block = /```[^\n]*\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(block !== null, `README.md's ${heading} has no command block`);
  return block[1]
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0)
    .map((line) => ({ command: line.replace(/\s*&$/, ''), background: line.endsWith('&') }));
}

type Context = { clone: string; url?: string; cluster?: string; publicKey?: string; memberId?: string; tokenKey?: string; pty?: string; servers: { name: string; child: ChildProcess; output: () => string }[] };
type Result = { status: number | null; stdout: string; stderr: string };

/**
 * One README command: `match` recognises it (with `npx smartchain ` taken off); `rewrite` replaces
 * what the README leaves to the user (HEX, /dev/pts/N) or shortens a count; `check` states what the
 * README leads the user to expect; `stderr` the only lines allowed there. A background command
 * (`&` in the README) is ready when its output matches `ready`.
 */
type Step = {
  match: RegExp;
  skip?: string;
  rewrite?: (command: string, context: Context) => string;
  check?: (result: Result, context: Context) => void;
  stderr?: RegExp;
  ready?: RegExp;
  onReady?: (match: RegExpExecArray, context: Context) => void;
};

const SMARTCHAIN = 'node host-tools/cli/bin.js';

const STEPS: Step[] = [
  // Quick start.
  {
    match: /^make run$/,
    // make run is make build and then the city (24 EVs for two simulated hours); the build runs here, the
    // city below in the README's own (shortened) simulate example. -o: node_modules is linked, set up.
    rewrite: () => 'make -o node_modules/.setup-stamp build',
    check: (result, context) => {
      for (const board of ['pico', 'esp32', 'emulator']) assert.ok(existsSync(join(context.clone, 'dist', board, 'firmware.js')), `make build made no dist/${board}/firmware.js`);
      assert.match(result.stdout, /pico: dist\/pico\/firmware\.js \d+ bytes of \d+/);
    },
  },
  { match: /^make test$/, skip: 'this walkthrough is one of the tests make test runs' },
  // The smartchain command.
  {
    match: /^build --board pico$/,
    check: (result) => assert.match(result.stdout, /^pico: dist\/pico\/firmware\.js \d+ bytes of \d+ \([\d.]+ %\)\n/),
  },
  {
    match: /^simulate --evs \d+ --duration \w+ --link lora --attack none --out out$/,
    rewrite: (command) => command.replace(/--evs \d+/, '--evs 3').replace(/--duration \w+/, '--duration 10m'),
    stderr: /^(\[[#.]+\] \d+m\/\d+m simulated, \d+ records, \d+ trades\n)*$/,
    check: (result, context) => {
      assert.match(result.stdout, /\nsummary: out\/summary\.json\nreport: {2}out\/report\.html\n$/);
      const summary = JSON.parse(readFileSync(join(context.clone, 'out', 'summary.json'), 'utf8'));
      assert.is(summary.evs, 3);
      assert.is(summary.ecash_total_end, summary.ecash_total_start, 'Ecash is conserved');
      assert.ok(statSync(join(context.clone, 'out', 'report.html')).size > 1000);
    },
  },
  {
    match: /^demo --nodes \d+ --minutes \d+$/,
    check: (result) => {
      const summary = JSON.parse(result.stdout);
      assert.is(summary.nodes, 8);
      assert.ok(summary.records_accepted > 0, 'the light nodes traded nothing');
    },
  },
  {
    match: /^aggregator --db data\/aggregator\.sqlite --create --http 127\.0\.0\.1:7700$/,
    rewrite: (command) => command.replace('127.0.0.1:7700', '127.0.0.1:0'), // a free port: tests run side by side
    ready: /^created a new store at data\/aggregator\.sqlite\nlistening on (http:\/\/127\.0\.0\.1:\d+)\n/,
    onReady: (match, context) => (context.url = match[1]),
  },
  {
    match: /^keygen --out board-key\.json$/,
    check: (result, context) => {
      const printed = /^public_key ([0-9a-f]{64}) \(seed written to board-key\.json, mode 0600\)\n$/.exec(result.stdout);
      assert.ok(printed !== null, result.stdout);
      context.publicKey = printed[1];
      const file = join(context.clone, 'board-key.json');
      assert.is(statSync(file).mode & 0o777, 0o600);
      assert.not.ok(result.stdout.includes(JSON.parse(readFileSync(file, 'utf8')).seed), 'the seed reached the terminal');
    },
  },
  {
    match: /^member add --pubkey HEX --grant \d+ --aggregator http:\/\/127\.0\.0\.1:7700$/,
    rewrite: (command, context) => command.replace('HEX', context.publicKey as string).replace('http://127.0.0.1:7700', context.url as string),
    check: (result, context) => {
      const printed = /^member (\d+) \(membership record [0-9a-f]{32}\); token_key ([0-9a-f]{64})\n$/.exec(result.stdout);
      assert.ok(printed !== null, result.stdout);
      assert.is(printed[1], '1');
      context.memberId = printed[1];
      context.tokenKey = printed[2];
    },
  },
  {
    match: /^loadgen --aggregator http:\/\/127\.0\.0\.1:7700 --members 20 --count \d+ --json$/,
    rewrite: (command, context) => command.replace('http://127.0.0.1:7700', context.url as string).replace(/--count \d+/, '--count 200'),
    check: (result, context) => {
      assert.equal({ ...JSON.parse(result.stdout), records_per_s: 0 }, { sent: 200, accepted: 200, rejected: 0, records_per_s: 0, members_registered: 20, members_reused: 0 });
      // The README's comment: run again, it reuses its members.
      const again = runSync(SMARTCHAIN + ' ' + `loadgen --aggregator ${context.url} --members 20 --count 200 --json`, context.clone);
      assert.is(again.status, 0, again.stderr);
      assert.equal({ ...JSON.parse(again.stdout), records_per_s: 0 }, { sent: 200, accepted: 200, rejected: 0, records_per_s: 0, members_registered: 0, members_reused: 20 });
    },
  },
  {
    match: /^cluster up --members 3 --dir data\/etcd$/,
    ready: /^cluster (etcd:\/\/127\.0\.0\.1:\d+(?:,127\.0\.0\.1:\d+){2})\n3 members healthy in \d+ ms; data and logs in data\/etcd\n/,
    onReady: (match, context) => (context.cluster = match[1]),
  },
  {
    match: /^aggregator --db a2\/aggregator\.sqlite --create --http 127\.0\.0\.1:7702 --cluster etcd:\/\/127\.0\.0\.1:PORT,\.\.\. --zone city$/,
    // The URL cluster up printed; a free port, as above.
    rewrite: (command, context) => command.replace('127.0.0.1:7702', '127.0.0.1:0').replace('etcd://127.0.0.1:PORT,...', context.cluster as string),
    ready: /^federated in zone city as \S+: applied revision \d+ \(0 records\) in \d+ ms\ncreated a new store at a2\/aggregator\.sqlite\nlistening on http:\/\/127\.0\.0\.1:\d+\n/,
  },
  {
    match: /^emulate --board pico$/,
    // The board's flash in the clone's folder, so that removing the clone removes it.
    rewrite: (command) => `${command} --state pico-state`,
    ready: /^(\/dev\/pts\/\d+)\n/,
    onReady: (match, context) => (context.pty = match[1]),
  },
  {
    match: /^flash --board pico --port \/dev\/pts\/N$/,
    rewrite: (command, context) => command.replace('/dev/pts/N', context.pty as string),
    check: (result, context) => {
      assert.match(result.stdout, /^flashed pico on \/dev\/pts\/\d+: dist\/pico\/firmware\.js \(pico bundle, version [\d.]+, (\d+) bytes\); the board holds \1 bytes\n$/);
      const program = join(context.clone, 'pico-state', 'program.js');
      assert.equal(readFileSync(program), readFileSync(join(context.clone, 'dist', 'pico', 'firmware.js')), 'the emulated Pico holds the bundle');
    },
  },
  {
    match: /^provision --board pico --port \/dev\/pts\/N --key board-key\.json --member-id N --token-key HEX --db data\/aggregator\.sqlite$/,
    rewrite: (command, context) =>
      command.replace('/dev/pts/N', context.pty as string).replace('--member-id N', `--member-id ${context.memberId as string}`).replace('HEX', context.tokenKey as string),
    check: (result) => assert.match(result.stdout, /^provisioned pico on \/dev\/pts\/\d+: provision\.json \(\d+ bytes\) written, read back and equal; reset; its node started as member 1\n$/),
  },
  {
    match: /^bench validation --board pico$/,
    rewrite: (command) => `${command} --repeats 1`,
    check: (result) => assert.match(result.stdout, /\n {2}trade-time path +host +[\d.]+ ms +board +[\d.]+ ms\n[^]*heap peak \d+ B\n$/),
  },
  { match: /^bench validation --board pico --target rp2040$/, skip: 'minutes of rp2040js; test/emulator/rp2040-engine.test.ts and rp2040-image.test.ts run the real-firmware engine' },
  { match: /^emulate --board pico --engine rp2040 --image stock$/, skip: 'the real firmware boots in rp2040js for tens of seconds; test/emulator/rp2040-engine.test.ts boots it' },
  { match: /^bench validation --board pico --target serial:\/dev\/ttyACM0$/, skip: 'needs a real Pico; test/emulator/serial-bench.test.ts runs it against the emulated one' },
];

/** The one step for a README command; a command with none (or two) is a failure naming it. */
export function stepFor(command: string): Step {
  const steps = STEPS.filter((step) => step.match.test(command));
  if (steps.length !== 1) throw new Error(`README command '${command}' needs exactly one walkthrough step, has ${steps.length}`);
  return steps[0];
}

function runSync(command: string, cwd: string): Result {
  const [program, ...args] = command.split(/\s+/);
  const result = spawnSync(program, args, { cwd, encoding: 'utf8', timeout: STEP_MS_MAX });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function run(command: string, cwd: string, timeoutMs: number): Promise<Result> {
  const [program, ...args] = command.split(/\s+/);
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function startServer(command: string, cwd: string, ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const [program, ...args] = command.split(/\s+/);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const output = () => stdout + stderr;
    const timer = setTimeout(() => reject(new Error(`${command}: nothing matching ${ready} within ${timeoutMs} ms: ${output()}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = ready.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${output()}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM'); // the README's kill $!
  });
}

test('a README command the walkthrough does not know fails it, by name', () => {
  const readme = '# SmartChain\n\n## Quick start\n\n```\nmake run   # all of it\n```\n\n## The `smartchain` command\n\n```\nnpx smartchain frobnicate --all &\n```\n';
  assert.equal(readmeCommands(readme, '## Quick start'), [{ command: 'make run', background: false }]);
  const [line] = readmeCommands(readme, '## The `smartchain` command');
  assert.equal(line, { command: 'npx smartchain frobnicate --all', background: true });
  assert.throws(() => stepFor('frobnicate --all'), /README command 'frobnicate --all' needs exactly one walkthrough step, has 0/);
  assert.is(stepFor('make run').rewrite?.('make run', { clone: '', servers: [] }), 'make -o node_modules/.setup-stamp build');
});

const root = process.cwd();
const isGitCheckout = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, encoding: 'utf8' }).stdout.trim() === 'true';

if (!isGitCheckout) {
  console.log('walkthrough: skipped, this tree is not a git checkout to clone');
} else {
  test('the README, followed in order in a fresh clone, works as it says', async () => {
    const started = Date.now();
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-walkthrough-'));
    const clone = join(directory, 'smartchain');
    const context: Context = { clone, servers: [] };
    try {
      const cloned = spawnSync('git', ['clone', '-q', root, clone], { encoding: 'utf8' });
      assert.is(cloned.status, 0, cloned.stderr);
      symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'));
      const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, encoding: 'utf8' }).stdout.trim();
      console.log(`walkthrough: README.md of commit ${head} (committed changes only), in a clone under ${tmpdir()}`);
      const readme = readFileSync(join(clone, 'README.md'), 'utf8');
      const lines = [
        ...readmeCommands(readme, '## Quick start'),
        ...readmeCommands(readme, '## The `smartchain` command').map((line) => {
          assert.match(line.command, /^npx smartchain /, `a README example that is not a smartchain command: ${line.command}`);
          return { ...line, command: line.command.replace(/^npx smartchain /, '') };
        }),
      ];
      assert.ok(lines.length >= 10, `only ${lines.length} commands found in README.md`);
      for (const line of lines) {
        const step = stepFor(line.command);
        if (step.skip !== undefined) {
          console.log(`walkthrough: '${line.command}' not run: ${step.skip}`);
          continue;
        }
        const remainingMs = WALKTHROUGH_MS_MAX - (Date.now() - started);
        assert.ok(remainingMs > 0, `the walkthrough took over ${WALKTHROUGH_MS_MAX} ms before '${line.command}'`);
        const rewritten = step.rewrite ? step.rewrite(line.command, context) : line.command;
        const command = line.command.startsWith('make ') ? rewritten : `${SMARTCHAIN} ${rewritten}`;
        assert.is(line.background, step.ready !== undefined, `'${line.command}': the README runs it ${line.background ? 'in the background' : 'in the foreground'}`);
        if (line.background) {
          const server = await startServer(command, clone, step.ready as RegExp, Math.min(STEP_MS_MAX, remainingMs));
          context.servers.push({ name: line.command, child: server.child, output: server.output });
          step.onReady?.(server.match, context);
          continue;
        }
        const result = await run(command, clone, Math.min(STEP_MS_MAX, remainingMs));
        const both = result.stdout + result.stderr;
        assert.is(result.status, 0, `'${command}' exited with ${result.status}: ${both}`);
        assert.not.match(both, STACK_TRACE, `'${command}' printed a stack trace`);
        assert.match(result.stderr, step.stderr ?? /^$/, `'${command}' printed on stderr: ${result.stderr}`);
        step.check?.(result, context);
      }
      for (const server of context.servers.splice(0).reverse()) {
        assert.is(await stop(server.child), 0, `'${server.name}' did not exit 0 on SIGTERM: ${server.output()}`);
        assert.not.match(server.output(), STACK_TRACE, `'${server.name}' printed a stack trace`);
      }
      assert.ok(Date.now() - started < WALKTHROUGH_MS_MAX, `the walkthrough took ${Date.now() - started} ms`);
    } finally {
      for (const server of context.servers) server.child.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    }
  });
}

test.run();
