import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import { codeOf, publishAll, setup } from '../helpers/engine.js';

test('round-robin among consumers; server-generated amq.ctag- tags', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const a = f.channel();
  const b = f.channel();
  const ta = a.ch.basicConsume({ queue: 'q', noAck: true });
  b.ch.basicConsume({ queue: 'q', noAck: true, consumerTag: 'b' });
  assert.match(ta, /^amq\.ctag-[A-Za-z0-9_-]{22}$/);
  publishAll(f.ch, 'q', ['1', '2', '3', '4']);
  assert.deepEqual(a.sink.bodies(), ['1', '3']);
  assert.deepEqual(b.sink.bodies(), ['2', '4']);
});

test('duplicate consumer tag is a 530 connection error with RabbitMQ text', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.basicConsume({ queue: 'q', consumerTag: 't' });
  try {
    f.ch.basicConsume({ queue: 'q', consumerTag: 't' });
    assert.fail();
  } catch (e) {
    assert.equal((e as AmqpError).scope, 'connection');
    assert.equal((e as AmqpError).replyText, "NOT_ALLOWED - attempt to reuse consumer tag 't'");
  }
  assert.equal(f.conn.open, false);
});

test('exclusive consumers: 403 either way', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.basicConsume({ queue: 'q', exclusive: true });
  const ch = f.channel().ch;
  try {
    ch.basicConsume({ queue: 'q' });
  } catch (e) {
    assert.equal((e as AmqpError).replyText, "ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use");
  }
  const f2 = setup();
  f2.ch.queueDeclare({ queue: 'q' });
  f2.ch.basicConsume({ queue: 'q' });
  assert.equal(
    codeOf(() => f2.channel().ch.basicConsume({ queue: 'q', exclusive: true })),
    403,
  );
});

test('consumer priorities: higher priority gets messages while it has capacity', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const lo = f.channel();
  const hi = f.channel();
  lo.ch.basicConsume({ queue: 'q' });
  hi.ch.basicQos({ prefetchCount: 2 });
  hi.ch.basicConsume({ queue: 'q', arguments: { 'x-priority': 10 } });
  publishAll(f.ch, 'q', ['1', '2', '3', '4']);
  assert.deepEqual(hi.sink.bodies(), ['1', '2']);
  assert.deepEqual(lo.sink.bodies(), ['3', '4']);
  hi.ch.basicAck(1, false);
  publishAll(f.ch, 'q', ['5']);
  assert.deepEqual(hi.sink.bodies(), ['1', '2', '5']);
});

test('single active consumer: only one receives, the next takes over on cancel', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-single-active-consumer': true } });
  const a = f.channel();
  const b = f.channel();
  const ta = a.ch.basicConsume({ queue: 'q', noAck: true });
  b.ch.basicConsume({ queue: 'q', noAck: true });
  publishAll(f.ch, 'q', ['1', '2']);
  a.ch.basicCancel(ta);
  publishAll(f.ch, 'q', ['3']);
  assert.deepEqual(a.sink.bodies(), ['1', '2']);
  assert.deepEqual(b.sink.bodies(), ['3']);
});

test('SAC classic queue ignores consumer priorities: the first registered stays active (RabbitMQ)', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-single-active-consumer': true } });
  const lo = f.channel();
  const hi = f.channel();
  lo.ch.basicConsume({ queue: 'q', noAck: true });
  hi.ch.basicConsume({ queue: 'q', noAck: true, arguments: { 'x-priority': 10 } });
  publishAll(f.ch, 'q', ['1']);
  assert.deepEqual(lo.sink.bodies(), ['1']);
  assert.deepEqual(hi.sink.bodies(), []);
});

test('SAC quorum queue: a higher-priority consumer takes over once the active one has no unacked messages', () => {
  const f = setup();
  const args = { 'x-queue-type': 'quorum', 'x-single-active-consumer': true };
  f.ch.queueDeclare({ queue: 'q', durable: true, arguments: args });
  const lo = f.channel();
  const hi = f.channel();
  const mid = f.channel();
  const tLo = lo.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['1', '2']);
  assert.deepEqual(lo.sink.bodies(), ['1', '2']);
  hi.ch.basicConsume({ queue: 'q', arguments: { 'x-priority': 10 } });
  mid.ch.basicConsume({ queue: 'q', arguments: { 'x-priority': 5 } });
  // The active one keeps its unacked deliveries but gets nothing new (quiescing).
  publishAll(f.ch, 'q', ['3']);
  assert.deepEqual(lo.sink.bodies(), ['1', '2']);
  assert.deepEqual(hi.sink.bodies(), []);
  lo.ch.basicAck(1, false);
  assert.deepEqual(hi.sink.bodies(), []);
  lo.ch.basicAck(2, false);
  assert.deepEqual(hi.sink.bodies(), ['3']);
  publishAll(f.ch, 'q', ['4']);
  assert.deepEqual(hi.sink.bodies(), ['3', '4']);
  assert.deepEqual(lo.sink.bodies(), ['1', '2']);
  assert.deepEqual(mid.sink.bodies(), []);
  // The demoted consumer waits; when the active one goes, the highest-priority waiter takes over.
  hi.ch.basicAck(0, true);
  hi.ch.close();
  publishAll(f.ch, 'q', ['5']);
  assert.deepEqual(mid.sink.bodies(), ['5']);
  assert.deepEqual(lo.sink.bodies(), ['1', '2']);
  lo.ch.basicCancel(tLo);
  mid.ch.basicAck(0, true);
});

test('SAC quorum queue: a higher-priority consumer is active at once when the active one holds nothing', () => {
  const f = setup();
  const args = { 'x-queue-type': 'quorum', 'x-single-active-consumer': true };
  f.ch.queueDeclare({ queue: 'q', durable: true, arguments: args });
  const lo = f.channel();
  const hi = f.channel();
  lo.ch.basicConsume({ queue: 'q', noAck: true });
  publishAll(f.ch, 'q', ['1']);
  hi.ch.basicConsume({ queue: 'q', noAck: true, arguments: { 'x-priority': 1 } });
  publishAll(f.ch, 'q', ['2']);
  assert.deepEqual(lo.sink.bodies(), ['1']);
  assert.deepEqual(hi.sink.bodies(), ['2']);
});

test('deleting a queue sends a server-initiated cancel to its consumers', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  const tag = c.ch.basicConsume({ queue: 'q' });
  f.ch.queueDelete({ queue: 'q' });
  assert.deepEqual(c.sink.cancelled, [tag]);
});

test('reentrancy: acking and publishing inside deliver is safe and does not recurse', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  c.ch.basicQos({ prefetchCount: 1 });
  let depth = 0;
  let maxDepth = 0;
  c.sink.onDeliver = (d) => {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    c.ch.basicAck(d.deliveryTag, false);
    if (Number(d.body) < 50)
      c.ch.basicPublish('', 'q', false, false, {}, Buffer.from(String(Number(d.body) + 1)));
    depth--;
  };
  c.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['0']);
  assert.equal(c.sink.deliveries.length, 51);
  assert.equal(maxDepth, 1);
});

test('backpressure: an unwritable sink stops delivery until resumeDelivery; channel.flow likewise', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  c.ch.basicConsume({ queue: 'q', noAck: true });
  c.sink.writable = false;
  publishAll(f.ch, 'q', ['1', '2']);
  assert.equal(c.sink.deliveries.length, 0);
  c.sink.writable = true;
  c.ch.resumeDelivery();
  assert.deepEqual(c.sink.bodies(), ['1', '2']);
  assert.equal(c.ch.channelFlow(false), false);
  publishAll(f.ch, 'q', ['3']);
  assert.equal(c.sink.deliveries.length, 2);
  c.ch.channelFlow(true);
  assert.deepEqual(c.sink.bodies(), ['1', '2', '3']);
});
