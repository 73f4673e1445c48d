// Property names that survive minification cost heap on a board: every `.name` is source text the
// runtime keeps once parsed. These names are the firmware's own internals (class fields and methods,
// the node's configuration and platform wiring, tweetnacl's lowlevel table), read and written only
// by code inside one bundle, so the build shortens them consistently across the bundle (esbuild
// mangleProps). Left alone: what anything outside the bundle names (the REPL's `smartchain.*`, stats
// keys, provisioning JSON, runtime APIs) and every name the code also spells as a string, which
// mangling would not follow; the build refuses a bundle whose sources quote a name of this list.

export const MANGLED_PROPERTIES = [
  // firmware/crypto/fast-verify.ts, nonces.ts and tweetnacl's lowlevel table
  'multiplications', 'squarings', 'encoded', 'candidate', 'spent', 'ladder', 'negA', 'phase', 'pendingR', 'hashed',
  'tableA', 'started', 'outcome', 'digits', 'tables', 'digest', 'rooted', 'startDecompress', 'rootCandidate', 'isRoot',
  'fixRoot', 'tableStep', 'result', 'scalar', 'prefix', 'set25519', 'pack25519', 'unpack25519', 'modL', 'gf', 'hashLength',
  // firmware/ledger: the window, members, caps, persistence, verified ids
  'parentSlot', 'approvers', 'approverCount', 'weight', 'visitEpoch', 'visitMark', 'approversMax', 'isUsed', 'parentIds',
  'refIds', 'arrival', 'arrivals', 'idEquals', 'absorbDescendant', 'addApprover', 'approversOf', 'parentMatches', 'idOf',
  'balanceAsOfMs', 'balanceKnown', 'balanceOf', 'spentSince', 'recordSpend', 'candidates', 'weights', 'pendingMax',
  'pendingKey', 'offloadCursor', 'reservedUpTo', 'nextSeq', 'nextPendingToOffload', 'removePending', 'savePending',
  'loadSeed', 'saveSeed', 'peekSeq', 'takeSeq', 'nextRandomState', 'pendingCount', 'idBytes', 'uint32', 'payloadBytesMax',
  // the node's configuration and platform, built by the board adapter inside the bundle
  'verifySliceUnits', 'derivePublicKey', 'startVerify', 'tokensRequired', 'recordAgeMaxMs', 'clockSkewMs',
  'helloIntervalMs', 'heapBytesBudget', 'consortiumPublicKey', 'aggregatorPublicKey', 'wallClockMs',
  'feedWatchdog', 'heapUsedBytes', 'frameBytesMax', 'requestedAtMs', 'granters', 'rounds', 'urgent', 'inputs', 'slotMs', 'alpha', 'links', 'store',
  // shared by several of the firmware's own types (rejections, results, codecs, jobs, tables, u64 words)
  'capacity', 'fields', 'byte', 'flags', 'payload', 'tokens', 'offset', 'slotOf', 'hi', 'lo', 'signed', 'stack', 'operations',
  'hashes', 'job', 'used', 'epoch', 'secretKey', 'bytesFor', 'reserve', 'fallbacks', 'propagate', 'victim', 'evict',
  'items', 'take', 'detail', 'acc', 'num', 'bit', 'same', 'mark', 'scan', 'drop',
  // firmware/node/: the node's parts and how they are wired to one another
  'slots', 'report', 'recordId', 'broadcast', 'sendAll', 'quiet', 'onTokenRequest', 'sendDueTurns', 'winner', 'loser',
  'later', 'advance', 'finish', 'clock', 'verified', 'refused', 'validate', 'verifyQueue', 'conflicts', 'tally', 'deriving',
  'deriveSlice', 'canSign', 'precompute', 'onTokenGrant', 'complete', 'pickCaps', 'signer', 'persistence', 'sendNext', 'onAck',
  'findTrade', 'insert', 'counters', 'work', 'confirmUpTo',
];

/**
 * Short names a shortened property must not take: members a runtime lacks, which the build's guards
 * refuse wherever they are called (guards.ts), and common members of built-in objects.
 */
export const MANGLE_RESERVED: Record<string, false> = { at: false, flat: false, of: false, on: false, id: false, ok: false };

export const MANGLED_PATTERN = new RegExp(`^(${MANGLED_PROPERTIES.join('|')})$`);

/** Names of the list that a source spells as a string literal (mangling would not rename those). */
export function quotedMangledNames(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(/(['"`])([A-Za-z_$][\w$]*)\1/g)) if (MANGLED_PATTERN.test(match[2])) found.add(match[2]);
  return [...found];
}
