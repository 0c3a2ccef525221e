// The x-delayed-message exchange (RabbitMQ's delayed-message-exchange plugin semantics) on
// the engine, driven by a ManualClock: held until due, released in due order, routed by the
// x-delayed-type's rules, and the plugin's declare errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeOf, setup, text } from '../helpers/engine.js';
import type { Fixture } from '../helpers/engine.js';

function delayed(f: Fixture, name: string, type = 'direct', durable = false): void {
  f.ch.exchangeDeclare({
    exchange: name,
    type: 'x-delayed-message',
    durable,
    arguments: { 'x-delayed-type': type },
  });
}

function publishDelayed(f: Fixture, exchange: string, key: string, body: string, delay?: number): void {
  const headers = delay === undefined ? {} : { 'x-delay': delay };
  f.ch.basicPublish(exchange, key, false, false, { headers }, text(body));
}

function depth(f: Fixture, queue: string): number {
  return f.ch.queueDeclare({ queue, passive: true }).messageCount;
}

test('a delayed publish reaches its queue only once due, with x-delay negated', () => {
  const f = setup();
  delayed(f, 'dx');
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: 'k' });
  publishDelayed(f, 'dx', 'k', 'later', 1000);
  f.clock.advance(999);
  assert.equal(depth(f, 'q'), 0);
  f.clock.advance(1);
  assert.equal(depth(f, 'q'), 1);
  const got = f.ch.basicGet('q', true);
  assert.equal(got?.message.body.toString(), 'later');
  assert.equal(got?.message.properties.headers?.['x-delay'], -1000);
  assert.equal(got?.message.exchange, 'dx');
});

test('no head-of-line blocking: messages come out in due order, not publish order', () => {
  const f = setup();
  delayed(f, 'dx', 'fanout');
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: '' });
  publishDelayed(f, 'dx', '', 'hour', 3_600_000);
  publishDelayed(f, 'dx', '', 'ten', 10_000);
  publishDelayed(f, 'dx', '', 'one', 1_000);
  publishDelayed(f, 'dx', '', 'one-again', 1_000);
  f.clock.advance(1_000);
  assert.equal(depth(f, 'q'), 2);
  f.clock.advance(3_600_000);
  const bodies: string[] = [];
  for (let m = f.ch.basicGet('q', true); m !== null; m = f.ch.basicGet('q', true))
    bodies.push(m.message.body.toString());
  assert.deepEqual(bodies, ['one', 'one-again', 'ten', 'hour']);
});

test('no x-delay, zero, negative or non-integer delays route at once', () => {
  const f = setup();
  delayed(f, 'dx');
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: 'k' });
  publishDelayed(f, 'dx', 'k', 'none');
  publishDelayed(f, 'dx', 'k', 'zero', 0);
  publishDelayed(f, 'dx', 'k', 'negative', -5);
  f.ch.basicPublish('dx', 'k', false, false, { headers: { 'x-delay': '5000' } }, text('string'));
  assert.equal(depth(f, 'q'), 4);
});

test('routing follows x-delayed-type (topic) at release time, bindings made meanwhile count', () => {
  const f = setup();
  delayed(f, 'tx', 'topic');
  f.ch.queueDeclare({ queue: 'a' });
  f.ch.queueDeclare({ queue: 'b' });
  f.ch.queueBind({ queue: 'a', exchange: 'tx', routingKey: 'orders.*' });
  publishDelayed(f, 'tx', 'orders.eu', 'x', 500);
  f.ch.queueBind({ queue: 'b', exchange: 'tx', routingKey: '#.eu' });
  f.clock.advance(500);
  assert.equal(depth(f, 'a'), 1);
  assert.equal(depth(f, 'b'), 1);
});

test('expiration starts counting when the message reaches its queue', () => {
  const f = setup();
  delayed(f, 'dx');
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: 'k' });
  f.ch.basicPublish('dx', 'k', false, false, { expiration: '100', headers: { 'x-delay': 1000 } }, text('x'));
  f.clock.advance(1000);
  assert.equal(depth(f, 'q'), 1);
  f.clock.advance(100);
  assert.equal(depth(f, 'q'), 0);
});

test('confirms: a delayed publish is acked when held', () => {
  const f = setup();
  delayed(f, 'dx');
  f.ch.confirmSelect();
  publishDelayed(f, 'dx', 'k', 'x', 1000);
  assert.deepEqual(f.sink.acks, [{ tag: 1, multiple: false }]);
});

test('deleting the exchange drops what it held', () => {
  const f = setup();
  delayed(f, 'dx', 'fanout');
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: '' });
  publishDelayed(f, 'dx', '', 'x', 1000);
  f.ch.exchangeDelete({ exchange: 'dx' });
  delayed(f, 'dx', 'fanout');
  f.ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: '' });
  f.clock.advance(2000);
  assert.equal(depth(f, 'q'), 0);
});

test('declare errors: x-delayed-type missing or x-delayed-message is 406, an unknown type 503', () => {
  const f = setup();
  const declare = (args: Record<string, string>) => () =>
    f.channel().ch.exchangeDeclare({ exchange: 'bad', type: 'x-delayed-message', arguments: args });
  assert.equal(codeOf(declare({})), 406);
  assert.equal(codeOf(declare({ 'x-delayed-type': 'x-delayed-message' })), 406);
  assert.equal(codeOf(declare({ 'x-delayed-type': 'nope' })), 503);
});

test('a headers-typed delayed exchange validates x-match on bind', () => {
  const f = setup();
  delayed(f, 'hx', 'headers');
  f.ch.queueDeclare({ queue: 'q' });
  const c = f.channel();
  assert.equal(
    codeOf(() =>
      c.ch.queueBind({ queue: 'q', exchange: 'hx', routingKey: '', arguments: { 'x-match': 'bad' } }),
    ),
    406,
  );
});
