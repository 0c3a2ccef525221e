import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishAll, setup } from '../helpers/engine.js';

test('basic.get returns message count remaining and get-empty as null', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  assert.equal(f.ch.basicGet('q', true), null);
  publishAll(f.ch, 'q', ['a', 'b']);
  const g = f.ch.basicGet('q', false)!;
  assert.deepEqual(
    [g.message.body.toString(), g.messageCount, g.deliveryTag, g.redelivered, g.exchange, g.routingKey],
    ['a', 1, 1, false, '', 'q'],
  );
  f.ch.basicAck(g.deliveryTag, false);
  assert.equal(f.ch.basicGet('q', true)?.messageCount, 0);
});

test('"" names the last declared queue on the channel', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  publishAll(f.ch, 'q', ['a']);
  assert.equal(f.ch.basicGet('', true)?.message.body.toString(), 'a');
});
