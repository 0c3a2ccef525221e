import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, text } from '../helpers/engine.js';

test('mandatory publish that routes nowhere comes back as basic.return 312 NO_ROUTE', () => {
  const f = setup();
  f.ch.basicPublish('amq.direct', 'nowhere', true, false, {}, text('m'));
  f.ch.basicPublish('amq.direct', 'nowhere', false, false, {}, text('silent'));
  assert.deepEqual(f.sink.returns, [
    { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'amq.direct', routingKey: 'nowhere', body: 'm' },
  ]);
});

test('immediate is not implemented (540 connection error), as RabbitMQ', () => {
  const f = setup();
  assert.throws(() => f.ch.basicPublish('', 'q', false, true, {}, text('m')), { replyCode: 540 });
  assert.equal(f.conn.open, false);
});
