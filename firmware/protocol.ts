// The protocol's numbers, each defined here once (docs/wire-format.md, docs/ledger.md): sizes of ids,
// keys and MACs, the bounds of every record and frame field, the size limits of records and frames on
// each link, and the defaults every party must share. The relations between them are checked by the build
// before it bundles and by the aggregator when it loads (never on a board: they hold or not on the build
// machine already): a change that breaks one (a record that no longer fits its frame) stops there with a
// message naming the relation. Board-local capacities (inboxes, queues, windows) live with their owners.

/** Record ids and references: SHA-512 of payload and signature, cut to 128 bits (docs/wire-format.md). */
export const ID_BYTES = 16;
/** An Ed25519 seed (RFC 8032 §5.1.5), as provisioned. */
export const SEED_BYTES = 32;
/** An Ed25519 public key (RFC 8032 §5.1.5). */
export const PUBLIC_KEY_BYTES = 32;
/** An Ed25519 signature (RFC 8032 §5.1.6). */
export const SIGNATURE_BYTES = 64;
/** A proof-of-time token's MAC and an offload acknowledgement's: SHA-512 cut to 256 bits. */
export const TOKEN_MAC_BYTES = 32;
/** A member's token key, shared with the aggregator alone. */
export const TOKEN_KEY_BYTES = 32;

/** Issuer of membership records. */
export const CONSORTIUM_MEMBER_ID = 0;
export const MEMBER_ID_MAX = 65535;
export const SEQ_MAX = 4294967295;
export const SLOT_MAX = 4294967295;
export const TIME_MS_MIN = 1577836800000; // 2020-01-01T00:00:00Z
export const TIME_MS_MAX = 4102444800000; // 2100-01-01T00:00:00Z
/** Granters a record may list (paper IV.E: k tokens, k at most this). */
export const POT_GRANTERS_MAX = 8;
/** Granters named in one token request. */
export const GRANTERS_NAMED_MAX = 4;
export const ENERGY_WH_MAX = 1000000; // 1 MWh: far above any EV battery, below any overflow
export const ECASH_MAX = 1000000000000; // 10^12 minor units, exact in a double
/** A balance in a checkpoint frame: the same unit and bound as any Ecash amount. */
export const BALANCE_MAX = ECASH_MAX;

/**
 * A link frame: one LoRa frame at SF7/SF8 (242 bytes of payload, EU868) less the 6 bytes of the LoRa
 * link's own framing (docs/wire-format.md "Link frames").
 */
export const LORA_FRAME_BYTES_SF7 = 242;
export const LORA_LINK_FRAMING_BYTES = 6;
export const FRAME_BYTES_MAX = LORA_FRAME_BYTES_SF7 - LORA_LINK_FRAMING_BYTES;
/** A UART frame's payload (boards/drivers/uart-framing.ts): one link frame, with room to spare. */
export const UART_PAYLOAD_BYTES_MAX = 256;
/** Bytes of a CBOR head carrying `value` (RFC 8949 §3): the item itself for an unsigned integer. */
export function cborHeadBytes(value: number): number {
  return value < 24 ? 1 : value < 256 ? 2 : value < 65536 ? 3 : value < 4294967296 ? 5 : 9;
}
/**
 * A record travels whole in a record frame, [6, record]: the array head, the type and the record's
 * byte-string head, a record being shorter than a frame. A record on a link is at most what that leaves.
 */
export const RECORD_FRAME_OVERHEAD_BYTES = 1 + cborHeadBytes(6) + cborHeadBytes(FRAME_BYTES_MAX);
export const RECORD_BYTES_MAX = FRAME_BYTES_MAX - RECORD_FRAME_OVERHEAD_BYTES;
/**
 * COSE_Sign1 around a payload without tokens (RFC 9052 §4.2): tag 18 (one byte), the array head, the
 * protected header {1: -8} as a byte string (four bytes), the empty unprotected map, the payload's
 * byte-string head and the signature with its head.
 */
export const SIGN1_OVERHEAD_BYTES = 1 + 1 + 4 + 1 + cborHeadBytes(RECORD_BYTES_MAX) + cborHeadBytes(SIGNATURE_BYTES) + SIGNATURE_BYTES;
export const PAYLOAD_BYTES_MAX = RECORD_BYTES_MAX - SIGN1_OVERHEAD_BYTES;
/**
 * A token, [granter, requester, seq, slot, mac], at its largest (51 bytes), with room to spare. Its bytes
 * are its one wire form: a grant frame, [3, token], carries them as a byte string, as a record does.
 */
export const TOKEN_BYTES_MAX = 64;
/**
 * A record as stored and sent to the aggregator, with its tokens in the unprotected header (the map
 * head, the private label -65537 in five bytes, the array head, each token with its byte-string head).
 */
export const RECORD_WITH_TOKENS_BYTES_MAX = 1024;
/**
 * An offload carries a pending record as stored (payload, signature and tokens in one COSE_Sign1) in
 * parts: [7, member, id, part, parts, chunk] is the array head, the type, a member id up to
 * MEMBER_ID_MAX, the id with its head, part and parts (each under 24, one byte) and the chunk's head.
 */
export const OFFLOAD_FRAME_OVERHEAD_BYTES = 1 + cborHeadBytes(7) + cborHeadBytes(MEMBER_ID_MAX) + cborHeadBytes(ID_BYTES) + ID_BYTES + 1 + 1 + cborHeadBytes(FRAME_BYTES_MAX);
export const OFFLOAD_CHUNK_BYTES_MAX = FRAME_BYTES_MAX - OFFLOAD_FRAME_OVERHEAD_BYTES;
/** Parts of one offload: enough for the largest record with its tokens. */
export const OFFLOAD_PARTS_MAX = Math.ceil(RECORD_WITH_TOKENS_BYTES_MAX / OFFLOAD_CHUNK_BYTES_MAX);

/** Proof of time: tokens a record needs (k, paper IV.E). */
export const DEFAULT_TOKENS_REQUIRED = 2;
/** Proof of time: one record per issuer and tokens granted per requester per slot of this length. */
export const DEFAULT_SLOT_MS = 60000;
/** Cap selection: alpha of the weighted walk; 0 is the uniform random walk. */
export const DEFAULT_ALPHA = 0.5;
/** How far ahead of the validator's clock a record's time may be. */
export const DEFAULT_CLOCK_SKEW_MS = 30000;
/** How old a record may be when a light node receives it (its window's age). */
export const DEFAULT_RECORD_AGE_MAX_MS = 3600000;
export const DEFAULT_HELLO_INTERVAL_MS = 60000;
/** How long an order waits for a match (then TRADE_NO_MATCH). */
export const DEFAULT_TRADE_TIMEOUT_MS = 4 * 3600000;
/**
 * How long the aggregator's gateway follows a match: while a side has not answered (the seller's sold
 * record, the buyer's bought one) it tells that side again each round, and sends the buyer the stored sold
 * record (one broadcast over LoRa reaches a board that was sending, or busy, or collided, or not at all).
 */
export const MATCH_FOLLOW_MS = 30 * 60000;
/**
 * How long a buyer waits after its match for the seller's sold record (then TRADE_SOLD_MISSING): the
 * gateway's follow-up and one verification after it. A buyer waiting for a sold record that will not come
 * (the seller never heard the match, or sold to another) places no order, so it approves nothing.
 */
export const SOLD_WAIT_MS = MATCH_FOLLOW_MS + 15 * 60000;
/**
 * How long a trade whose record is out waits for its commit report (then TRADE_TIMEOUT): a commit needs
 * later records from a majority of the members, several hours of board time on ESP32-class boards. The
 * aggregator refuses a record older than this at its arrival (docs/ledger.md "Time at the aggregator").
 */
export const COMMIT_WAIT_MS = 24 * 3600000;

/**
 * The relations between the numbers above, each with its text. They hold or not on the build machine
 * already, so the boards never check them: the build checks them before it bundles, and the aggregator when
 * it loads (checkProtocolRelations), and a change that breaks one stops there with its text.
 */
export function protocolRelations(): [boolean, string][] {
  const TOKEN_BYTES = 1 + 2 * cborHeadBytes(MEMBER_ID_MAX) + cborHeadBytes(SEQ_MAX) + cborHeadBytes(SLOT_MAX) + cborHeadBytes(TOKEN_MAC_BYTES) + TOKEN_MAC_BYTES;
  return [
    [PAYLOAD_BYTES_MAX > 0 && PAYLOAD_BYTES_MAX + SIGN1_OVERHEAD_BYTES <= RECORD_BYTES_MAX, 'a payload in its envelope fits a record'],
    [RECORD_BYTES_MAX + RECORD_FRAME_OVERHEAD_BYTES <= FRAME_BYTES_MAX, 'a record fits a record frame'],
    [OFFLOAD_PARTS_MAX < 24 && OFFLOAD_PARTS_MAX * OFFLOAD_CHUNK_BYTES_MAX >= RECORD_WITH_TOKENS_BYTES_MAX, 'a record with its tokens fits the parts of one offload'],
    [FRAME_BYTES_MAX + LORA_LINK_FRAMING_BYTES <= LORA_FRAME_BYTES_SF7, 'a frame fits a LoRa frame at SF7'],
    [FRAME_BYTES_MAX <= UART_PAYLOAD_BYTES_MAX, 'a frame fits a UART frame'],
    [TOKEN_BYTES <= TOKEN_BYTES_MAX, 'a token fits its bound'],
    [1 + cborHeadBytes(3) + cborHeadBytes(TOKEN_BYTES_MAX) + TOKEN_BYTES_MAX <= FRAME_BYTES_MAX, 'a grant frame, [3, token], fits a frame'],
    [RECORD_BYTES_MAX + 1 + 5 + 1 + POT_GRANTERS_MAX * (cborHeadBytes(TOKEN_BYTES_MAX) + TOKEN_BYTES_MAX) <= RECORD_WITH_TOKENS_BYTES_MAX, 'a record with all its tokens fits its bound'],
    [DEFAULT_TOKENS_REQUIRED >= 1 && DEFAULT_TOKENS_REQUIRED <= POT_GRANTERS_MAX, 'k tokens fit a record'],
    [GRANTERS_NAMED_MAX <= POT_GRANTERS_MAX, 'a request names no more granters than a record lists'],
    [Math.floor(TIME_MS_MAX / DEFAULT_SLOT_MS) <= SLOT_MAX, 'every slot number fits a frame'],
    [DEFAULT_CLOCK_SKEW_MS < DEFAULT_RECORD_AGE_MAX_MS, 'a record time can be both not too new and not too old'],
    [DEFAULT_RECORD_AGE_MAX_MS <= COMMIT_WAIT_MS, 'the aggregator takes every record a light node takes'],
    [MATCH_FOLLOW_MS < SOLD_WAIT_MS && SOLD_WAIT_MS < DEFAULT_TRADE_TIMEOUT_MS && SOLD_WAIT_MS <= DEFAULT_RECORD_AGE_MAX_MS, 'a buyer outwaits the follow-up, and gives up before its order would'],
    [ECASH_MAX <= 9007199254740991 && TIME_MS_MAX <= 9007199254740991, 'amounts and times are exact in a double'],
  ];
}

/** Throws PROTOCOL_RELATION with the text of the first relation that does not hold. */
export function checkProtocolRelations(): void {
  const relations = protocolRelations();
  for (let index = 0; index < relations.length; index++) if (!relations[index][0]) throw new Error('PROTOCOL_RELATION: ' + relations[index][1]);
}
