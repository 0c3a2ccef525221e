// Pure pieces of the runtime and the AMQP transport: return matching, confirm bookkeeping,
// reconnect schedule, error mapping, serialization, client middleware.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionLostError,
  UnrecoverableError,
  UnroutableError,
  Warren,
  composeClientMiddleware,
  deserialize,
  serialize,
} from '../../src/framework/index.js';
import { mapTransportError } from '../../src/framework/transport-errors.js';
import { ChannelError } from '../../src/protocol/errors.js';
import { PublisherConfirms } from '../../src/transports/amqp/publisher-confirms.js';
import { reconnectDelay, resolveReconnect } from '../../src/transports/amqp/reconnect-policy.js';
import { ReturnTracker } from '../../src/transports/amqp/return-tracker.js';
import { MessageReturnedError, TransportClosedError } from '../../src/transports/errors.js';

function returned(exchange: string, routingKey: string, messageId?: string) {
  return { exchange, routingKey, messageId, correlationId: undefined, replyCode: 312, replyText: 'NO_ROUTE' };
}

test('ReturnTracker marks the oldest matching unreturned publish', () => {
  const t = new ReturnTracker();
  const a = t.track('', 'q', 'm1', undefined);
  const b = t.track('', 'q', 'm1', undefined);
  const c = t.track('', 'other', 'm2', undefined);
  t.onReturn(returned('', 'q', 'm1'));
  assert.deepEqual(a.returned, { replyCode: 312, replyText: 'NO_ROUTE' });
  assert.equal(b.returned, undefined);
  t.onReturn(returned('', 'q', 'm1'));
  assert.ok(b.returned);
  assert.equal(c.returned, undefined);
  t.settle(a);
  t.settle(b);
  t.onReturn(returned('', 'q', 'm1')); // unmatched returns are ignored
  assert.equal(c.returned, undefined);
});

test('reconnect delays grow exponentially, are capped and jittered downwards', () => {
  const p = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 10].map((n) => reconnectDelay(p, n, () => 0)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(
    reconnectDelay(p, 1, () => 1),
    50,
  );
  assert.equal(resolveReconnect(undefined).maxAttempts, Infinity);
});

test('publisher confirms: single acks in any order, multiple acks, and the rest on close', () => {
  const c = new PublisherConfirms<string>();
  const tags = ['a', 'b', 'c', 'd', 'e'].map((e) => c.add(e));
  assert.deepEqual(tags, [1, 2, 3, 4, 5]);
  const settled: string[] = [];
  const settle = (e: string): number => settled.push(e);
  c.take(3, false, settle);
  c.take(3, false, settle); // twice: nothing more
  c.take(2, true, settle); // 1 and 2 (3 was settled already)
  assert.deepEqual(settled, ['c', 'a', 'b']);
  assert.equal(c.size, 2);
  assert.equal(c.add('f'), 6);
  c.take(5, false, settle);
  c.takeAll(settle);
  assert.deepEqual(settled, ['c', 'a', 'b', 'e', 'd', 'f']);
  assert.equal(c.size, 0);
});

test('the framework maps transport errors to its own classes', () => {
  assert.ok(mapTransportError(new MessageReturnedError('', 'q', 312, 'NO_ROUTE')) instanceof UnroutableError);
  assert.ok(mapTransportError(new TransportClosedError()) instanceof ConnectionLostError);
  const soft = new ChannelError(404, 'NOT_FOUND');
  assert.equal(mapTransportError(soft), soft);
});

test('serializer: JSON round trip; unreadable bodies are unrecoverable', () => {
  assert.deepEqual(deserialize(serialize({ a: [1, 'x'] }), 'application/json'), { a: [1, 'x'] });
  assert.equal(deserialize(serialize(undefined), undefined), null);
  assert.throws(() => deserialize(Buffer.from('{nope'), 'application/json'), UnrecoverableError);
  assert.throws(() => deserialize(Buffer.from('x'), 'text/plain'), UnrecoverableError);
});

test('client middleware runs outermost first and may add headers', async () => {
  const order: string[] = [];
  const run = composeClientMiddleware(
    [
      async (ctx, next) => {
        order.push('outer');
        ctx.headers['x-a'] = 1;
        return next();
      },
      async (_ctx, next) => {
        order.push('inner');
        return `wrapped:${String(await next())}`;
      },
    ],
    (ctx) => Promise.resolve(`op:${ctx.headers['x-a'] as number}`),
  );
  const result = await run({ kind: 'call', name: 'x', payload: null, headers: {} });
  assert.equal(result, 'wrapped:op:1');
  assert.deepEqual(order, ['outer', 'inner']);
});

test('Warren.start without url or transport runs on a private embedded broker', async () => {
  const app = await Warren.start({ services: [] });
  try {
    assert.equal(app.transport.constructor.name, 'EmbeddedTransport');
    assert.equal(app.transport.connected, true);
  } finally {
    await app.close();
  }
  assert.equal(app.transport.connected, false);
});
