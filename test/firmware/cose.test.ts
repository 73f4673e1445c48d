// The COSE_Sign1 envelope and Sig_structure (firmware/codec/cose.ts), put together from their fixed
// deterministic parts, are byte for byte what the CBOR encoder gives for the same values (RFC 9052 §4.2,
// §4.4), for payloads on every byte-string head length and with zero to four tokens; the decoder reads
// them back; an envelope over its bound is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeCbor, CborValue } from '../../firmware/codec/cbor';
import { COSE_SIGN1_TAG_BYTE, PROTECTED_HEADER, TOKENS_LABEL, decodeSign1, encodeSign1, sigStructure } from '../../firmware/codec/cose';
import { RECORD_WITH_TOKENS_BYTES_MAX } from '../../firmware/protocol';
import { createRng, testSeed } from '../support/rng';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function genericSign1(payload: Uint8Array, signature: Uint8Array, tokens: Uint8Array[]): Uint8Array {
  const unprotected: { [key: number]: CborValue } = {};
  if (tokens.length > 0) unprotected[TOKENS_LABEL] = tokens;
  const body = encodeCbor([PROTECTED_HEADER, unprotected, payload, signature], RECORD_WITH_TOKENS_BYTES_MAX);
  return Uint8Array.from([COSE_SIGN1_TAG_BYTE, ...body]);
}

test('Sig_structure and COSE_Sign1 are the encoder\'s bytes on every head length', () => {
  const rng = createRng(testSeed('cose concatenation'));
  for (const length of [0, 1, 23, 24, 100, 255, 256, 700]) {
    const payload = rng.bytes(length);
    const signature = rng.bytes(64);
    assert.is(hex(sigStructure(payload)), hex(encodeCbor(['Signature1', PROTECTED_HEADER, new Uint8Array(0), payload], length + 32)), `Sig_structure, ${length} bytes`);
    for (let count = 0; count <= 4 && length <= 256; count++) {
      const tokens = Array.from({ length: count }, () => rng.bytes(rng.int(1, 40)));
      const ours = encodeSign1(payload, signature, tokens);
      assert.is(hex(ours), hex(genericSign1(payload, signature, tokens)), `Sign1, ${length} bytes, ${count} tokens`);
      const back = decodeSign1(ours, RECORD_WITH_TOKENS_BYTES_MAX, 4);
      assert.is(hex(back.payload), hex(payload));
      assert.is(back.tokens.length, count);
    }
  }
});

test('an envelope over its bound and a signature of the wrong length are refused', () => {
  assert.throws(() => encodeSign1(new Uint8Array(RECORD_WITH_TOKENS_BYTES_MAX), new Uint8Array(64), []), /exceeds/);
  assert.throws(() => encodeSign1(new Uint8Array(10), new Uint8Array(63), []), /64 bytes/);
});

test.run();
