// Celery 5 (kombu + py-amqp, Debian's /usr/bin/python3) with Warren's AMQP server as the broker
// and `rpc://` as the result backend: a solo worker in a subprocess runs examples/celery/tasks.py,
// and examples/celery/client.py calls add.delay(2, 3).get(timeout=10).
// INTEROP_AMQP_URL runs the same tests against an external broker (RabbitMQ) instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CELERY_EXAMPLES, PYTHON, withInterop } from '../helpers/interop.js';
import type { BrokerTarget, InteropContext, Proc } from '../helpers/interop.js';

const TIMEOUT = 45_000;
const NAMES = {
  queues: ['celery'],
  exchanges: ['celery'],
  // Remote control (mingle, pidbox) and events use fixed names.
  literalExchanges: ['celery.pidbox', 'reply.celery.pidbox', 'celeryev'],
};

function celeryEnv(broker: BrokerTarget) {
  return {
    cwd: CELERY_EXAMPLES,
    timeoutMs: 40_000,
    env: { AMQP_URL: broker.url(), CELERY_QUEUE: `${broker.prefix}celery`, RESULT_TIMEOUT: '10' },
  };
}

function run(t: Parameters<typeof withInterop>[0], body: (ctx: InteropContext) => Promise<void>) {
  return withInterop(t, { names: NAMES, spawn: celeryEnv }, body);
}

function startWorker(ctx: InteropContext): Proc {
  return ctx.procs.spawn('celery worker', PYTHON, [
    '-m',
    'celery',
    '-A',
    'tasks',
    'worker',
    '--pool=solo',
    '--concurrency=1',
    '-l',
    'info',
  ]);
}

const EXPECTED = ['add(2, 3) = 5', 'batch = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]', 'mul(6, 7) = 42'];

test(
  'celery: a solo worker runs add(2, 3) and the rpc:// backend returns 5',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const worker = startWorker(ctx);
      await worker.waitForStderr(/celery@\S+ ready\./, 20_000);
      const client = ctx.procs.python('client.py');
      assert.deepEqual(await client.expectSuccess(20_000), EXPECTED);
      await worker.waitForStderr(/Task tasks\.mul\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: 42/, 5_000);
      assert.ok(!worker.errLines.some((l) => /ERROR|CRITICAL/.test(l)), worker.transcript());
      // Warm shutdown on SIGTERM: the worker cancels its consumer, closes and exits 0.
      worker.kill('SIGTERM');
      const status = await worker.waitForExit(10_000);
      assert.equal(status.code, 0, worker.transcript());
    });
  },
);

test('celery: tasks sent before the worker starts wait in the queue', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const client = ctx.procs.python('client.py', [], { env: { RESULT_TIMEOUT: '20' } });
    // The client has declared the queue and published; nobody is consuming yet.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(client.lines, []);
    const worker = startWorker(ctx);
    assert.deepEqual(await client.expectSuccess(30_000), EXPECTED);
    await worker.waitForStderr(/celery@\S+ ready\./, 1_000);
  });
});
