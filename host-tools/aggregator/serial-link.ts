// The aggregator's serial link (`smartchain aggregator --link serial:PORT`): a LoRa gateway or a board on
// a serial port, carrying link frames in the UART framing of boards/drivers/uart-framing.ts. Frames go
// through the same gateway as the city simulation's (host-tools/aggregator/gateway.ts): offloads are joined
// with their tokens, validated, stored and acknowledged; auction matches, commits and checkpoints go out.
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import type { Aggregator } from './aggregator';
import { Gateway } from './gateway';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';

export type SerialLink = { gateway: Gateway; close(): void };

/** Opens PORT raw at `baud` (through stty, as for any tty) and serves the gateway on it. */
export function openSerialLink(aggregator: Aggregator, port: string, baud: number, tokensRequired: number): SerialLink {
  const stty = spawnSync('stty', ['-F', port, String(baud), 'raw', '-echo'], { encoding: 'utf8' });
  if (stty.status !== 0) throw new Error(`cannot configure ${port}: ${(stty.stderr || stty.error?.message || '').trim()}`);
  const fd = openSync(port, 'r+');
  const gateway = new Gateway(aggregator, tokensRequired, (_member, frame) => {
    // One serial line reaches every EV behind it: the gateway's frames are broadcast.
    writeSync(fd, encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX));
  });
  const deframer = new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => void gateway.receive(payload));
  const stream = createReadStream('', { fd, autoClose: false });
  stream.on('data', (chunk) => deframer.push(new Uint8Array(chunk as Buffer)));
  stream.on('error', () => undefined);
  return {
    gateway,
    close() {
      stream.destroy();
      closeSync(fd);
    },
  };
}
