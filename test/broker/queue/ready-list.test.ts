// ReadyList, a queue's ready messages: FIFO by sequence number, per-priority levels (higher
// first, FIFO within a level, priorities clamped to [0, x-max-priority]), requeued messages
// back at their original position, removal from anywhere, and length/bytes kept exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../../src/broker/message.js';
import { ReadyList } from '../../../src/broker/queue/ready-list.js';

let nextSeq = 1;
function message(body: string, priority?: number): Message {
  const m = new Message('', 'q', priority === undefined ? {} : { priority }, Buffer.from(body));
  m.seq = nextSeq++;
  return m;
}
const bodies = (ms: Message[]) => ms.map((m) => m.body.toString());

test('without priorities: FIFO, with length and bytes of what is ready', () => {
  const list = new ReadyList(undefined);
  assert.equal(list.peek(), undefined);
  assert.equal(list.shift(), undefined);
  const [a, b, c] = [message('a'), message('bb', 9), message('ccc')];
  for (const m of [a, b, c]) list.push(m);
  assert.equal(list.length, 3);
  assert.equal(list.bytes, 6);
  assert.equal(list.priorityOf(b), 0, 'a priority property is ignored without x-max-priority');
  assert.equal(list.peek(), a);
  assert.equal(list.shift(), a);
  assert.equal(list.bytes, 5);
  assert.deepEqual(bodies(list.drain()), ['bb', 'ccc']);
  assert.equal(list.length, 0);
  assert.equal(list.bytes, 0);
});

test('with priorities: higher first, FIFO within a level, out-of-range priorities clamped', () => {
  const list = new ReadyList(5);
  const low1 = message('low1');
  const high1 = message('high1', 5);
  const mid = message('mid', 3);
  const over = message('over', 200); // clamps to 5, queued after high1
  const neg = message('neg', -1); // clamps to 0
  const low2 = message('low2', 0);
  for (const m of [low1, high1, mid, over, neg, low2]) list.push(m);
  assert.equal(list.priorityOf(over), 5);
  assert.equal(list.priorityOf(neg), 0);
  assert.deepEqual(bodies([...list.heads()]), ['high1', 'mid', 'low1']);
  assert.deepEqual(bodies(list.drain()), ['high1', 'over', 'mid', 'low1', 'neg', 'low2']);
});

test('a message pushed at a higher priority after the top level emptied is next', () => {
  const list = new ReadyList(9);
  list.push(message('p2', 2));
  list.push(message('p0'));
  assert.equal(list.shift()!.body.toString(), 'p2');
  list.push(message('p7', 7));
  list.push(message('p1', 1));
  assert.deepEqual(bodies(list.drain()), ['p7', 'p1', 'p0']);
});

test('restore puts a requeued message back at its original position by seq', () => {
  const list = new ReadyList(undefined);
  const ms = ['1', '2', '3', '4', '5'].map((b) => message(b));
  for (const m of ms) list.push(m);
  const first = list.shift()!;
  const second = list.shift()!;
  list.shift();
  list.restore(second);
  list.restore(first); // in the wrong order on purpose: position follows seq, not call order
  assert.equal(list.length, 4);
  assert.equal(list.bytes, 4);
  assert.deepEqual(bodies(list.drain()), ['1', '2', '4', '5']);
});

test('restore in a priority queue goes back into its own level', () => {
  const list = new ReadyList(2);
  const a = message('a', 1);
  const b = message('b', 1);
  const c = message('c', 2);
  for (const m of [a, b, c]) list.push(m);
  assert.equal(list.shift(), c);
  assert.equal(list.shift(), a);
  list.restore(a);
  list.restore(c);
  assert.deepEqual(bodies(list.drain()), ['c', 'a', 'b']);
});

test('remove takes a message out from anywhere; a message not held is not removed', () => {
  const list = new ReadyList(3);
  const ms = [message('a', 1), message('b', 1), message('c', 3), message('d', 1)];
  for (const m of ms) list.push(m);
  assert.equal(list.remove(ms[1]!), true);
  assert.equal(list.remove(ms[1]!), false, 'already removed');
  assert.equal(list.remove(message('elsewhere', 2)), false, 'a level never used');
  assert.equal(list.remove(message('elsewhere', 1)), false);
  assert.equal(list.length, 3);
  assert.equal(list.bytes, 3);
  assert.deepEqual(bodies(list.drain()), ['c', 'a', 'd']);
});

test('shiftLevelOf removes a level head only when the message is that head (expiry)', () => {
  const list = new ReadyList(4);
  const lowHead = message('lowHead', 1);
  const lowNext = message('lowNext', 1);
  const top = message('top', 4);
  for (const m of [lowHead, lowNext, top]) list.push(m);
  list.shiftLevelOf(lowNext); // not a head: nothing happens
  assert.equal(list.length, 3);
  list.shiftLevelOf(lowHead); // head of its level, though not of the list
  assert.equal(list.length, 2);
  assert.equal(list.bytes, 10);
  assert.deepEqual(bodies(list.drain()), ['top', 'lowNext']);
});
