import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeOf, publishAll, setup } from '../helpers/engine.js';

test('per-consumer prefetch: a consumer holding its limit gets nothing more until it acks', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const slow = f.channel();
  const fast = f.channel();
  slow.ch.basicQos({ prefetchCount: 1 });
  fast.ch.basicQos({ prefetchCount: 1 });
  slow.ch.basicConsume({ queue: 'q' });
  fast.sink.onDeliver = (d) => fast.ch.basicAck(d.deliveryTag, false);
  fast.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['1', '2', '3', '4', '5', '6']);
  assert.deepEqual(slow.sink.bodies(), ['1']);
  assert.deepEqual(fast.sink.bodies(), ['2', '3', '4', '5', '6']);
});

test('global prefetch is shared by the consumers of a channel; per-consumer applies to later consumers', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'a' });
  f.ch.queueDeclare({ queue: 'b' });
  const c = f.channel();
  c.ch.basicQos({ prefetchCount: 3, global: true });
  c.ch.basicConsume({ queue: 'a' });
  c.ch.basicConsume({ queue: 'b' });
  publishAll(f.ch, 'a', ['a1', 'a2', 'a3']);
  publishAll(f.ch, 'b', ['b1', 'b2']);
  assert.equal(c.sink.deliveries.length, 3);
  c.ch.basicAck(0, true);
  assert.equal(c.sink.deliveries.length, 5);
});

test('prefetch 0 is unlimited; no-ack consumers ignore prefetch; prefetch_size != 0 is 540', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  c.ch.basicQos({ prefetchCount: 1 });
  c.ch.basicConsume({ queue: 'q', noAck: true });
  publishAll(f.ch, 'q', ['1', '2', '3']);
  assert.equal(c.sink.deliveries.length, 3);
  assert.equal(
    codeOf(() => f.channel().ch.basicQos({ prefetchSize: 10 })),
    540,
  );
});
