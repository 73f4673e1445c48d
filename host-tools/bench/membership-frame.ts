// A membership record as the consortium issues it (issuer 0, signed with the emulated consortium's key),
// framed for a board's UART: what admits a member to a board's window in the emulated cities and benches.
import { encodeUartFrame } from '../../boards/drivers/uart-framing';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { KIND_MEMBERSHIP, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { signHost, signingKey } from '../crypto/host-signing';
import { WORLD_EPOCH_MS } from '../emulator/board-state';
import { EMULATED_CONSORTIUM_SEED } from '../emulator/provision';

export function membershipUartFrame(member: number, publicKey: Uint8Array, grantEcash = 100000): Uint8Array {
  const key = signingKey(Buffer.from(EMULATED_CONSORTIUM_SEED));
  const payload = encodePayload({ kind: KIND_MEMBERSHIP, issuer: 0, seq: member, timeMs: WORLD_EPOCH_MS, parents: [GENESIS_ID, GENESIS_ID], pot: [], member, publicKey, grantEcash });
  return encodeUartFrame(encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, signHost(bytesToSign(payload), key), []) }), UART_PAYLOAD_BYTES_MAX);
}
