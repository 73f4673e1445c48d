// The rp2040 engine runs Kaluma 1.2.1's real firmware in rp2040js: the stock image boots to the REPL;
// `kaluma write` through `smartchain emulate --engine rp2040` programs the simulated flash, and the program
// runs at the next power-up only while GPIO22 is high; the pico bundle, flashed the same way and
// provisioned through the REPL, starts its node. Needs ../shared/upstream/ (the boot ROM, the stock image).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { projectVersion, stampBundle } from '../../host-tools/build/bundle-stamp';
import { readImage } from '../../host-tools/emulator/rp2040/image';
import { KALUMA_DATA_OFFSET, KALUMA_PROGRAM_OFFSET, Rp2040Machine } from '../../host-tools/emulator/rp2040/machine';
import { bridgeToPty } from '../../host-tools/emulator/rp2040/pty-bridge';
import { writeFileThroughRepl } from '../../host-tools/emulator/rp2040/repl-file';
import { ReplSession } from '../../host-tools/emulator/rp2040/repl-session';
import { loadBootrom, NATIVE_IMAGE_PATH, STOCK_IMAGE_PATH, upstreamMissing } from '../../host-tools/emulator/rp2040/upstream';
import { seededRandom } from '../../host-tools/random';
import { startEmulator, stopEmulator } from '../support/emulate';

/** The bundle and image under test: today's pico bundle runs on the stock image (a pico-stock build later). */
/** Each pico build on the image it is made for: pico-stock on Kaluma's own, pico on ours (make image). */
const FIRMWARES = [
  { board: 'pico-stock', bundle: join('dist', 'pico-stock', 'firmware.js'), image: STOCK_IMAGE_PATH },
  { board: 'pico', bundle: join('dist', 'pico', 'firmware.js'), image: NATIVE_IMAGE_PATH },
];
const KALUMA = join('node_modules', '.bin', 'kaluma');
const PROMPT = /> /;

/** Runs `kaluma write FILE -p PTY` without blocking this process (the board may run in it). */
const kalumaWrite = (file: string, pty: string, timeoutMs: number) => run(KALUMA, ['write', file, '-p', pty], timeoutMs);

/** Runs a command without blocking this process; its status and its output. */
function run(command: string, args: string[], timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

const timed = async (label: string, body: () => Promise<void>) => {
  const started = Date.now();
  await body();
  console.log(`  ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
};

const missing = upstreamMissing();
if (missing !== null) {
  console.log(`rp2040 engine tests skipped: ${missing}`);
} else {
  test('the stock Kaluma 1.2.1 image boots to the REPL in rp2040js', () => timed('boot to the REPL', async () => {
    const machine = new Rp2040Machine({ name: 'stock', image: readImage(STOCK_IMAGE_PATH), bootrom: loadBootrom() });
    const session = new ReplSession(machine);
    session.type('\r');
    await session.waitFor(PROMPT, 2000);
    assert.ok(machine.nowMs < 2000, `prompt at ${machine.nowMs} ms of board time`);
    assert.is(await session.evaluate('process.memoryUsage().heapTotal', 1000), '184312');
    assert.is(await session.evaluate("typeof require('fs').writeFile", 1000), 'function');
    // An idle USB link must not cost the board its cycles (usb-serial.ts holds empty OUT reads): this loop
    // took 651 ms of board time while rp2040js answered every read with zero bytes, 216 ms since.
    const loopUs = Number(await session.evaluate('(function () { var t = micros(); var x = 0; for (var i = 0; i < 20000; i++) x += i; return micros() - t; })()', 2000));
    assert.ok(loopUs < 300000, `20,000 loop iterations took ${loopUs} us of board time`);
    console.log(`  20,000 loop iterations: ${(loopUs / 1000).toFixed(0)} ms of board time`);
    assert.is(machine.halted, null);
  }));

  test('kaluma write and smartchain flash program the flash; the program runs at power-up only while GPIO22 is high', () => timed('kaluma write, power cycle', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-rp2040-'));
    try {
      const first = join(directory, 'first.js');
      const program = join(directory, 'answer.js');
      const flashFile = join(directory, 'flash.bin');
      // A longer first program, then the real one over it: only an erase before programming leaves the second intact.
      const firstText = 'var answer = "the first program, longer than the second one' + '.'.repeat(256) + '";\n';
      writeFileSync(first, firstText);
      // smartchain flash takes only a bundle the build stamped for that board (bundle-stamp.ts).
      const stamped = stampBundle('pico', projectVersion(), new TextEncoder().encode('var answer = 6 * 7;\n'));
      writeFileSync(program, stamped);
      assert.ok(firstText.length > stamped.length + 1, 'the first program must be the longer one');
      const { child, match } = await startEmulator(['--board', 'pico', '--engine', 'rp2040', '--image', 'stock', '--flash', flashFile]);
      try {
        const written = await kalumaWrite(first, match[1], 120000);
        assert.is(written.status, 0, written.output);
        assert.match(written.output, new RegExp(`Done\\. \\(.*first\\.js : ${firstText.length} bytes\\)`));
        const wrapped = await run(process.execPath, ['host-tools/cli/bin.js', 'flash', '--board', 'pico', '--port', match[1], '--file', program], 120000);
        assert.is(wrapped.status, 0, wrapped.output);
        assert.match(wrapped.output, new RegExp(`flashed pico on \\S+: \\S*answer\\.js \\(pico bundle, version [\\d.]+, ${stamped.length} bytes\\); the board holds ${stamped.length} bytes`), 'smartchain flash wraps kaluma write and reads the size back');
      } finally {
        await stopEmulator(child);
      }
      // The emulator saved its data flash on SIGTERM: the program sits NUL-terminated at 0x100000.
      const data = readFileSync(flashFile);
      const at = KALUMA_PROGRAM_OFFSET - KALUMA_DATA_OFFSET;
      assert.is(data.subarray(at, at + stamped.length + 1).toString('latin1'), Buffer.from(stamped).toString('latin1') + '\0');
      assert.not.ok(data.subarray(at, at + 4096).includes('first program'), 'the first program was erased');
      for (const [high, expected] of [[true, 'number 42'], [false, 'undefined undefined']] as const) {
        const machine = new Rp2040Machine({ name: 'pico', image: readImage(STOCK_IMAGE_PATH), bootrom: loadBootrom(), flashFile, safeBootHigh: high });
        const session = new ReplSession(machine);
        machine.runUntil(300e6);
        session.type('\r');
        await session.waitFor(PROMPT, 2000);
        assert.is(await session.evaluate("typeof globalThis.answer + ' ' + globalThis.answer", 1000), expected, `GPIO22 ${high ? 'high' : 'low'}`);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }));

  for (const FIRMWARE of FIRMWARES) {
  if (!existsSync(FIRMWARE.image)) {
    console.log(`rp2040 engine test of the ${FIRMWARE.board} bundle skipped: ${FIRMWARE.image} is not built (make image)`);
    continue;
  }
  test(`the ${FIRMWARE.board} bundle, written with kaluma write and provisioned through the REPL, starts its node`, () => timed(`${FIRMWARE.board} bundle: provision, write, boot`, async () => {
    assert.ok(existsSync(FIRMWARE.bundle), `${FIRMWARE.bundle} is built by make build`);
    const machine = new Rp2040Machine({ name: 'node', image: readImage(FIRMWARE.image), bootrom: loadBootrom() });
    let session = new ReplSession(machine);
    session.type('\r');
    await session.waitFor(PROMPT, 2000);
    const provisioned = provisionBoards(3, seededRandom(12)).boards[0];
    await writeFileThroughRepl(session, '/provision.json', provisioned.json);
    const bridge = await bridgeToPty(machine);
    try {
      const written = await kalumaWrite(FIRMWARE.bundle, bridge.path, 600000);
      assert.is(written.status, 0, written.output);
    } finally {
      bridge.stop();
      await bridge.stopped;
    }
    const programBytes = readFileSync(FIRMWARE.bundle);
    assert.ok(Buffer.from(machine.mcu.flash.subarray(KALUMA_PROGRAM_OFFSET, KALUMA_PROGRAM_OFFSET + programBytes.length)).equals(programBytes), 'the bundle is in flash');
    machine.powerCycle();
    const bootedAt = machine.nowMs;
    session = new ReplSession(machine);
    // Kaluma sends a print's line end with the next output, so match up to the board's name, not the newline.
    const started = await session.waitFor(new RegExp(`\\[NODE_STARTED\\] member (\\d+) on ${FIRMWARE.board}`), 30000);
    assert.is(Number(started[1]), provisioned.member);
    const startedMs = machine.nowMs - bootedAt;
    // The running node's heap, as Kaluma counts it (the emulator's pico heap model is calibrated against this).
    session.type('\r');
    const heap = JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 5000)) as { heapTotal: number; heapUsed: number; heapPeak: number };
    assert.is(heap.heapTotal, 184312);
    assert.ok(heap.heapUsed > 0 && heap.heapPeak <= heap.heapTotal, JSON.stringify(heap));
    console.log(`  ${FIRMWARE.board}: NODE_STARTED ${startedMs.toFixed(0)} ms of board time after power-up; heap used ${heap.heapUsed} B, peak ${heap.heapPeak} B of ${heap.heapTotal}`);
  }));
  }
}

test.run();
