import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChannelError } from '../../src/protocol/errors.js';
import { decodeTable, encodeTable } from '../../src/protocol/field-table.js';
import { typed } from '../../src/protocol/field-value.js';
import { codeOf, publishAll, setup } from '../helpers/engine.js';

test('server-named queues are amq.gen- plus 22 base64url characters', () => {
  const f = setup();
  const { queue } = f.ch.queueDeclare({ exclusive: true });
  assert.match(queue, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
});

test('passive declare: 404 with RabbitMQ text; counts reported', () => {
  const f = setup();
  try {
    f.ch.queueDeclare({ queue: 'nq', passive: true });
    assert.fail();
  } catch (e) {
    assert.equal((e as ChannelError).replyText, "NOT_FOUND - no queue 'nq' in vhost '/'");
  }
  const ch = f.channel().ch;
  ch.queueDeclare({ queue: 'q' });
  publishAll(ch, 'q', ['a', 'b']);
  assert.deepEqual(ch.queueDeclare({ queue: 'q', passive: true }), {
    queue: 'q',
    messageCount: 2,
    consumerCount: 0,
  });
});

test('equivalence checks on redeclare, including arguments', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-message-ttl': 1000 } });
  const texts: string[] = [];
  for (const args of [
    { durable: true, arguments: { 'x-message-ttl': 1000 } },
    { autoDelete: true, arguments: { 'x-message-ttl': 1000 } },
    { arguments: { 'x-message-ttl': 2000 } },
    { arguments: {} },
  ]) {
    const ch = f.channel().ch;
    try {
      ch.queueDeclare({ queue: 'q', ...args });
    } catch (e) {
      texts.push((e as ChannelError).replyText);
    }
  }
  assert.deepEqual(texts, [
    "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'",
    "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue 'q' in vhost '/': received 'true' but current is 'false'",
    "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received '2000' but current is '1000'",
    // A plain 1000 is named by the type the codec puts on the wire for it (int32); values
    // decoded from a client's frame keep the client's own type (amqplib sends a short).
    "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received none but current is the value '1000' of type 'signedint'",
  ]);
  f.channel().ch.queueDeclare({ queue: 'q', arguments: { 'x-message-ttl': 1000, unrelated: 1 } });
});

test('error texts name a decoded argument by the type the client sent, as RabbitMQ does', () => {
  const f = setup();
  // Arguments as they arrive from a client's frame: a short, remembered by the decoder.
  const args = decodeTable(encodeTable({ 'x-message-ttl': typed('s', 1000) }));
  f.ch.queueDeclare({ queue: 'q', arguments: args });
  try {
    f.channel().ch.queueDeclare({ queue: 'q', arguments: {} });
    assert.fail('redeclare without the argument must fail');
  } catch (e) {
    assert.equal(
      (e as ChannelError).replyText,
      "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received none but current is the value '1000' of type 'short'",
    );
  }
});

test('amq.-prefixed queue names are refused (403); invalid arguments 406', () => {
  const f = setup();
  assert.equal(
    codeOf(() => f.ch.queueDeclare({ queue: 'amq.mine' })),
    403,
  );
  for (const args of [
    { 'x-max-priority': 256 },
    { 'x-message-ttl': -1 },
    { 'x-expires': 0 },
    { 'x-overflow': 'x' },
    { 'x-dead-letter-routing-key': 'k' },
    { 'x-queue-type': 'foo' },
  ]) {
    assert.equal(
      codeOf(() => f.channel().ch.queueDeclare({ queue: 'bad', arguments: args })),
      406,
      JSON.stringify(args),
    );
  }
});

test('purge and delete return message counts; if-empty / if-unused 406 with texts', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  publishAll(f.ch, 'q', ['1', '2', '3']);
  try {
    f.ch.queueDelete({ queue: 'q', ifEmpty: true });
  } catch (e) {
    assert.equal((e as ChannelError).replyText, "PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");
  }
  const ch = f.channel().ch;
  assert.equal(ch.queuePurge('q'), 3);
  publishAll(ch, 'q', ['4']);
  ch.basicConsume({ queue: 'q', noAck: true });
  const ch2 = f.channel().ch;
  publishAll(ch2, 'q', ['5']);
  assert.equal(
    codeOf(() => ch2.queueDelete({ queue: 'q', ifUnused: true })),
    406,
  );
  const ch3 = f.channel().ch;
  ch.basicCancel(ch.basicConsume({ queue: 'q' }));
  assert.equal(ch3.queueDelete({ queue: 'q' }), 0);
  assert.equal(ch3.queueDelete({ queue: 'q' }), 0);
});

test('bind / unbind with arguments; unbinding a missing binding is fine', () => {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'h', type: 'headers' });
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'h', arguments: { 'x-match': 'all', a: 1 } });
  f.ch.basicPublish('h', '', false, false, { headers: { a: 1 } }, Buffer.from('x'));
  f.ch.queueUnbind({ queue: 'q', exchange: 'h', arguments: { 'x-match': 'all', a: 1 } });
  f.ch.queueUnbind({ queue: 'q', exchange: 'h', arguments: { 'x-match': 'all', a: 2 } });
  f.ch.basicPublish('h', '', false, false, { headers: { a: 1 } }, Buffer.from('y'));
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
  assert.equal(
    codeOf(() => f.ch.queueBind({ queue: 'missing', exchange: 'h' })),
    404,
  );
});
