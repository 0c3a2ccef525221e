// Time-based flows in milliseconds with a ManualClock on the embedded broker: a delayed job
// runs exactly when the clock reaches its due time, a runAt on the app's clock, and retry
// back-offs wait for the clock; app.idle() tells when the app has settled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, Service, Task, Warren, type TaskContext } from '../../src/index.js';

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
