// Graceful shutdown: in-flight work finishes and is acked once, waiting work is nacked back and
// picked up by another instance, and nothing is acked that was not done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rpc, Service, ShutdownError, Task, type TaskContext } from '../../../src/framework/index.js';
import { Harness, deferred, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 15_000 };

export function shutdownTests(factory: TransportFactory): void {
  test(
    'close(): in-flight task finishes and is acked once, unstarted one goes back uncharged',
    T,
    async () => {
      const h = new Harness(factory);
      const name = h.name('drain');
      h.taskQueues(name);
      const started: string[] = [];
      const finished: string[] = [];
      const release = deferred();
      @Service(h.name('svc'))
      class Svc {
        constructor(readonly id = 'a') {}
        // retries: 0, so a hand-back that cost an attempt would dead-letter task 2.
        @Task(name, { concurrency: 1, prefetch: 5, retries: 0 })
        async work(p: { i: number }, ctx: TaskContext): Promise<void> {
          started.push(`${this.id}:${p.i}@${ctx.attempt}`);
          if (this.id === 'a') await release.promise;
          finished.push(`${this.id}:${p.i}`);
        }
      }
      try {
        const a = await h.start([new Svc('a')]);
        await a.client.enqueue(name, { i: 1 });
        await a.client.enqueue(name, { i: 2 });
        await waitFor(() => started.length === 1, 3000, 'first task to start');
        const closing = a.close({ timeout: 5000 });
        await sleep(100);
        release.resolve();
        await closing;
        assert.deepEqual(finished, ['a:1']);
        const b = await h.start([new Svc('b')]);
        await waitFor(() => finished.length === 2, 3000, 'second app to take task 2');
        assert.deepEqual(finished, ['a:1', 'b:2']);
        await sleep(100);
        assert.deepEqual(started, ['a:1@1', 'b:2@1'], 'task 1 acked exactly once; task 2 not charged');
        await b.close();
        assert.equal((await (await h.admin()).checkQueue(name)).messageCount, 0);
      } finally {
        release.resolve();
        await h.cleanup();
      }
    },
  );

  test('close(): a handler past the deadline is nacked back, not acked', T, async () => {
    const h = new Harness(factory);
    const name = h.name('stuck');
    h.taskQueues(name);
    let aborted: unknown;
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { retries: 0 })
      stuck(_p: unknown, ctx: { signal: AbortSignal }): Promise<void> {
        return new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve(); // finishing after the deadline must not ack
          }),
        );
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(name, { x: 1 });
      await sleep(150);
      await app.close({ timeout: 100 });
      assert.ok(aborted instanceof ShutdownError);
      const q = await (await h.admin()).checkQueue(name);
      assert.equal(q.messageCount, 1, 'message back in the queue');
    } finally {
      await h.cleanup();
    }
  });

  test('close() fails pending calls with ShutdownError', T, async () => {
    const h = new Harness(factory);
    const name = h.name('hang');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name)
      async hang(): Promise<void> {
        await sleep(1000);
      }
    }
    try {
      await h.start([Svc]);
      const caller = await h.start([]);
      const pending = caller.client.call(name, {}).catch((e: unknown) => e);
      await sleep(100);
      await caller.close();
      assert.ok((await pending) instanceof ShutdownError);
    } finally {
      await h.cleanup();
    }
  });

  test(
    'close({ timeout: 0 }) while a suspect runs alone: it goes back to quarantine uncharged',
    T,
    async () => {
      const h = new Harness(factory);
      const name = h.name('suspect');
      h.taskQueues(name);
      const runs: { attempt: number; redelivered: boolean }[] = [];
      let hang = true;
      @Service(h.name('svc'))
      class Svc {
        @Task(name, { retries: 0 })
        work(_p: unknown, ctx: TaskContext): Promise<void> {
          runs.push({ attempt: ctx.attempt, redelivered: ctx.redelivered });
          if (!hang) return Promise.resolve();
          // Cut off by the shutdown: fails with the abort reason (a resolved handler would be done).
          return new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
          );
        }
      }
      try {
        const first = await h.start([Svc]);
        // A suspect as a crashed worker's redelivery leaves it: in the quarantine queue.
        await (
          await h.admin()
        ).publish('', `${name}.quarantine`, Buffer.from('{"n":1}'), {
          persistent: true,
          messageId: 'suspect-1',
          contentType: 'application/json',
        });
        await waitFor(() => runs.length === 1, 10_000, 'the suspect runs');
        await first.close({ timeout: 0 });
        hang = false;
        await h.start([Svc]);
        await waitFor(() => runs.length === 2, 10_000, 'the suspect runs again');
        await sleep(200);
        assert.deepEqual(runs, [
          { attempt: 1, redelivered: false },
          { attempt: 1, redelivered: false },
        ]);
        const admin = await h.admin();
        assert.equal((await admin.checkQueue(`${name}.dead`)).messageCount, 0);
        assert.equal((await admin.checkQueue(`${name}.quarantine`)).messageCount, 0);
      } finally {
        await h.cleanup();
      }
    },
  );
}
