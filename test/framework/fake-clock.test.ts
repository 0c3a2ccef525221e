// Time-based flows in milliseconds with a ManualClock on the embedded broker: a delayed job
// runs exactly when the clock reaches its due time, a runAt on the app's clock, and retry
// back-offs wait for the clock, and so do task handler timeouts and RPC call timeouts;
// app.idle() tells when the app has settled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ManualClock,
  Rpc,
  RpcTimeoutError,
  Service,
  Task,
  TaskTimeoutError,
  Warren,
  type RpcContext,
  type TaskContext,
} from '../../src/index.js';

const T = { timeout: 20_000 };

test('a delayed job runs when the fake clock reaches its due time, not before', T, async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const runs: string[] = [];
  @Service('fc')
  class Svc {
    @Task('fc.job')
    job(p: { id: string }): void {
      runs.push(p.id);
    }
  }
  const app = await Warren.start({ services: [Svc], clock });
  try {
    await app.client.enqueue('fc.job', { id: 'hour' }, { delay: 3_600_000 });
    await app.client.enqueue('fc.job', { id: 'minute' }, { delay: 60_000 });
    await app.client.enqueue('fc.job', { id: 'at' }, { runAt: new Date(clock.now() + 120_000) });
    await app.idle();
    clock.advance(59_999);
    await app.idle();
    assert.deepEqual(runs, []);
    clock.advance(1);
    await app.idle();
    assert.deepEqual(runs, ['minute']);
    clock.advance(3_600_000);
    await app.idle();
    assert.deepEqual(runs, ['minute', 'at', 'hour']);
  } finally {
    await app.close();
  }
});

test('retry back-offs follow the fake clock', T, async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const attempts: number[] = [];
  @Service('fc-retry')
  class Svc {
    @Task('fc.flaky', { retries: 2, backoff: { type: 'fixed', delay: 60_000 } })
    job(_p: unknown, ctx: TaskContext): Promise<void> {
      attempts.push(ctx.attempt);
      return Promise.reject(new Error('not yet'));
    }
  }
  const app = await Warren.start({ services: [Svc], clock });
  try {
    await app.client.enqueue('fc.flaky', {});
    await app.idle();
    assert.deepEqual(attempts, [1]);
    clock.advance(59_000);
    await app.idle();
    assert.deepEqual(attempts, [1], 'the back-off has not passed');
    clock.advance(1_000);
    await app.idle();
    assert.deepEqual(attempts, [1, 2]);
    clock.advance(60_000);
    await app.idle();
    assert.deepEqual(attempts, [1, 2, 3]);
  } finally {
    await app.close();
  }
});

// The timeouts below (10 min) are far beyond the test's own timeout: only the clock can end them.

/** Lets queued callbacks run (broker deliveries, settled promises) without moving the clock. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a task handler timeout and its retry follow the fake clock', T, async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const attempts: number[] = [];
  const aborts: unknown[] = [];
  let started: () => void = () => undefined;
  let firstStarted = new Promise<void>((resolve) => (started = resolve));
  @Service('fc-timeout')
  class Svc {
    @Task('fc.stuck', { timeout: 600_000, retries: 1, backoff: { type: 'fixed', delay: 30_000 } })
    job(_p: unknown, ctx: TaskContext): Promise<void> {
      attempts.push(ctx.attempt);
      ctx.signal.addEventListener('abort', () => aborts.push(ctx.signal.reason));
      started();
      return new Promise<void>(() => undefined); // waits forever: only the timeout ends it
    }
  }
  const app = await Warren.start({ services: [Svc], clock });
  try {
    await app.client.enqueue('fc.stuck', {});
    await firstStarted;
    firstStarted = new Promise<void>((resolve) => (started = resolve));
    clock.advance(599_999);
    await turns();
    assert.equal(aborts.length, 0, 'not timed out before its 10 min on the clock');
    assert.deepEqual(attempts, [1]);
    clock.advance(1);
    await app.idle();
    assert.equal(aborts.length, 1);
    assert.ok(aborts[0] instanceof TaskTimeoutError);
    clock.advance(29_999);
    await app.idle();
    assert.deepEqual(attempts, [1], 'the retry waits for its back-off on the clock');
    clock.advance(1);
    await firstStarted;
    assert.deepEqual(attempts, [1, 2]);
    clock.advance(599_999);
    await turns();
    assert.equal(aborts.length, 1, 'the retry has its own 10 min on the clock');
    clock.advance(1);
    await app.idle();
    assert.equal(aborts.length, 2);
    assert.ok(aborts[1] instanceof TaskTimeoutError);
  } finally {
    await app.close();
  }
});

test('an RPC call times out when the fake clock passes its timeout, not before', T, async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let started: () => void = () => undefined;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  @Service('fc-rpc')
  class Svc {
    @Rpc('fc.hang', { timeout: 3_600_000 }) // the caller's 10 min deadline bounds it
    hang(): Promise<never> {
      started();
      return new Promise<never>(() => undefined);
    }
  }
  const app = await Warren.start({ services: [Svc], clock });
  try {
    let outcome: unknown;
    const settled = (): unknown => outcome; // assigned by the call's callbacks
    const call = app.client.call('fc.hang', {}, { timeout: 600_000 }).then(
      (value: unknown) => (outcome = { value }),
      (err: unknown) => (outcome = err),
    );
    await handlerStarted;
    clock.advance(599_999);
    await turns();
    assert.equal(settled(), undefined, 'still waiting before 10 min on the clock');
    clock.advance(1);
    await call;
    const err = settled();
    assert.ok(err instanceof RpcTimeoutError, `rejected with ${String(err)}`);
  } finally {
    await app.close();
  }
});

test("an RPC handler's own timeout follows the fake clock", T, async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let started: () => void = () => undefined;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  let aborted: unknown;
  const abortReason = (): unknown => aborted; // assigned by the abort listener
  @Service('fc-rpc-handler')
  class Svc {
    @Rpc('fc.slow', { timeout: 600_000 })
    slow(_p: unknown, ctx: RpcContext): Promise<never> {
      ctx.signal.addEventListener('abort', () => {
        aborted = ctx.signal.reason as unknown;
      });
      started();
      return new Promise<never>(() => undefined);
    }
  }
  const app = await Warren.start({ services: [Svc], clock });
  try {
    let outcome: unknown;
    const settled = (): unknown => outcome; // assigned by the call's callbacks
    const call = app.client.call('fc.slow', {}, { timeout: 3_600_000 }).then(
      (value: unknown) => (outcome = { value }),
      (err: unknown) => (outcome = err),
    );
    await handlerStarted;
    clock.advance(599_999);
    await turns();
    assert.equal(abortReason(), undefined, 'the handler runs until 10 min on the clock');
    assert.equal(settled(), undefined);
    clock.advance(1);
    await call;
    const reason = abortReason();
    assert.ok(reason instanceof RpcTimeoutError, `aborted with ${String(reason)}`);
    const err = settled();
    assert.ok(err instanceof RpcTimeoutError, `rejected with ${String(err)}`);
    assert.equal(err.timeoutMs, 600_000, "the handler's timeout, replied by the server");
  } finally {
    await app.close();
  }
});
