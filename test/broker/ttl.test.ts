import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Broker } from '../../src/broker/broker.js';
import { RecordingSink, codeOf, publishAll, setup, text } from '../helpers/engine.js';

test('x-message-ttl expires messages at the head (timer) and on delivery', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-message-ttl': 1000 } });
  publishAll(f.ch, 'q', ['a']);
  f.clock.advance(500);
  publishAll(f.ch, 'q', ['b']);
  f.clock.advance(600);
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
  f.clock.advance(500);
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 0);
});

test('per-message expiration: lower of the two wins; "0" delivers now or expires', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-message-ttl': 10_000 } });
  f.ch.basicPublish('', 'q', false, false, { expiration: '100' }, text('short'));
  f.ch.basicPublish('', 'q', false, false, { expiration: '0' }, text('zero'));
  f.clock.advance(150);
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 0);
  const c = f.channel();
  c.ch.basicConsume({ queue: 'q', noAck: true });
  f.ch.basicPublish('', 'q', false, false, { expiration: '0' }, text('now'));
  assert.deepEqual(c.sink.bodies(), ['now']);
});

test('invalid expiration is a 406', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  assert.equal(
    codeOf(() => f.ch.basicPublish('', 'q', false, false, { expiration: 'abc' }, text('x'))),
    406,
  );
  assert.equal(
    codeOf(() => f.channel().ch.basicPublish('', 'q', false, false, { expiration: '-1' }, text('x'))),
    406,
  );
});

test('real time: a TTL timer fires on the system clock', async () => {
  const broker = new Broker();
  const conn = broker.connect();
  try {
    const ch = conn.openChannel(1, new RecordingSink());
    ch.queueDeclare({ queue: 'q', arguments: { 'x-message-ttl': 30 } });
    ch.basicPublish('', 'q', false, false, {}, text('x'));
    await sleep(80);
    assert.equal(ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 0);
  } finally {
    conn.close();
  }
});
