import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import { setup, text } from '../helpers/engine.js';

test('direct reply-to round trip: reply_to rewritten, reply delivered to the requesting channel', () => {
  const f = setup();
  f.ch.basicConsume({ queue: 'amq.rabbitmq.reply-to', noAck: true, consumerTag: 'rt' });
  f.ch.queueDeclare({ queue: 'rpc' });
  f.ch.basicPublish('', 'rpc', false, false, { replyTo: 'amq.rabbitmq.reply-to' }, text('req'));
  const server = f.connection();
  const req = server.ch.basicGet('rpc', true)!;
  const replyTo = req.message.properties.replyTo!;
  assert.match(replyTo, /^amq\.rabbitmq\.reply-to\.\S+$/);
  server.ch.basicPublish('', replyTo, false, false, {}, text('resp'));
  assert.deepEqual(
    f.sink.deliveries.map((d) => [d.consumerTag, d.body, d.routingKey]),
    [['rt', 'resp', replyTo]],
  );
  server.ch.basicPublish('', 'amq.rabbitmq.reply-to.bogus', true, false, {}, text('x'));
  assert.equal(server.sink.returns[0]?.replyCode, 312);
});

test('reply-to misuse errors as RabbitMQ', () => {
  const f = setup();
  const texts: string[] = [];
  const attempts: ((ch: typeof f.ch) => void)[] = [
    (ch) => ch.basicConsume({ queue: 'amq.rabbitmq.reply-to', noAck: false }),
    (ch) => {
      ch.basicConsume({ queue: 'amq.rabbitmq.reply-to', noAck: true });
      ch.basicConsume({ queue: 'amq.rabbitmq.reply-to', noAck: true });
    },
    (ch) => ch.basicPublish('', 'x', false, false, { replyTo: 'amq.rabbitmq.reply-to' }, text('x')),
  ];
  for (const attempt of attempts) {
    try {
      attempt(f.channel().ch);
    } catch (e) {
      texts.push((e as AmqpError).replyText);
    }
  }
  assert.deepEqual(texts, [
    'PRECONDITION_FAILED - reply consumer cannot acknowledge',
    'PRECONDITION_FAILED - reply consumer already set',
    'PRECONDITION_FAILED - fast reply consumer does not exist',
  ]);
});

test('queue.declare of amq.rabbitmq.reply-to reports 1 consumer, passive or not (RabbitMQ 3.10.8)', () => {
  const f = setup();
  const other = f.channel().ch;
  const counts = () =>
    [
      f.ch.queueDeclare({ queue: 'amq.rabbitmq.reply-to', passive: true }),
      f.ch.queueDeclare({ queue: 'amq.rabbitmq.reply-to' }),
      other.queueDeclare({ queue: 'amq.rabbitmq.reply-to', passive: true }),
    ].map((ok) => [ok.queue, ok.messageCount, ok.consumerCount]);
  const expected = Array(3).fill(['amq.rabbitmq.reply-to', 0, 1]);
  assert.deepEqual(counts(), expected);
  f.ch.basicConsume({ queue: 'amq.rabbitmq.reply-to', noAck: true });
  assert.deepEqual(counts(), expected);
});
