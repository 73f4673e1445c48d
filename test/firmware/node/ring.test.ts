// The bounded ring under every node queue: order, the full answer instead of growth, insert and remove
// across the wrap-around, and a random sequence of operations against a plain array.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ring } from '../../../firmware/node/ring';
import { createRng, testSeed } from '../../support/rng';

const contents = <T>(ring: Ring<T>) => Array.from({ length: ring.length }, (_, index) => ring.get(index));

test('a ring of capacity n holds n entries in order and answers false to the next without changing', () => {
  const ring = new Ring<number>(3);
  assert.ok(ring.push(1) && ring.push(2) && ring.push(3));
  assert.is(ring.push(4), false, 'full');
  assert.is(ring.insert(0, 9), false, 'full, at the head too');
  assert.equal(contents(ring), [1, 2, 3]);
  assert.is(ring.shift(), 1);
  assert.ok(ring.push(4), 'room again after a shift');
  assert.equal(contents(ring), [2, 3, 4]);
  assert.is(ring.capacity, 3);
});

test('an empty ring shifts null; an index outside it or a bad capacity is a bug that throws', () => {
  const ring = new Ring<string>(2);
  assert.is(ring.shift(), null);
  assert.throws(() => ring.get(0), /ring index 0/);
  ring.push('a');
  assert.throws(() => ring.get(1), /ring index 1/);
  assert.throws(() => ring.get(-1), /ring index -1/);
  assert.throws(() => ring.insert(2, 'c'), /ring index 2/);
  assert.throws(() => ring.remove(1), /ring index 1/);
  for (const capacity of [0, -1, 1.5, NaN]) assert.throws(() => new Ring(capacity), /ring capacity/);
});

test('insert and remove inside the ring keep the order across the wrap-around', () => {
  const ring = new Ring<number>(4);
  for (const value of [1, 2, 3]) ring.push(value);
  ring.shift();
  ring.shift();
  ring.push(4);
  ring.push(5); // the slots wrap: [3, 4, 5] starts at slot 2
  assert.ok(ring.insert(1, 9));
  assert.equal(contents(ring), [3, 9, 4, 5]);
  assert.is(ring.remove(2), 4);
  assert.equal(contents(ring), [3, 9, 5]);
  assert.is(ring.remove(0), 3);
  assert.equal(contents(ring), [9, 5]);
});

test('random operations agree with a plain array bounded by the capacity', () => {
  const rng = createRng(testSeed('ring operations'));
  for (let round = 0; round < 50; round++) {
    const capacity = rng.int(1, 6);
    const ring = new Ring<number>(capacity);
    const model: number[] = [];
    for (let step = 0; step < 200; step++) {
      const operation = rng.int(0, 3);
      const value = rng.int(0, 1000);
      if (operation === 0) assert.is(ring.push(value), model.length < capacity ? (model.push(value), true) : false);
      else if (operation === 1) assert.is(ring.shift(), model.length > 0 ? model.shift() : null);
      else if (operation === 2) {
        const index = rng.int(0, model.length);
        const fits = model.length < capacity;
        assert.is(ring.insert(index, value), fits);
        if (fits) model.splice(index, 0, value);
      } else if (model.length > 0) {
        const index = rng.int(0, model.length - 1);
        assert.is(ring.remove(index), model.splice(index, 1)[0]);
      }
      assert.equal(contents(ring), model);
      assert.ok(ring.length <= capacity);
    }
  }
});

test.run();
