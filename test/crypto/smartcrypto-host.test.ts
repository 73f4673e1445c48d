// The smartcrypto module's C core, built for the host under AddressSanitizer and UndefinedBehaviorSanitizer,
// against node:crypto plus the shared policy: RFC 8032 §7.1, Wycheproof's 151 vectors and 20,000 seeded
// random and mutated cases here; the full 100,000-case run is `node --import tsx
// host-tools/crypto/smartcrypto-host.ts 100000`. Needs gcc.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rfc8032Cases, wycheproofCases } from '../../host-tools/crypto/smartcrypto-cases';
import { allHostCases, runHost } from '../../host-tools/crypto/smartcrypto-host';
import { testSeed } from '../support/rng';

const RANDOM_CASES = 20_000;
/** Wycheproof vectors whose signature is not 64 bytes: the binding throws a TypeError before the core. */
const WYCHEPROOF_WRONG_LENGTH = 12;

test('RFC 8032, Wycheproof and 20,000 random and mutated cases: the sanitized core agrees with node:crypto', () => {
  const seed = testSeed('smartcrypto host differential');
  const result = runHost(allHostCases(RANDOM_CASES, seed));
  console.log(`  ${result.cases} cases in ${result.seconds.toFixed(0)} s`);
  assert.equal(result.disagreements, []);
  assert.is(result.byLength, WYCHEPROOF_WRONG_LENGTH);
  assert.is(result.cases, rfc8032Cases().length + wycheproofCases().length + RANDOM_CASES);
});

test('a wrong expectation is reported: the comparison can fail', () => {
  const cases = rfc8032Cases();
  const wrong = cases.map((entry) => (entry.kind === 'verify' ? { ...entry, expected: !entry.expected } : entry));
  const result = runHost(wrong);
  assert.is(result.disagreements.length, cases.filter((entry) => entry.kind === 'verify').length);
});

test.run();
