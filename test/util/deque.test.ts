// Deque, the ring buffer under queues and unacked logs: FIFO/LIFO at both ends, indexed reads
// and writes, inserts and removals in the middle, all while the ring is wrapped around its end
// and while it grows; and a model check against a plain array over random operation sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Deque } from '../../src/util/deque.js';

/** A deque of capacity 4 whose head sits at slot 3, so its contents wrap past the end. */
function wrapped(items: number[]): Deque<number> {
  const d = new Deque<number>(4);
  for (let i = 0; i < 3; i++) d.push(-1);
  for (let i = 0; i < 3; i++) d.shift();
  for (const x of items) d.push(x);
  return d;
}

test('push/shift is FIFO, unshift/pop the other way, peeks do not remove', () => {
  const d = new Deque<string>();
  assert.equal(d.shift(), undefined);
  assert.equal(d.pop(), undefined);
  assert.equal(d.peek(), undefined);
  assert.equal(d.peekLast(), undefined);
  d.push('b');
  d.push('c');
  d.unshift('a');
  assert.equal(d.peek(), 'a');
  assert.equal(d.peekLast(), 'c');
  assert.equal(d.length, 3);
  assert.equal(d.shift(), 'a');
  assert.equal(d.pop(), 'c');
  assert.equal(d.pop(), 'b');
  assert.equal(d.length, 0);
  assert.equal(d.pop(), undefined);
});

test('keeps order across wraparound and growth from a wrapped state', () => {
  const d = wrapped([1, 2, 3]);
  assert.deepEqual(d.toArray(), [1, 2, 3]);
  d.push(4); // full at capacity 4, wrapped
  d.push(5); // grows: the copy must unwrap in order
  d.unshift(0);
  assert.deepEqual([...d], [0, 1, 2, 3, 4, 5]);
  assert.equal(d.get(0), 0);
  assert.equal(d.get(5), 5);
  for (let round = 0; round < 100; round++) {
    d.push(d.shift()!); // rotate many times round the ring
  }
  assert.deepEqual(d.toArray(), [4, 5, 0, 1, 2, 3]);
});

test('get and set are by position from the front; out of range reads undefined, writes throw', () => {
  const d = wrapped([10, 20, 30]);
  d.set(1, 21);
  assert.deepEqual(d.toArray(), [10, 21, 30]);
  assert.equal(d.get(-1), undefined);
  assert.equal(d.get(3), undefined);
  assert.throws(() => d.set(3, 0), RangeError);
  assert.throws(() => d.set(-1, 0), RangeError);
});

test('insertAt places the item at its index from either half, when wrapped and when full', () => {
  const front = wrapped([1, 2, 4, 5]); // full (capacity 4)
  front.insertAt(1, 1.5); // front half, grows
  assert.deepEqual(front.toArray(), [1, 1.5, 2, 4, 5]);
  const back = wrapped([1, 2, 4]);
  back.insertAt(2, 3); // back half, wrapped
  assert.deepEqual(back.toArray(), [1, 2, 3, 4]);
  back.insertAt(0, 0);
  back.insertAt(99, 9);
  back.insertAt(-5, -1);
  assert.deepEqual(back.toArray(), [-1, 0, 1, 2, 3, 4, 9]);
});

test('removeAt returns the item and closes the gap; out of range removes nothing', () => {
  const d = wrapped([1, 2, 3, 4]);
  assert.equal(d.removeAt(2), 3);
  assert.deepEqual(d.toArray(), [1, 2, 4]);
  assert.equal(d.removeAt(0), 1);
  assert.equal(d.removeAt(1), 4);
  assert.equal(d.removeAt(1), undefined);
  assert.equal(d.removeAt(-1), undefined);
  assert.deepEqual(d.toArray(), [2]);
  d.push(5);
  assert.equal(d.peekLast(), 5, 'the slot freed at the back is reused');
});

test('clear empties it and it works again afterwards', () => {
  const d = wrapped([1, 2, 3, 4, 5, 6]);
  d.clear();
  assert.equal(d.length, 0);
  assert.deepEqual(d.toArray(), []);
  d.push(7);
  d.unshift(6);
  assert.deepEqual(d.toArray(), [6, 7]);
});

type Op =
  | { op: 'push' | 'unshift'; value: number }
  | { op: 'shift' | 'pop' }
  | { op: 'insertAt' | 'set'; index: number; value: number }
  | { op: 'removeAt'; index: number };

const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('push' as const, 'unshift' as const), value: fc.integer() }),
  fc.record({ op: fc.constantFrom('shift' as const, 'pop' as const) }),
  fc.record({
    op: fc.constantFrom('insertAt' as const, 'set' as const),
    index: fc.nat(40),
    value: fc.integer(),
  }),
  fc.record({ op: fc.constant('removeAt' as const), index: fc.nat(40) }),
);

test('behaves like an array under any sequence of operations (model check)', () => {
  fc.assert(
    fc.property(fc.nat(20), fc.array(ops, { maxLength: 200 }), (capacity, sequence) => {
      const d = new Deque<number>(capacity);
      const model: number[] = [];
      for (const o of sequence) {
        switch (o.op) {
          case 'push':
            d.push(o.value);
            model.push(o.value);
            break;
          case 'unshift':
            d.unshift(o.value);
            model.unshift(o.value);
            break;
          case 'shift':
            assert.equal(d.shift(), model.shift());
            break;
          case 'pop':
            assert.equal(d.pop(), model.pop());
            break;
          case 'insertAt': {
            d.insertAt(o.index, o.value);
            model.splice(Math.min(o.index, model.length), 0, o.value);
            break;
          }
          case 'set':
            if (o.index < model.length) {
              d.set(o.index, o.value);
              model[o.index] = o.value;
            } else assert.throws(() => d.set(o.index, o.value), RangeError);
            break;
          case 'removeAt':
            assert.equal(
              d.removeAt(o.index),
              o.index < model.length ? model.splice(o.index, 1)[0] : undefined,
            );
            break;
        }
        assert.equal(d.length, model.length);
        assert.equal(d.peek(), model[0]);
        assert.equal(d.peekLast(), model[model.length - 1]);
      }
      assert.deepEqual(d.toArray(), model);
      assert.deepEqual([...d], model);
    }),
    { numRuns: 300 },
  );
});
