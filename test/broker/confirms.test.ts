import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DurableWaiter, MessageStore } from '../../src/broker/store/message-store.js';
import { codeOf, setup, text } from '../helpers/engine.js';

test('confirm.select: sequential tags from 1, ack for routed and unroutable publishes', () => {
  const f = setup();
  f.ch.confirmSelect();
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.basicPublish('', 'q', false, false, {}, text('1'));
  f.ch.basicPublish('', 'nowhere', true, false, {}, text('2'));
  assert.deepEqual(f.sink.acks, [
    { tag: 1, multiple: false },
    { tag: 2, multiple: false },
  ]);
  assert.equal(f.sink.returns.length, 1);
});

test('reject-publish overflow nacks the publish when confirms are on', () => {
  const f = setup();
  f.ch.confirmSelect();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
  f.ch.basicPublish('', 'q', false, false, {}, text('1'));
  f.ch.basicPublish('', 'q', false, false, {}, text('2'));
  assert.deepEqual(f.sink.acks, [{ tag: 1, multiple: false }]);
  assert.deepEqual(f.sink.nacks, [{ tag: 2, multiple: false }]);
});

class SlowStore implements MessageStore {
  waiting: [DurableWaiter | null, number][] = [];
  persist(_q: string, _s: number, _m: unknown, waiter: DurableWaiter | null, token: number): boolean {
    this.waiting.push([waiter, token]);
    return false;
  }
  remove(): void {}
  dropQueue(): void {}
  flush(): void {
    for (const [w, t] of this.waiting.splice(0)) w?.durable(t);
  }
}

test('persistent messages on durable queues are confirmed only once the store says durable', () => {
  const store = new SlowStore();
  const f = setup({ store });
  f.ch.confirmSelect();
  f.ch.queueDeclare({ queue: 'd', durable: true });
  f.ch.queueDeclare({ queue: 't' });
  f.ch.basicPublish('', 'd', false, false, { deliveryMode: 2 }, text('p'));
  f.ch.basicPublish('', 't', false, false, { deliveryMode: 2 }, text('transient queue'));
  f.ch.basicPublish('', 'd', false, false, { deliveryMode: 1 }, text('non-persistent'));
  assert.deepEqual(
    f.sink.acks.map((a) => a.tag),
    [2, 3],
  );
  store.flush();
  assert.deepEqual(
    f.sink.acks.map((a) => a.tag),
    [2, 3, 1],
  );
});

test('confirm and tx are mutually exclusive (406)', () => {
  const f = setup();
  f.ch.confirmSelect();
  assert.equal(
    codeOf(() => f.ch.txSelect()),
    406,
  );
  const ch = f.channel().ch;
  ch.txSelect();
  assert.equal(
    codeOf(() => ch.confirmSelect()),
    406,
  );
});
