import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import { codeOf, publishAll, setup } from '../helpers/engine.js';

function consumerFixture() {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  return { f, c };
}

test('delivery tags start at 1 per channel; ack multiple settles everything up to the tag', () => {
  const { f, c } = consumerFixture();
  c.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['1', '2', '3']);
  assert.deepEqual(
    c.sink.deliveries.map((d) => d.deliveryTag),
    [1, 2, 3],
  );
  c.ch.basicAck(2, true);
  c.ch.close();
  assert.deepEqual(f.ch.basicGet('q', true)?.message.body.toString(), '3');
  assert.equal(f.ch.basicGet('q', true), null);
});

test('unknown or double-acked tag: 406 "unknown delivery tag N", channel closed', () => {
  const { f, c } = consumerFixture();
  publishAll(f.ch, 'q', ['1']);
  const g = c.ch.basicGet('q', false)!;
  c.ch.basicAck(g.deliveryTag, false);
  try {
    c.ch.basicAck(g.deliveryTag, false);
    assert.fail();
  } catch (e) {
    assert.equal((e as AmqpError).replyText, 'PRECONDITION_FAILED - unknown delivery tag 1');
    assert.equal((e as AmqpError).scope, 'channel');
  }
  assert.equal(c.ch.open, false);
  assert.equal(
    codeOf(() => f.channel().ch.basicReject(5, false)),
    406,
  );
});

test('nack/reject with requeue return to the original position with redelivered set', () => {
  const { f, c } = consumerFixture();
  publishAll(f.ch, 'q', ['1', '2', '3', '4']);
  const g1 = c.ch.basicGet('q', false)!;
  const g2 = c.ch.basicGet('q', false)!;
  c.ch.basicReject(g2.deliveryTag, true);
  c.ch.basicNack(g1.deliveryTag, false, true);
  const order = [];
  for (let g = f.ch.basicGet('q', true); g !== null; g = f.ch.basicGet('q', true))
    order.push([g.message.body.toString(), g.redelivered]);
  assert.deepEqual(order, [
    ['1', true],
    ['2', true],
    ['3', false],
    ['4', false],
  ]);
});

test('nack without requeue drops (or dead-letters); multiple nack', () => {
  const { f, c } = consumerFixture();
  publishAll(f.ch, 'q', ['1', '2', '3']);
  c.ch.basicConsume({ queue: 'q' });
  c.ch.basicNack(2, true, false);
  c.ch.close();
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
});

test('basic.recover requeues all unacked; closing a connection requeues too', () => {
  const { f, c } = consumerFixture();
  publishAll(f.ch, 'q', ['1', '2']);
  c.ch.basicConsume({ queue: 'q' });
  c.ch.basicRecover(true);
  assert.deepEqual(
    c.sink.deliveries.map((d) => [d.body, d.redelivered]),
    [
      ['1', false],
      ['2', false],
      ['1', true],
      ['2', true],
    ],
  );
  const other = f.connection();
  f.ch.close();
  other.ch.basicConsume({ queue: 'q' });
  f.conn.close();
  assert.deepEqual(
    other.sink.deliveries.map((d) => [d.body, d.redelivered]),
    [
      ['1', true],
      ['2', true],
    ],
  );
});
