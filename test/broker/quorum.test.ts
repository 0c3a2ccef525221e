import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import type { FieldTable } from '../../src/protocol/field-value.js';
import { publishAll, setup } from '../helpers/engine.js';

test('quorum queues must be durable, non-exclusive, non-auto-delete (RabbitMQ texts)', () => {
  const f = setup();
  const texts: string[] = [];
  for (const flags of [
    { durable: false },
    { durable: true, exclusive: true },
    { durable: true, autoDelete: true },
  ]) {
    try {
      f.channel().ch.queueDeclare({ queue: 'qq', ...flags, arguments: { 'x-queue-type': 'quorum' } });
    } catch (e) {
      texts.push((e as AmqpError).replyText);
    }
  }
  assert.deepEqual(texts, [
    "PRECONDITION_FAILED - invalid property 'non-durable' for queue 'qq' in vhost '/'",
    "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 'qq' in vhost '/'",
    "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 'qq' in vhost '/'",
  ]);
});

/** A quorum queue 'qq' with the given delivery limit, dead-lettering to queue 'dead' via fanout 'dlx'. */
function declareQuorumWithDlx(f: ReturnType<typeof setup>, deliveryLimit: number): void {
  f.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'dead' });
  f.ch.queueBind({ queue: 'dead', exchange: 'dlx' });
  f.ch.queueDeclare({
    queue: 'qq',
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': 'dlx',
    },
  });
}

test('quorum: x-delivery-count header counts returns; past the limit the message is dead-lettered (delivery_limit)', () => {
  const f = setup();
  declareQuorumWithDlx(f, 2);
  publishAll(f.ch, 'qq', ['m']);
  const counts: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const g = f.ch.basicGet('qq', false)!;
    counts.push(g.message.properties.headers?.['x-delivery-count']);
    f.ch.basicNack(g.deliveryTag, false, true);
  }
  assert.deepEqual(counts, [undefined, 1, 2]);
  assert.equal(f.ch.basicGet('qq', true), null);
  const d = f.ch.basicGet('dead', true)!;
  assert.equal((d.message.properties.headers!['x-death'] as FieldTable[])[0]!['reason'], 'delivery_limit');
});

test('quorum: a channel closing with unacked messages counts as a delivery attempt (RabbitMQ 4.0-4.2)', () => {
  const f = setup();
  declareQuorumWithDlx(f, 1);
  publishAll(f.ch, 'qq', ['m']);
  const counts: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const c = f.channel();
    c.ch.basicConsume({ queue: 'qq' });
    counts.push(c.sink.deliveries[0]?.message.properties.headers?.['x-delivery-count']);
    c.ch.close();
  }
  assert.deepEqual(counts, [undefined, 1]);
  assert.equal(f.ch.basicGet('qq', true), null);
  const d = f.ch.basicGet('dead', true)!;
  assert.equal((d.message.properties.headers!['x-death'] as FieldTable[])[0]!['reason'], 'delivery_limit');
});

test('quorum default delivery limit is 20 (RabbitMQ 4); without a DLX the message is dropped', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'qq', durable: true, arguments: { 'x-queue-type': 'quorum' } });
  publishAll(f.ch, 'qq', ['m']);
  let n = 0;
  for (let g = f.ch.basicGet('qq', false); g !== null; g = f.ch.basicGet('qq', false)) {
    n++;
    f.ch.basicReject(g.deliveryTag, true);
  }
  assert.equal(n, 21);
});
