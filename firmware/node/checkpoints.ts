// The aggregator's signed balance checkpoints (docs/ledger.md): each is verified like a record's
// signature (queued for idle time on a board without one-step verification), then confirms that
// member's records up to its time in the window and replaces what the member table knew of its balance.
import { checkpointMessage } from '../frames';
import type { Frame } from '../frames';
import type { MemberTable } from '../ledger/members';
import type { RecordWindow } from '../ledger/window';
import type { Tally } from './counters';
import { RANK_OTHER, type VerifyQueue } from './verify-queue';

export function createCheckpoints(aggregatorPublicKey: Uint8Array, window: RecordWindow, members: MemberTable, verifyQueue: VerifyQueue, tally: Tally): (frame: Frame) => void {
  return function onCheckpoint(frame: Frame): void {
    const message = checkpointMessage(frame.member as number, frame.balance as number, frame.asOfMs as number);
    verifyQueue.later('c' + frame.member + ' ' + frame.asOfMs, function () {
      return [message, frame.signature as Uint8Array, aggregatorPublicKey];
    }, function (valid: boolean) {
      if (!valid) {
        tally.count('CHECKPOINT_SIGNATURE_INVALID');
        return;
      }
      window.confirmUpTo(frame.member as number, frame.asOfMs as number);
      if (members.checkpoint(frame.member as number, frame.balance as number, frame.asOfMs as number)) tally.counters.checkpoints++;
    }, RANK_OTHER);
  };
}
