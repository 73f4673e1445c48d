// `smartchain provision`: writes a board's provisioning file over its REPL (pico: Kaluma's, the LittleFS
// file /provision.json; esp32: Espruino's console, the Storage file provision.json; docs/boards.md),
// reads it back and compares, resets the board and waits for its node to start as that member. The file
// is made and checked on the host first (host-tools/repl/provisioning.ts): nothing reaches the board
// unless the key, the member id and the token key agree with the aggregator's store.
import { BoardPort, PortError, checkSerialPort, isTcpPort } from '../../repl/board-port';
import { BoardRepl, replDialectOf } from '../../repl/board-repl';
import { ProvisionError, buildProvisioning } from '../../repl/provisioning';
import { Command, CommandError, UsageError } from '../command';
import { MEMBER_ID_MAX } from '../../../firmware/protocol';

const ANSWER_TIMEOUT_MS = 15000;

/** A required option's value, or a usage error naming it with its code. */
function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`, 'ARGUMENT_MISSING');
  return value;
}

export const command: Command = {
  name: 'provision',
  summary: "write a board's provision.json over its REPL, read it back, reset it",
  usage: `smartchain provision --board pico|pico-stock|esp32 --port PORT --key FILE --member-id N --token-key HEX [--db FILE] [--wait-ms MS]

Writes the board's provisioning over its REPL (pico: /provision.json with Kaluma's fs; esp32:
provision.json in Espruino's Storage), reads it back and compares, then resets the board and waits
until its node prints NODE_STARTED for member N.
  --key FILE         the board's key pair from smartchain keygen --out FILE
  --member-id N      the member id smartchain member add printed for that key
  --token-key HEX    the token_key smartchain member add printed (64 hex digits)
  --db FILE          the aggregator's store (default data/aggregator.sqlite): the consortium's and
                     the aggregator's public keys and the members the board knows at start come from it
  --wait-ms MS       how long to wait for NODE_STARTED after the reset (default 60000; 0: do not wait)
The port may be the emulator's (smartchain emulate); the esp32's may be tcp://host:port.`,
  options: {
    board: { type: 'string' }, port: { type: 'string' }, key: { type: 'string' }, 'member-id': { type: 'string' },
    'token-key': { type: 'string' }, db: { type: 'string' }, 'wait-ms': { type: 'string' },
  },
  async run(values) {
    if (values.board !== 'pico' && values.board !== 'pico-stock' && values.board !== 'esp32') throw new UsageError('--board must be pico, pico-stock or esp32', 'BOARD_INVALID');
    const board: 'pico' | 'pico-stock' | 'esp32' = values.board;
    const port = required(values, 'port');
    const keyFile = required(values, 'key');
    const memberText = required(values, 'member-id');
    if (!/^\d{1,10}$/.test(memberText) || Number(memberText) < 1 || Number(memberText) > MEMBER_ID_MAX) {
      throw new UsageError(`--member-id must be an integer from 1 to ${MEMBER_ID_MAX}, got ${memberText}`, 'MEMBER_ID_INVALID');
    }
    const tokenKey = required(values, 'token-key').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(tokenKey)) throw new UsageError('--token-key must be 64 hex digits (the token_key of smartchain member add)', 'TOKEN_KEY_INVALID');
    const waitText = typeof values['wait-ms'] === 'string' ? values['wait-ms'] : '60000';
    if (!/^\d{1,7}$/.test(waitText) || Number(waitText) > 3600000) throw new UsageError(`--wait-ms must be an integer from 0 to 3600000, got ${waitText}`, 'WAIT_INVALID');
    const dbPath = typeof values.db === 'string' ? values.db : 'data/aggregator.sqlite';
    const memberId = Number(memberText);
    let opened: BoardPort | null = null;
    try {
      const json = buildProvisioning({ board, keyFile, memberId, tokenKey, dbPath });
      if (isTcpPort(port) && board !== 'esp32') throw new CommandError('PORT_NOT_SERIAL', 'only the esp32 is reached over tcp://');
      if (!isTcpPort(port)) checkSerialPort(port);
      opened = await BoardPort.open(port, ANSWER_TIMEOUT_MS);
      const repl = new BoardRepl(opened, replDialectOf(board));
      opened.discard();
      await repl.evaluate('1+1', ANSWER_TIMEOUT_MS);
      await repl.writeFile('provision.json', json, ANSWER_TIMEOUT_MS);
      const stored = await repl.readFile('provision.json', ANSWER_TIMEOUT_MS);
      if (stored !== json) {
        throw new CommandError('PROVISION_READBACK_MISMATCH', `the board holds ${stored === null ? 'no provision.json' : `${stored.length} other bytes`} after writing ${json.length}`);
      }
      await repl.reset();
      let started = '';
      if (Number(waitText) > 0) {
        const match = await opened.waitFor(/\[NODE_STARTED\] member (\d+) on (\w+)|\[(PROVISION_MISSING|PROVISION_INVALID)\]/, Number(waitText), 'NODE_STARTED after the reset');
        if (match[3] !== undefined) throw new CommandError(match[3], `the board read provision.json back but reports ${match[3]} after the reset`);
        if (Number(match[1]) !== memberId) throw new CommandError('MEMBER_MISMATCH', `the board started as member ${match[1]}, not ${memberId}`);
        started = `; its node started as member ${memberId}`;
      }
      console.log(`provisioned ${board} on ${port}: provision.json (${json.length} bytes) written, read back and equal; reset${started}`);
      return 0;
    } catch (error) {
      if (error instanceof ProvisionError || error instanceof PortError) throw new CommandError(error.code, error.message);
      throw error;
    } finally {
      opened?.close();
    }
  },
};
