// Real-firmware Picos joined by their UARTs (host-tools/emulator/rp2040/uart-hub.ts): what Kaluma's `uart`
// module writes on one board's UART0 arrives at the other's, 10 bit times a byte at the cable's baud rate
// (board.json: port 0, tx GPIO0, rx GPIO1), and a host end (a gateway) reads and writes a board's UART.
// Needs ../shared/upstream/ (the boot ROM, the stock image).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { readImage } from '../../host-tools/emulator/rp2040/image';
import { Rp2040Machine } from '../../host-tools/emulator/rp2040/machine';
import { ReplSession } from '../../host-tools/emulator/rp2040/repl-session';
import { UartHub } from '../../host-tools/emulator/rp2040/uart-hub';
import { loadBootrom, STOCK_IMAGE_PATH, upstreamMissing } from '../../host-tools/emulator/rp2040/upstream';

const uart = loadBoard('pico').uart as { port: number; baud: number; tx: number; rx: number };
const OPEN = `var link = new (require('uart').UART)(${uart.port}, { baudrate: ${uart.baud}, tx: ${uart.tx}, rx: ${uart.rx} });\n`;
/** Kaluma's UART 'data' event hands a Uint8Array; this program answers each line with "pong:" and the line. */
const ANSWER = `${OPEN}var line = '';
link.on('data', function (data) {
  for (var i = 0; i < data.length; i++) {
    if (data[i] === 10) { link.write('pong:' + line + '\\n'); line = ''; } else line += String.fromCharCode(data[i]);
  }
});
`;
const ASK = `${OPEN}var heard = '';
link.on('data', function (data) { for (var i = 0; i < data.length; i++) heard += String.fromCharCode(data[i]); if (heard.indexOf('\\n') >= 0) print('HEARD ' + heard.trim() + ' at ' + millis()); });
setTimeout(function () { print('ASKING at ' + millis()); link.write('ping\\n'); }, 300);
`;

const machineWith = (name: string, program: string) => {
  const machine = new Rp2040Machine({ name, image: readImage(STOCK_IMAGE_PATH), bootrom: loadBootrom() });
  machine.storeProgram(program);
  return machine;
};

const missing = upstreamMissing();
if (missing !== null) {
  console.log(`rp2040 UART tests skipped: ${missing}`);
} else {
  test('two real-firmware picos talk over UART0 at the configured baud rate', async () => {
    const started = Date.now();
    const asker = machineWith('asker', ASK);
    const answerer = machineWith('answerer', ANSWER);
    const hub = new UartHub();
    hub.connect(asker, uart.port, answerer, uart.port, uart.baud);
    const session = new ReplSession(asker, undefined, (untilNanos, wallMsMax) => hub.run(untilNanos, wallMsMax));
    const asked = await session.waitFor(/ASKING at (\d+)/, 5000);
    const heard = await session.waitFor(/HEARD (\S+) at (\d+)/, 2000);
    assert.is(heard[1], 'pong:ping');
    // 5 bytes out and 10 back at 10 bits a byte: at least 1.3 ms on the wire at 115200 baud.
    const wireMs = (15 * 10 * 1000) / uart.baud;
    assert.ok(Number(heard[2]) - Number(asked[1]) >= Math.floor(wireMs), `round trip ${Number(heard[2]) - Number(asked[1])} ms, wire alone ${wireMs.toFixed(2)} ms`);
    assert.is(hub.stats.uart_bytes, 15);
    assert.is(hub.stats.uart_bytes_baud_mismatch, 0);
    console.log(`  two picos: ${(Date.now() - started) / 1000} s wall for ${asker.nowMs.toFixed(0)} ms of board time`);
  });

  test('a host end (a gateway) and three picos on one hub: bytes one after another at 10 bit times', async () => {
    const started = Date.now();
    const boards = ['a', 'b', 'c'].map((name) => machineWith(name, ANSWER));
    const hub = new UartHub();
    const arrivals: { board: number; byte: number; atNanos: number }[] = [];
    const cables = boards.map((board, index) => hub.connectHost(board, uart.port, uart.baud, (bytes, atNanos) => arrivals.push({ board: index, byte: bytes[0], atNanos })));
    hub.run(500e6);
    cables.forEach((cable, index) => cable.send(new TextEncoder().encode(`gw${index}\n`)));
    hub.run(hub.nowNanos + 20e6);
    for (let index = 0; index < boards.length; index++) {
      const got = arrivals.filter((arrival) => arrival.board === index);
      assert.is(String.fromCharCode(...got.map((arrival) => arrival.byte)), `pong:gw${index}\n`);
      // The board writes its answer at once; the wire spaces the bytes by 10 bit times.
      for (let at = 1; at < got.length; at++) assert.ok(got[at].atNanos - got[at - 1].atNanos >= (10 * 1e9) / uart.baud - 1, `byte ${at} of board ${index}`);
    }
    // A board whose UART is set to another rate hears framing errors, not bytes.
    const slow = machineWith('slow', ANSWER.replace(`baudrate: ${uart.baud}`, 'baudrate: 9600'));
    const slowCable = hub.connectHost(slow, uart.port, uart.baud, () => assert.unreachable('a 9600-baud board cannot answer a 115200-baud line'));
    hub.run(hub.nowNanos + 500e6);
    slowCable.send(new TextEncoder().encode('x\n'));
    hub.run(hub.nowNanos + 5e6);
    assert.is(hub.stats.uart_bytes_baud_mismatch, 2);
    console.log(`  gateway and four picos: ${(Date.now() - started) / 1000} s wall for ${(hub.nowNanos / 1e6).toFixed(0)} ms of board time`);
  });
}

test.run();
