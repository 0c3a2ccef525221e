// Tasks: enqueue → handler → ack, retries with backoff then the dead-letter queue, final errors,
// invalid payloads, timeouts, lifecycle events, quorum queues, and poison messages that crash
// their worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConsumerCancelledError,
  RETRY_HEADERS,
  Service,
  Task,
  TaskTimeoutError,
  UnrecoverableError,
  UnroutableError,
  VALIDATION_ERRORS_HEADER,
  type TaskContext,
} from '../../../src/framework/index.js';
import type { QueueType } from '../../../src/framework/options.js';
import type { Transport } from '../../../src/transports/transport.js';
import { Harness, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 15_000 };

export function taskTests(factory: TransportFactory): void {
  test('enqueue → handler → ack', T, async () => {
    const h = new Harness(factory);
    const name = h.name('ack');
    h.taskQueues(name);
    const seen: { payload: unknown; ctx: TaskContext }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      handle(payload: unknown, ctx: TaskContext): Promise<void> {
        seen.push({ payload, ctx });
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      const { messageId } = await app.client.enqueue(name, { n: 1 }, { headers: { 'x-custom': 'yes' } });
      await waitFor(() => seen.length === 1, 5000, 'handler');
      const { payload, ctx } = seen[0]!;
      assert.deepEqual(payload, { n: 1 });
      assert.equal(ctx.messageId, messageId);
      assert.equal(ctx.attempt, 1);
      assert.equal(ctx.maxAttempts, 4);
      assert.equal(ctx.redelivered, false);
      assert.equal(ctx.headers['x-custom'], 'yes');
      assert.ok(ctx.enqueuedAt instanceof Date);
      await app.close();
      const q = await (await h.admin()).checkQueue(name);
      assert.equal(q.messageCount, 0, 'acked, so nothing is requeued on close');
      assert.equal(seen.length, 1);
    } finally {
      await h.cleanup();
    }
  });

  test('retries with backoff, then the dead-letter queue with headers', T, async () => {
    const h = new Harness(factory);
    const name = h.name('retry');
    h.taskQueues(name, [50, 100]);
    const attempts: { attempt: number; at: number }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { retries: 2, backoff: { type: 'exponential', delay: 50 } })
      handle(_p: unknown, ctx: TaskContext): Promise<void> {
        attempts.push({ attempt: ctx.attempt, at: Date.now() });
        return Promise.reject(new Error(`boom ${ctx.attempt}`));
      }
    }
    try {
      const app = await h.start([Svc]);
      const events: string[] = [];
      for (const e of ['task.started', 'task.failed', 'task.retried', 'task.dead-lettered'] as const) {
        app.on(e, () => events.push(e));
      }
      await app.client.enqueue(name, { n: 1 });
      const dead = await h.getMessage(`${name}.dead`);
      assert.deepEqual(
        attempts.map((a) => a.attempt),
        [1, 2, 3],
      );
      assert.ok(attempts[1]!.at - attempts[0]!.at >= 45, 'first retry waited ~50 ms');
      assert.ok(attempts[2]!.at - attempts[1]!.at >= 95, 'second retry waited ~100 ms');
      const headers = dead.properties.headers!;
      assert.equal(headers[RETRY_HEADERS.attempt], 3);
      assert.equal(headers[RETRY_HEADERS.error], 'boom 3');
      assert.equal(headers[RETRY_HEADERS.deadReason], 'retries-exhausted');
      assert.equal(typeof headers[RETRY_HEADERS.firstFailure], 'number');
      assert.ok((headers[RETRY_HEADERS.firstFailure] as number) <= attempts[1]!.at);
      assert.deepEqual(JSON.parse(dead.body.toString()), { n: 1 });
      await waitFor(() => events.includes('task.dead-lettered'), 2000, 'dead-lettered event');
      assert.equal(events.filter((e) => e === 'task.retried').length, 2);
      assert.equal(events.filter((e) => e === 'task.failed').length, 3);
    } finally {
      await h.cleanup();
    }
  });

  test('UnrecoverableError skips retries', T, async () => {
    const h = new Harness(factory);
    const name = h.name('unrec');
    h.taskQueues(name, [50, 100, 200]);
    let calls = 0;
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { retries: 3, backoff: { type: 'exponential', delay: 50 } })
      handle(): Promise<void> {
        calls++;
        return Promise.reject(new UnrecoverableError('user gone'));
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(name, {});
      const dead = await h.getMessage(`${name}.dead`);
      assert.equal(calls, 1);
      assert.equal(dead.properties.headers![RETRY_HEADERS.deadReason], 'unrecoverable');
      assert.equal(dead.properties.headers![RETRY_HEADERS.errorName], 'UnrecoverableError');
    } finally {
      await h.cleanup();
    }
  });

  test('invalid payload goes straight to the DLQ with the validation errors', T, async () => {
    const h = new Harness(factory);
    const name = h.name('invalid');
    h.taskQueues(name, [50, 100, 200]);
    let calls = 0;
    const schema = {
      type: 'object',
      properties: { to: { type: 'string' }, n: { type: 'number' } },
      required: ['to'],
    } as const;
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { schema, retries: 3, backoff: { type: 'exponential', delay: 50 } })
      handle(): Promise<void> {
        calls++;
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(name, { n: 'x' });
      const dead = await h.getMessage(`${name}.dead`);
      assert.equal(calls, 0);
      const headers = dead.properties.headers!;
      assert.equal(headers[RETRY_HEADERS.errorName], 'ValidationError');
      assert.equal(headers[RETRY_HEADERS.attempt], 1);
      const issues = JSON.parse(headers[VALIDATION_ERRORS_HEADER] as string) as { instancePath: string }[];
      assert.ok(issues.some((i) => i.instancePath === '/n'));
      assert.match(headers[RETRY_HEADERS.error] as string, /to/);
    } finally {
      await h.cleanup();
    }
  });

  test('task timeout aborts the handler via ctx.signal', T, async () => {
    const h = new Harness(factory);
    const name = h.name('timeout');
    h.taskQueues(name);
    let reason: unknown;
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { timeout: 100, retries: 0 })
      handle(_p: unknown, ctx: TaskContext): Promise<void> {
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason as Error);
          }),
        );
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(name, {});
      const dead = await h.getMessage(`${name}.dead`);
      assert.ok(reason instanceof TaskTimeoutError);
      assert.equal(dead.properties.headers![RETRY_HEADERS.errorName], 'TaskTimeoutError');
    } finally {
      await h.cleanup();
    }
  });

  test('a deleted work queue: the cancel is reported, the queue redeclared, work goes on', T, async () => {
    const h = new Harness(factory);
    const name = h.name('deleted');
    h.taskQueues(name);
    const done: number[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      handle(p: { n: number }): Promise<void> {
        done.push(p.n);
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(name, { n: 1 });
      await waitFor(() => done.length === 1, 5000, 'first task');
      await (await h.admin()).deleteQueue(name);
      await waitFor(() => h.errors.some((e) => e instanceof ConsumerCancelledError), 5000, 'cancel reported');
      const cancelled = h.errors.find((e) => e instanceof ConsumerCancelledError);
      assert.equal(cancelled?.queue, name);
      // Redeclared and consumed again: a task enqueued now runs.
      for (let i = 0; i < 100 && (await (await h.admin()).checkQueue(name).catch(() => null)) === null; i++)
        await sleep(50);
      await app.client.enqueue(name, { n: 2 });
      await waitFor(() => done.length === 2, 5000, 'task after the redeclare');
      assert.deepEqual(done, [1, 2]);
    } finally {
      await h.cleanup();
    }
  });

  test('enqueueing a task nobody declared fails with UnroutableError', T, async () => {
    const h = new Harness(factory);
    try {
      const app = await h.start([]);
      await assert.rejects(app.client.enqueue(h.name('nobody'), {}), UnroutableError);
    } finally {
      await h.cleanup();
    }
  });

  for (const queueType of ['classic', 'quorum'] as const) {
    test(`${queueType}: a message that crashes its worker dies as redelivered-too-often`, T, () =>
      crashLoop(factory, queueType),
    );
  }

  test('quorum queues: topology declares, retries, then the dead-letter queue', T, async () => {
    const h = new Harness(factory);
    const name = h.name('quorum');
    h.taskQueues(name, [50]);
    const attempts: number[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { queueType: 'quorum', retries: 1, backoff: { type: 'fixed', delay: 50 } })
      handle(_p: unknown, ctx: TaskContext): Promise<void> {
        attempts.push(ctx.attempt);
        return Promise.reject(new Error(`boom ${ctx.attempt}`));
      }
    }
    try {
      const app = await h.start([Svc]);
      const admin = await h.admin();
      // Re-declaring with the same quorum arguments is accepted: the queues are quorum queues.
      await admin.assertQueue(`${name}.dead`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await app.client.enqueue(name, { n: 1 });
      const dead = await h.getMessage(`${name}.dead`);
      assert.deepEqual(attempts, [1, 2]);
      const headers = dead.properties.headers!;
      assert.equal(headers[RETRY_HEADERS.attempt], 2);
      assert.equal(headers[RETRY_HEADERS.error], 'boom 2');
      assert.equal(headers[RETRY_HEADERS.deadReason], 'retries-exhausted');
      assert.deepEqual(JSON.parse(dead.body.toString()), { n: 1 });
      assert.equal((await admin.checkQueue(name)).messageCount, 0);
    } finally {
      await h.cleanup();
    }
  });
}

/**
 * A poison message that kills its worker: the handler closes its app's transport without
 * settling the message (the broker requeues it, redelivered, as after a crash) and never
 * returns. Each "restart" is a fresh app on a fresh transport. The first redelivery is only a
 * suspect: it is quarantined uncharged and runs alone; each time it comes back from there it
 * is charged. With retries: 2 the handler runs at most 4 times (attempts 1, 1, 2, 3); the
 * next redelivery goes to the dead-letter queue.
 */
export async function crashLoop(factory: TransportFactory, queueType: QueueType): Promise<void> {
  const h = new Harness(factory);
  const name = h.name(`crash-${queueType}`);
  h.taskQueues(name, [50, 100]);
  h.queues(`${name}.quarantine`);
  const attempts: number[] = [];
  let current: Transport | undefined;
  @Service(h.name('svc'))
  class Svc {
    @Task(name, { queueType, retries: 2, backoff: { type: 'exponential', delay: 50 } })
    handle(_p: unknown, ctx: TaskContext): Promise<void> {
      attempts.push(ctx.attempt);
      void current?.close();
      // Hangs like a dead process; settles only when cleanup's close() aborts it (no timers left).
      return new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    }
  }
  const restart = async (): Promise<void> => {
    current = factory();
    await h.startWith(current, [Svc]);
  };
  try {
    await restart();
    const producer = await h.start([]);
    await producer.client.enqueue(name, { poison: true });
    for (let crash = 1; crash <= 4; crash++) {
      await waitFor(() => attempts.length >= crash, 5000, `attempt ${crash}`);
      await restart();
    }
    const dead = await h.getMessage(`${name}.dead`, 8000).catch((err: unknown) => {
      throw new Error(`attempts seen: ${JSON.stringify(attempts)}`, { cause: err });
    });
    await sleep(200);
    assert.deepEqual(attempts, [1, 1, 2, 3], 'never more than retries + 2 runs');
    const headers = dead.properties.headers!;
    assert.equal(headers[RETRY_HEADERS.deadReason], 'redelivered-too-often');
    assert.equal(headers[RETRY_HEADERS.attempt], 3);
    assert.equal(headers[RETRY_HEADERS.errorName], 'AttemptInterruptedError');
    assert.equal(typeof headers[RETRY_HEADERS.firstFailure], 'number');
    assert.deepEqual(JSON.parse(dead.body.toString()), { poison: true });
    assert.equal((await (await h.admin()).checkQueue(name)).messageCount, 0);
  } finally {
    await h.cleanup();
  }
}
