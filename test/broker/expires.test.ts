import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Broker } from '../../src/broker/broker.js';
import { RecordingSink, codeOf, setup } from '../helpers/engine.js';

test('x-expires deletes an unused queue; use (get, consumers, redeclare) resets the countdown', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-expires': 1000 } });
  f.clock.advance(800);
  f.ch.basicGet('q', true);
  f.clock.advance(800);
  f.ch.queueDeclare({ queue: 'q', passive: true });
  const c = f.channel();
  const tag = c.ch.basicConsume({ queue: 'q' });
  f.clock.advance(5000);
  f.ch.queueDeclare({ queue: 'q', passive: true });
  c.ch.basicCancel(tag);
  f.clock.advance(1001);
  assert.equal(
    codeOf(() => f.ch.queueDeclare({ queue: 'q', passive: true })),
    404,
  );
});

test('real time: x-expires fires on the system clock', async () => {
  const broker = new Broker();
  const conn = broker.connect();
  try {
    const ch = conn.openChannel(1, new RecordingSink());
    ch.queueDeclare({ queue: 'q', arguments: { 'x-expires': 30 } });
    await sleep(80);
    assert.equal(broker.vhost('/')!.queues.has('q'), false);
  } finally {
    conn.close();
  }
});
