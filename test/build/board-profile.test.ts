// boardProfile reads each board's family from its board.json runtime (the one place that maps it), an
// unknown board is refused with its code, and each profile's reference board has that profile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boardProfile, referenceBoard } from '../../host-tools/build/board-profile';
import { BOARDS, BoardFileError, loadBoard } from '../../host-tools/build/boards';

test('every board has the profile of its runtime, by name or by description', () => {
  const expected: Record<string, string> = { pico: 'kaluma', 'pico-stock': 'kaluma', esp32: 'espruino', emulator: 'emulator' };
  assert.equal([...BOARDS].sort(), Object.keys(expected).sort());
  for (const name of BOARDS) {
    assert.is(boardProfile(name), expected[name], name);
    assert.is(boardProfile(loadBoard(name)), expected[name], `${name} by description`);
  }
});

test('an unknown board is refused with BOARD_UNKNOWN', () => {
  for (const name of ['', 'pico2', '../pico']) {
    assert.throws(() => boardProfile(name), (error: unknown) => error instanceof BoardFileError && error.code === 'BOARD_UNKNOWN');
  }
});

test('the reference board of a profile has it: pico for kaluma, esp32 for espruino', () => {
  assert.is(referenceBoard('kaluma').board, 'pico');
  assert.is(referenceBoard('espruino').board, 'esp32');
  assert.is(referenceBoard('emulator').board, 'emulator');
});

test.run();
