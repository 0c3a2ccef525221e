import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelError, ConnectionError } from '../../src/protocol/errors.js';
import { codeOf, setup, text } from '../helpers/engine.js';

test('predeclared exchanges exist; amq.* cannot be deleted or newly declared; default exchange rules', () => {
  const f = setup();
  for (const x of ['amq.direct', 'amq.fanout', 'amq.topic', 'amq.headers', 'amq.match']) {
    f.ch.exchangeDeclare({ exchange: x, passive: true });
  }
  assert.equal(
    codeOf(() => f.ch.exchangeDeclare({ exchange: 'amq.direct', type: 'fanout', durable: true })),
    406,
  );
  let ch = f.channel().ch;
  assert.equal(
    codeOf(() => ch.exchangeDelete({ exchange: 'amq.direct' })),
    403,
  );
  ch = f.channel().ch;
  assert.equal(
    codeOf(() => ch.exchangeDeclare({ exchange: 'amq.new', type: 'direct' })),
    403,
  );
  ch = f.channel().ch;
  assert.equal(
    codeOf(() => ch.exchangeDeclare({ exchange: '', type: 'direct' })),
    403,
  );
  ch = f.channel().ch;
  assert.equal(
    codeOf(() => ch.exchangeDelete({ exchange: '' })),
    403,
  );
  ch = f.channel().ch;
  ch.queueDeclare({ queue: 'q' });
  assert.equal(
    codeOf(() => ch.queueBind({ queue: 'q', exchange: '', routingKey: 'q' })),
    403,
  );
});

test('passive declare 404, equivalence 406 with RabbitMQ text, unknown type is a 503 connection error', () => {
  const f = setup();
  try {
    f.ch.exchangeDeclare({ exchange: 'nope', passive: true });
    assert.fail();
  } catch (e) {
    assert.ok(e instanceof ChannelError);
    assert.equal(e.replyText, "NOT_FOUND - no exchange 'nope' in vhost '/'");
    assert.deepEqual([e.classId, e.methodId], [40, 10]);
  }
  const ch = f.channel().ch;
  ch.exchangeDeclare({ exchange: 'x', type: 'direct' });
  try {
    ch.exchangeDeclare({ exchange: 'x', type: 'direct', durable: true });
    assert.fail();
  } catch (e) {
    assert.equal(
      (e as ChannelError).replyText,
      "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'true' but current is 'false'",
    );
  }
  assert.equal(ch.open, false);
  const ch2 = f.channel().ch;
  try {
    ch2.exchangeDeclare({ exchange: 'y', type: 'nonsense' });
    assert.fail();
  } catch (e) {
    assert.ok(e instanceof ConnectionError);
    assert.equal(e.replyCode, 503);
  }
  assert.equal(f.conn.open, false);
});

test('publish to a missing exchange is a 404 channel error; internal exchange 403', () => {
  const f = setup();
  assert.equal(
    codeOf(() => f.ch.basicPublish('missing', 'k', false, false, {}, text('a'))),
    404,
  );
  assert.equal(f.ch.open, false);
  const ch = f.channel().ch;
  ch.exchangeDeclare({ exchange: 'i', type: 'fanout', internal: true });
  assert.equal(
    codeOf(() => ch.basicPublish('i', 'k', false, false, {}, text('a'))),
    403,
  );
});

test('exchange-to-exchange: a queue reached twice gets one copy; cycles terminate', () => {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'a', type: 'fanout' });
  f.ch.exchangeDeclare({ exchange: 'b', type: 'fanout' });
  f.ch.exchangeBind({ destination: 'b', source: 'a' });
  f.ch.exchangeBind({ destination: 'a', source: 'b' });
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'a' });
  f.ch.queueBind({ queue: 'q', exchange: 'b' });
  f.ch.basicPublish('a', '', false, false, {}, text('m'));
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
});

test('alternate exchange takes messages the exchange cannot route', () => {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'ae', type: 'fanout' });
  f.ch.exchangeDeclare({ exchange: 'main', type: 'direct', arguments: { 'alternate-exchange': 'ae' } });
  f.ch.queueDeclare({ queue: 'unrouted' });
  f.ch.queueBind({ queue: 'unrouted', exchange: 'ae' });
  f.ch.basicPublish('main', 'nowhere', true, false, {}, text('m'));
  assert.equal(f.sink.returns.length, 0);
  assert.equal(f.ch.basicGet('unrouted', true)?.message.body.toString(), 'm');
});

test('auto-delete exchange goes with its last binding, not before it had one; durable recorded', () => {
  const events: string[] = [];
  const f = setup({
    definitions: {
      exchangeDeclared: (d) => events.push(`x+${d.name}`),
      exchangeDeleted: (_v, n) => events.push(`x-${n}`),
    },
  });
  f.ch.exchangeDeclare({ exchange: 'ad', type: 'fanout', autoDelete: true, durable: true });
  f.ch.exchangeDeclare({ exchange: 'ad', passive: true });
  f.ch.queueDeclare({ queue: 'q1' });
  f.ch.queueBind({ queue: 'q1', exchange: 'ad' });
  f.ch.queueDelete({ queue: 'q1' });
  assert.equal(
    codeOf(() => f.ch.exchangeDeclare({ exchange: 'ad', passive: true })),
    404,
  );
  assert.deepEqual(events, ['x+ad', 'x-ad']);
});

test('exchange.delete if-unused refuses while bound (406), missing exchange deletes fine', () => {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'x', type: 'direct' });
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'x', routingKey: 'k' });
  f.ch.exchangeDelete({ exchange: 'missing' });
  assert.equal(
    codeOf(() => f.ch.exchangeDelete({ exchange: 'x', ifUnused: true })),
    406,
  );
  const ch = f.channel().ch;
  ch.exchangeDelete({ exchange: 'x' });
  ch.basicPublish('', 'q', false, false, {}, text('still routable by default exchange'));
  assert.equal(ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
});
