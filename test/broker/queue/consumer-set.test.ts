// ConsumerSet, who gets a queue's next message: highest consumer priority first among those
// with capacity, round-robin within a priority, and for single-active-consumer queues only the
// active one (classic: the earliest registered; quorum: by priority, with the hand-over once the
// active consumer has settled its messages). Consumers are real Consumer objects on a channel
// stand-in whose capacity the test controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, type ConsumerHost, type QueueHandle } from '../../../src/broker/queue/consumer.js';
import { ConsumerSet } from '../../../src/broker/queue/consumer-set.js';

class Channel implements ConsumerHost {
  open = true;
  canDeliver(): boolean {
    return this.open;
  }
  deliver(): void {}
  cancelledByServer(): void {}
}

const queue: QueueHandle = {
  name: 'q',
  deleted: false,
  ack() {},
  requeue() {},
  discard() {},
  removeConsumer() {},
  wake() {},
};

function consumer(
  tag: string,
  options: { priority?: number; prefetch?: number; exclusive?: boolean; channel?: Channel } = {},
) {
  const { priority = 0, prefetch = 0, exclusive = false, channel = new Channel() } = options;
  return new Consumer(tag, queue, channel, false, exclusive, priority, {}, prefetch);
}

/** Picks `n` times, counting each pick as one unacked delivery (as the channel does). */
function picks(set: ConsumerSet, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = set.pick();
    out.push(c?.tag ?? '-');
    if (c) c.unacked++;
  }
  return out;
}

test('round-robin among equal priorities, skipping consumers without capacity', () => {
  const set = new ConsumerSet(false);
  const a = consumer('a', { prefetch: 1 });
  const b = consumer('b');
  const c = consumer('c');
  for (const x of [a, b, c]) set.add(x);
  assert.deepEqual(picks(set, 7), ['a', 'b', 'c', 'b', 'c', 'b', 'c'], 'a has prefetch 1');
  a.unacked = 0;
  assert.equal(set.anyReady(), true);
  assert.deepEqual(
    set.all().map((x) => x.tag),
    ['a', 'b', 'c'],
  );
});

test('a higher priority consumer gets everything while it has capacity, then the next level', () => {
  const set = new ConsumerSet(false);
  set.add(consumer('low1'));
  set.add(consumer('low2'));
  const high = consumer('high', { priority: 10, prefetch: 2 });
  set.add(high);
  assert.deepEqual(picks(set, 5), ['high', 'high', 'low1', 'low2', 'low1']);
  high.unacked = 0;
  assert.equal(set.pick(), high);
});

test('no consumer is picked when no channel can deliver', () => {
  const channel = new Channel();
  const set = new ConsumerSet(false);
  set.add(consumer('a', { channel }));
  set.add(consumer('b', { channel }));
  channel.open = false;
  assert.equal(set.pick(), undefined);
  assert.equal(set.anyReady(), false);
  channel.open = true;
  assert.equal(set.anyReady(), true);
});

test('remove keeps the round-robin going from where it was', () => {
  const set = new ConsumerSet(false);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((t) => consumer(t));
  for (const x of [a!, b!, c!, d!]) set.add(x);
  assert.deepEqual(picks(set, 2), ['a', 'b']);
  assert.equal(set.remove(a!), true, 'removing one before the cursor');
  assert.deepEqual(picks(set, 3), ['c', 'd', 'b']);
  assert.equal(set.remove(d!), true);
  assert.equal(set.remove(d!), false, 'already removed');
  assert.equal(set.count, 2);
  assert.deepEqual(picks(set, 2), ['c', 'b']);
  set.remove(b!);
  set.remove(c!);
  assert.equal(set.count, 0);
  assert.equal(set.pick(), undefined);
});

test('an exclusive consumer is tracked until it is removed', () => {
  const set = new ConsumerSet(false);
  const x = consumer('x', { exclusive: true });
  set.add(x);
  assert.equal(set.exclusive, x);
  set.remove(x);
  assert.equal(set.exclusive, undefined);
});

test('classic single active consumer: the earliest registered, whatever the priorities', () => {
  const set = new ConsumerSet(true);
  const first = consumer('first', { prefetch: 1 });
  set.add(first);
  set.add(consumer('second', { priority: 5 }));
  assert.equal(set.active, first);
  assert.deepEqual(picks(set, 2), ['first', '-'], 'the others never get one, even when it is full');
  assert.equal(set.anyReady(), false);
  set.remove(first);
  assert.equal(set.active?.tag, 'second');
  assert.equal(set.pick()?.tag, 'second');
});

test('quorum single active consumer: the highest priority waiting takes over once the active one is settled', () => {
  const set = new ConsumerSet(true, true);
  const a = consumer('a');
  set.add(a);
  assert.equal(set.pick(), a);
  a.unacked = 1;
  const b = consumer('b', { priority: 3 });
  const c = consumer('c', { priority: 3 });
  set.add(b);
  set.add(c);
  assert.equal(set.pick(), undefined, 'quiescing: a still holds a message, b may not start yet');
  assert.equal(set.anyReady(), false);
  assert.equal(set.active, a);
  a.unacked = 0;
  assert.equal(set.pick(), b, 'b outranks a; ties go to the earliest registered');
  assert.equal(set.active, b);
  set.remove(b);
  assert.equal(set.active, c, 'on removal the best waiting one is active at once');
  set.remove(c);
  assert.equal(set.active, a);
  set.remove(a);
  assert.equal(set.active, undefined);
  assert.equal(set.pick(), undefined);
});

test('active is undefined when the queue is not single-active', () => {
  const set = new ConsumerSet(false);
  set.add(consumer('a'));
  assert.equal(set.active, undefined);
});
