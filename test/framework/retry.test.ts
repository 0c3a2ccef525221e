// Retry topology (TTL + dead-letter queues), retry headers and the retry/dead-letter decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_DELAY_QUEUES,
  RETRY_HEADERS,
  TaskTimeoutError,
  UnrecoverableError,
  ValidationError,
  attemptOf,
  deadLetterHeaders,
  decideFailure,
  retryHeaders,
  retryQueueFor,
  retryTopology,
  type TopologyOptions,
} from '../../src/framework/index.js';
import { decideRedelivered } from '../../src/framework/retry-policy.js';

const base: TopologyOptions = {
  queue: 'email.send',
  retries: 3,
  durable: true,
  queueType: 'classic',
  priority: undefined,
  backoff: { type: 'exponential', delay: 1000, maxDelay: 60_000, jitter: 0 },
};

test('classic topology: work queue, one delay queue per distinct delay, dead-letter queue', () => {
  const t = retryTopology(base);
  assert.deepEqual(t.workQueue, {
    name: 'email.send',
    options: {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'email.send.dead' },
    },
  });
  assert.deepEqual(
    t.delayQueues.map((q) => [q.name, q.delayMs, q.options.arguments]),
    [1000, 2000, 4000].map((ms) => [
      `email.send.retry.${ms}`,
      ms,
      { 'x-message-ttl': ms, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'email.send' },
    ]),
  );
  assert.deepEqual(t.quarantineQueue.options.arguments, {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': 'email.send.dead',
    'x-warren-exact-redelivered': true,
  });
  assert.equal(t.quarantineQueue.name, 'email.send.quarantine');
  assert.deepEqual(t.deadQueue, {
    name: 'email.send.dead',
    options: { durable: true, exclusive: false, autoDelete: false, arguments: {} },
  });
  assert.deepEqual(t.retryQueues, [
    'email.send.retry.1000',
    'email.send.retry.2000',
    'email.send.retry.4000',
  ]);
  assert.deepEqual(
    t.declarations.map((d) => d.name),
    [
      'email.send.dead',
      'email.send.retry.1000',
      'email.send.retry.2000',
      'email.send.retry.4000',
      'email.send',
      'email.send.quarantine',
    ],
  );
  assert.equal(retryQueueFor(t, 2), 'email.send.retry.2000');
  assert.equal(retryQueueFor(t, 4), undefined);
  assert.equal(retryQueueFor(t, 0), undefined);
});

test('delay queues are bounded: capped exponential and fixed backoff share queues', () => {
  const many = retryTopology({ ...base, retries: 1000, backoff: { ...base.backoff, maxDelay: 8000 } });
  assert.deepEqual(
    many.delayQueues.map((q) => q.delayMs),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(many.retryQueues.length, 1000);
  assert.equal(many.retryQueues[999], 'email.send.retry.8000');
  const fixed = retryTopology({
    ...base,
    retries: 10,
    backoff: { type: 'fixed', delay: 500, maxDelay: 500, jitter: 0 },
  });
  assert.equal(fixed.delayQueues.length, 1);
  const none = retryTopology({ ...base, retries: 0 });
  assert.deepEqual(none.delayQueues, []);
  assert.deepEqual(
    none.declarations.map((d) => d.name),
    ['email.send.dead', 'email.send', 'email.send.quarantine'],
  );
  const huge = { ...base, retries: 1000, backoff: { ...base.backoff, delay: 0.001, maxDelay: 2 ** 31 - 1 } };
  assert.ok(retryTopology(huge).delayQueues.length <= MAX_DELAY_QUEUES);
});

test('quorum and priority arguments', () => {
  const q = retryTopology({ ...base, queueType: 'quorum' });
  assert.equal(q.workQueue.options.arguments['x-queue-type'], 'quorum');
  assert.equal(q.deadQueue.options.arguments['x-queue-type'], 'quorum');
  assert.deepEqual(q.delayQueues[0]?.options.arguments, {
    'x-queue-type': 'quorum',
    'x-message-ttl': 1000,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': 'email.send',
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  });
  const p = retryTopology({ ...base, priority: 5, durable: false });
  assert.equal(p.workQueue.options.arguments['x-max-priority'], 5);
  assert.equal(p.workQueue.options.durable, false);
  assert.ok(p.declarations.every((d) => !d.options.durable));
  assert.equal(p.delayQueues[0]?.options.arguments['x-max-priority'], undefined);
});

test('attempt numbers come from x-warren-attempt and default to 1', () => {
  assert.equal(attemptOf(undefined), 1);
  assert.equal(attemptOf({}), 1);
  assert.equal(attemptOf({ 'x-warren-attempt': 3 }), 3);
  assert.equal(attemptOf({ 'x-warren-attempt': 3n }), 3);
  assert.equal(attemptOf({ 'x-warren-attempt': '4' }), 4);
  assert.equal(attemptOf({ 'x-warren-attempt': 0 }), 1);
  assert.equal(attemptOf({ 'x-warren-attempt': 'junk' }), 1);
});

test('retry headers: next attempt, first failure kept, error described; user headers kept', () => {
  const err = Object.assign(new TypeError('smtp down'), { code: 'ESMTP' });
  const first = retryHeaders({ tenant: 'acme' }, err, 1000);
  assert.deepEqual(first, {
    tenant: 'acme',
    [RETRY_HEADERS.attempt]: 2,
    [RETRY_HEADERS.firstFailure]: 1000,
    [RETRY_HEADERS.lastFailure]: 1000,
    [RETRY_HEADERS.errorName]: 'TypeError',
    [RETRY_HEADERS.error]: 'smtp down',
    [RETRY_HEADERS.errorCode]: 'ESMTP',
  });
  const second = retryHeaders(first, 'string thrown', 5000);
  assert.equal(second[RETRY_HEADERS.attempt], 3);
  assert.equal(second[RETRY_HEADERS.firstFailure], 1000);
  assert.equal(second[RETRY_HEADERS.lastFailure], 5000);
  assert.equal(second[RETRY_HEADERS.errorCode], undefined, 'stale code removed');
  assert.equal(second[RETRY_HEADERS.error], 'string thrown');
  assert.deepEqual(
    Object.values(RETRY_HEADERS).filter((h) => !h.startsWith('x-warren-')),
    [],
  );
});

test('dead-letter headers record the reason and cut long messages', () => {
  const h = deadLetterHeaders(
    { [RETRY_HEADERS.attempt]: 4 },
    new Error('x'.repeat(5000)),
    9,
    'retries-exhausted',
  );
  assert.equal(h[RETRY_HEADERS.deadReason], 'retries-exhausted');
  assert.equal(h[RETRY_HEADERS.attempt], 4);
  assert.ok((h[RETRY_HEADERS.error] as string).length <= 1025);
});

test('decideFailure: retry with backoff until retries run out; unrecoverable goes dead at once', () => {
  const backoff = base.backoff;
  const error = new Error('flaky');
  assert.deepEqual(decideFailure({ attempt: 1, retries: 3, backoff, error }), {
    action: 'retry',
    retry: 1,
    delayMs: 1000,
  });
  assert.deepEqual(decideFailure({ attempt: 3, retries: 3, backoff, error }), {
    action: 'retry',
    retry: 3,
    delayMs: 4000,
  });
  assert.deepEqual(decideFailure({ attempt: 4, retries: 3, backoff, error }), {
    action: 'dead',
    reason: 'retries-exhausted',
  });
  assert.deepEqual(decideFailure({ attempt: 1, retries: 0, backoff, error }), {
    action: 'dead',
    reason: 'retries-exhausted',
  });
  for (const e of [new UnrecoverableError('gone'), new ValidationError('bad', [])]) {
    assert.deepEqual(decideFailure({ attempt: 1, retries: 3, backoff, error: e }), {
      action: 'dead',
      reason: 'unrecoverable',
    });
  }
  const timeout = decideFailure({ attempt: 1, retries: 3, backoff, error: new TaskTimeoutError('t', 1) });
  assert.equal(timeout.action, 'retry');
  const jittered = decideFailure({
    attempt: 2,
    retries: 3,
    backoff: { ...backoff, jitter: 0.5 },
    error,
    random: () => 1,
  });
  assert.deepEqual(jittered, { action: 'retry', retry: 2, delayMs: 1000 });
});

test('decideRedelivered: an interrupted attempt counts; the last one goes dead as redelivered-too-often', () => {
  const backoff = base.backoff;
  assert.deepEqual(decideRedelivered({ attempt: 1, retries: 3, backoff }), {
    action: 'retry',
    retry: 1,
    delayMs: 1000,
  });
  assert.deepEqual(decideRedelivered({ attempt: 4, retries: 3, backoff }), {
    action: 'dead',
    reason: 'redelivered-too-often',
  });
  assert.deepEqual(decideRedelivered({ attempt: 1, retries: 0, backoff }), {
    action: 'dead',
    reason: 'redelivered-too-often',
  });
});

test("retry headers drop a quorum queue's x-delivery-count: the copy is a new message", () => {
  const h = retryHeaders({ 'x-delivery-count': 2, 'x-custom': 'kept' }, new Error('x'), 1);
  assert.equal(h['x-delivery-count'], undefined);
  assert.equal(h['x-custom'], 'kept');
  assert.equal(h[RETRY_HEADERS.attempt], 2);
});
