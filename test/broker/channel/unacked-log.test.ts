// UnackedLog, a channel's deliveries awaiting acknowledgement: in delivery-tag order, settled
// in order (the front) or out of order (tombstones compacted when they reach the front), put
// back in tag order on tx.rollback, and correct when the ring wraps around and grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../../src/broker/message.js';
import { UnackedLog } from '../../../src/broker/channel/unacked-log.js';
import type { QueueHandle } from '../../../src/broker/queue/consumer.js';

const queue = { name: 'q' } as QueueHandle;
const other = { name: 'other' } as QueueHandle;

function message(tag: number): Message {
  return new Message('', 'q', {}, Buffer.from(String(tag)));
}

/** The live tags, front to back. */
function liveTags(log: UnackedLog): number[] {
  const out: number[] = [];
  for (let i = 0; i < log.slots; i++) if (log.isLive(i)) out.push(log.tagAt(i));
  return out;
}

function filled(tags: number[]): UnackedLog {
  const log = new UnackedLog();
  for (const t of tags) log.push(t, message(t), queue, null, t * 10);
  return log;
}

test('an empty log finds nothing and has no oldest time', () => {
  const log = new UnackedLog();
  assert.equal(log.size, 0);
  assert.equal(log.slots, 0);
  assert.equal(log.indexOf(1), -1);
  assert.equal(log.oldestTime(), 0);
  assert.deepEqual(log.takeAll(), []);
});

test('entries come back with what was pushed, in tag order', () => {
  const log = new UnackedLog();
  const m = message(7);
  log.push(7, m, other, null, 123);
  log.push(9, message(9), queue, null, 456);
  const i = log.indexOf(7);
  assert.equal(i, 0);
  assert.equal(log.messageAt(i), m);
  assert.equal(log.queueAt(i), other);
  assert.equal(log.consumerAt(i), null);
  assert.equal(log.oldestTime(), 123);
  assert.deepEqual(log.take(i), { tag: 7, message: m, queue: other, consumer: null, time: 123 });
  assert.equal(log.oldestTime(), 456, 'the front moved on');
  assert.equal(log.size, 1);
});

test('an out-of-order ack leaves a tombstone that is never found and is compacted at the front', () => {
  const log = filled([1, 2, 3, 4, 5]);
  log.remove(log.indexOf(3));
  assert.equal(log.indexOf(3), -1, 'a tombstone is not a live entry');
  assert.equal(log.size, 4);
  assert.equal(log.slots, 5, 'the slot stays until it reaches the front');
  log.remove(log.indexOf(2));
  log.remove(log.indexOf(1));
  assert.equal(log.slots, 2, 'tags 1-3 are compacted away together');
  assert.deepEqual(liveTags(log), [4, 5]);
  assert.equal(log.oldestTime(), 40, 'the front is live after compaction');
  assert.equal(log.indexOf(4), 0);
  assert.equal(log.indexOf(6), -1);
});

test('tags need not be contiguous (a no-ack delivery takes a tag but no entry)', () => {
  const log = filled([2, 5, 9, 14, 20]);
  for (const t of [2, 5, 9, 14, 20]) assert.equal(log.tagAt(log.indexOf(t)), t);
  for (const t of [1, 3, 10, 21]) assert.equal(log.indexOf(t), -1);
});

test('takeAll returns the live entries in tag order and empties the log', () => {
  const log = filled([1, 2, 3, 4]);
  log.remove(log.indexOf(2));
  assert.deepEqual(
    log.takeAll().map((e) => e.tag),
    [1, 3, 4],
  );
  assert.equal(log.size, 0);
  assert.equal(log.slots, 0);
});

test('restore puts rolled-back acks back among the remaining entries in tag order', () => {
  const log = filled([1, 2, 3, 4, 5]);
  const acked = [log.take(log.indexOf(4)), log.take(log.indexOf(1))];
  log.restore(acked);
  assert.deepEqual(liveTags(log), [1, 2, 3, 4, 5]);
  assert.equal(log.size, 5);
  assert.equal(log.messageAt(log.indexOf(4)).body.toString(), '4');
});

test('keeps tag order when the ring wraps and grows (many deliveries, acks at the front)', () => {
  const log = new UnackedLog();
  let next = 1;
  for (let round = 0; round < 50; round++) {
    for (let k = 0; k < 11; k++) log.push(next, message(next), queue, null, next++);
    for (let k = 0; k < 10; k++) log.remove(0);
  }
  // 50 live entries remain, pushed across many wraparounds and a few growths.
  assert.equal(log.size, 50);
  const tags = liveTags(log);
  assert.equal(tags.length, 50);
  assert.deepEqual(
    tags,
    [...tags].sort((a, b) => a - b),
  );
  for (const t of tags) assert.equal(log.messageAt(log.indexOf(t)).body.toString(), String(t));
});

test('matches a model (a sorted map of tags) under random deliveries and acks', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant<'push'>('push'), fc.nat(1000)), { maxLength: 300 }),
      (sequence) => {
        const log = new UnackedLog();
        const model: number[] = [];
        let tag = 0;
        for (const step of sequence) {
          if (step === 'push') {
            tag += 1;
            log.push(tag, message(tag), queue, null, tag);
            model.push(tag);
          } else if (model.length > 0) {
            const t = model[step % model.length]!;
            model.splice(model.indexOf(t), 1);
            log.remove(log.indexOf(t));
          }
          assert.equal(log.size, model.length);
        }
        assert.deepEqual(liveTags(log), model);
        assert.equal(log.oldestTime(), model[0] ?? 0);
      },
    ),
    { numRuns: 200 },
  );
});
