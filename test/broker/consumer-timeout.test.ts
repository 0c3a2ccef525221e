import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Broker } from '../../src/broker/broker.js';
import { RecordingSink, publishAll, setup } from '../helpers/engine.js';

test('a delivery held unacked past the consumer timeout closes the channel with 406 and requeues', () => {
  const f = setup({ consumerTimeout: 10_000 });
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  c.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['m']);
  f.clock.advance(9_000);
  assert.equal(c.sink.errors.length, 0);
  f.clock.advance(1_500);
  assert.equal(c.sink.errors.length, 1);
  assert.equal(
    c.sink.errors[0]!.replyText,
    'PRECONDITION_FAILED - delivery acknowledgement on channel 2 timed out. Timeout value used: 10000 ms. This timeout value can be configured, see consumers doc guide to learn more',
  );
  assert.equal(c.ch.open, false);
  assert.equal(f.ch.basicGet('q', true)?.redelivered, true);
});

test('acking in time keeps the channel open; default timeout is 30 minutes', () => {
  const f = setup();
  assert.equal(f.broker.consumerTimeout, 30 * 60 * 1000);
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.basicConsume({ queue: 'q' });
  publishAll(f.ch, 'q', ['m']);
  f.clock.advance(29 * 60 * 1000);
  f.ch.basicAck(1, false);
  f.clock.advance(10 * 60 * 1000);
  assert.equal(f.ch.open, true);
});

test('real time: the consumer timeout fires on the system clock', async () => {
  const broker = new Broker({ consumerTimeout: 30 });
  const conn = broker.connect();
  try {
    const sink = new RecordingSink();
    const ch = conn.openChannel(1, sink);
    ch.queueDeclare({ queue: 'q' });
    ch.basicConsume({ queue: 'q' });
    ch.basicPublish('', 'q', false, false, {}, Buffer.from('m'));
    await sleep(100);
    assert.equal(sink.errors[0]?.replyCode, 406);
  } finally {
    conn.close();
  }
});
