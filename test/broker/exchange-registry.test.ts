// The exchange-type registry: which types exist, the router each gets, and RabbitMQ's errors
// for an unknown type (503, a connection error) and for a bad binding (406).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DirectRouter,
  EXCHANGE_TYPES,
  FanoutRouter,
  HeadersRouter,
  TopicRouter,
  assertExchangeType,
  createRouter,
  isExchangeType,
  unknownExchangeType,
  validateBinding,
} from '../../src/broker/exchange/index.js';
import { ChannelError, ConnectionError, ReplyCode } from '../../src/protocol/errors.js';

describe('exchange registry', () => {
  it('knows the four AMQP exchange types', () => {
    assert.deepEqual([...EXCHANGE_TYPES], ['direct', 'fanout', 'topic', 'headers']);
    assert.ok(createRouter('direct') instanceof DirectRouter);
    assert.ok(createRouter('fanout') instanceof FanoutRouter);
    assert.ok(createRouter('topic') instanceof TopicRouter);
    assert.ok(createRouter('headers') instanceof HeadersRouter);
    assert.ok(isExchangeType('topic'));
    assert.ok(!isExchangeType('Topic'));
    assert.ok(!isExchangeType('x-consistent-hash'));
  });

  it('gives each call a fresh, empty router', () => {
    const a = createRouter<string>('direct');
    a.bind('q', 'k', {});
    assert.equal(createRouter<string>('direct').size, 0);
  });

  it("builds RabbitMQ's 503 for an unknown type", () => {
    const e = unknownExchangeType('bogus-type', { classId: 40, methodId: 10 });
    assert.ok(e instanceof ConnectionError);
    assert.equal(e.replyCode, ReplyCode.COMMAND_INVALID);
    assert.equal(e.replyText, "COMMAND_INVALID - unknown exchange type 'bogus-type'");
    assert.equal(e.classId, 40);
    assert.equal(e.methodId, 10);
    assert.throws(() => assertExchangeType('nope'), ConnectionError);
    assert.doesNotThrow(() => assertExchangeType('headers'));
  });

  it('validates bindings per type, with the method reference', () => {
    const method = { classId: 50, methodId: 20 };
    assert.throws(
      () => validateBinding('headers', '', { 'x-match': 'nope' }, {}, method),
      (e: unknown) =>
        e instanceof ChannelError && e.replyCode === 406 && e.classId === 50 && e.methodId === 20,
    );
    assert.doesNotThrow(() => validateBinding('direct', '', { 'x-match': 'nope' }));
    assert.doesNotThrow(() => validateBinding('topic', '#.#.#', {}));
    assert.throws(
      () => validateBinding('topic', '#.#.#', {}, { topic: { maxHashWildcards: 2 } }),
      ChannelError,
    );
    const capped = createRouter<string>('topic', { topic: { maxHashWildcards: 1 } });
    assert.throws(() => capped.bind('q', '#.#', {}), ChannelError);
  });
});
