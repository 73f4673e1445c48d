// The emulator holds a board to its time budget: bytes that arrive on a Kaluma UART while the board is
// away from its event loop wait in the 2 KB receive buffer and the excess is lost and counted; time
// spent in delay() counts towards the watchdog like computing does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KALUMA_UART_BUFFER_BYTES } from '../../host-tools/emulator/peripherals/uart';
import { PICO_COSTS } from '../../host-tools/emulator/cost-model';
import { World } from '../../host-tools/emulator/world';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-uart-'));
let scripts = 0;
function script(source: string): string {
  const path = join(directory, `script-${scripts++}.js`);
  writeFileSync(path, source);
  return path;
}

const board = { profile: 'kaluma' as const, costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 };

async function receive(busyMs: number) {
  const world = await World.create(1);
  // The receiver is away from its event loop for busyMs from t = 100 ms; 3 KB arrive from t = 287 ms.
  const receiver = world.addBoard({ ...board, name: 'receiver' }, script(`
    var UART = require('uart').UART; var port = new UART(0, {}); var got = 0;
    port.on('data', function (data) { got += data.length; });
    setTimeout(function () { delay(${busyMs}); }, 100);
    setInterval(function () { print('got ' + got); }, 1000);
  `));
  const sender = world.addBoard({ ...board, name: 'sender' }, script(`
    var UART = require('uart').UART; var port = new UART(0, {});
    setTimeout(function () { for (var i = 0; i < 3; i++) port.write(new Uint8Array(1000)); }, 200);
  `));
  world.connectUart(sender, 0, receiver, 0);
  world.run(5000);
  return { got: Number(receiver.log[receiver.log.length - 1].split(' ')[1]), lost: receiver.uartOverflowBytes, resets: receiver.resets };
}

test('a board that returns to its event loop in time loses no UART byte', async () => {
  assert.equal(await receive(10), { got: 3000, lost: 0, resets: 0 });
});

test('bytes beyond the 2 KB buffer that arrive while the board is busy are lost and counted', async () => {
  const result = await receive(2000);
  assert.equal(result, { got: KALUMA_UART_BUFFER_BYTES, lost: 3000 - KALUMA_UART_BUFFER_BYTES, resets: 0 });
});

test('delay() past the watchdog resets the board', async () => {
  const result = await receive(9000);
  assert.is(result.resets, 1);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
