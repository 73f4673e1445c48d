// The aggregator's signed balance checkpoints (docs/ledger.md): each is verified like a record's
// signature (queued for idle time on a board without one-step verification), then replaces what the
// member table knew of that member's balance.
import type { Frame } from '../frames';
import { encodeCbor } from '../codec/cbor';
import type { MemberTable } from '../ledger/members';
import type { Tally } from './counters';
import type { VerifyQueue } from './verify-queue';

export function createCheckpoints(aggregatorPublicKey: Uint8Array, members: MemberTable, verifyQueue: VerifyQueue, tally: Tally): (frame: Frame) => void {
  return function onCheckpoint(frame: Frame): void {
    const message = encodeCbor(['SmartChain checkpoint', frame.member as number, frame.balance as number, frame.asOfMs as number], 64);
    verifyQueue.later('c' + frame.member + ' ' + frame.asOfMs, function () {
      return [message, frame.signature as Uint8Array, aggregatorPublicKey];
    }, function (valid: boolean) {
      if (!valid) tally.count('CHECKPOINT_SIGNATURE_INVALID');
      else if (members.checkpoint(frame.member as number, frame.balance as number, frame.asOfMs as number)) tally.counters.checkpoints++;
    });
  };
}
