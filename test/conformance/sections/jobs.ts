// Jobs: handles with state, progress, result and error; dedup on the job id (a repeated
// messageId used to run twice); cancelling waiting and running jobs; per-enqueue attempts;
// ctx.client in the handler's trace; job events seen by another app; a PostgreSQL and a Redis
// store, each shared by a client app and a worker app on separate connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CHAIN_HEADER,
  ChainHandle,
  GROUP_HEADER,
  BACKOFF_HEADER,
  GroupMemberFailedError,
  InvalidBackoffError,
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  MemoryJobStore,
  PostgresJobStore,
  RedisJobStore,
  Service,
  Task,
  UnknownJobError,
  type JobEvent,
  type JobStore,
  type TaskContext,
} from '../../../src/framework/index.js';
import { newGroup } from '../../../src/framework/jobs/group-record.js';
import { delayHarness } from './delayed.js';
import { Harness, deferred, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 20_000 };
/** Groups run several jobs per test on a loaded machine. */
const G = { timeout: 60_000 };
const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const REDIS_URL = process.env['WARREN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Polls an async predicate every 20 ms, at most 10 s. */
async function waitForAsync(predicate: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function traceId(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

export function jobTests(factory: TransportFactory): void {
  test('a job handle reports state, attempts, progress, result and timestamps', T, async () => {
    const h = new Harness(factory);
    const name = h.name('handle');
    h.taskQueues(name);
    const release = deferred();
    const started = deferred();
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      async handle(p: { n: number }, ctx: TaskContext): Promise<{ doubled: number }> {
        await ctx.progress({ pct: 50 });
        started.resolve();
        await release.promise;
        return { doubled: p.n * 2 };
      }
    }
    try {
      const store = new MemoryJobStore();
      const app = await h.start([Svc], { jobs: { store } });
      const job = await app.client.enqueue(name, { n: 21 });
      assert.equal(job.messageId, job.id, 'the old result field is kept');
      assert.equal(job.duplicate, false);
      await started.promise;
      const running = await app.client.job(job.id).get();
      assert.equal(running?.state, 'active');
      assert.equal(running?.attempts, 1);
      assert.deepEqual(running?.progress, { pct: 50 });
      await assert.rejects(job.result({ timeout: 30 }), JobWaitTimeoutError);
      release.resolve();
      assert.deepEqual(await job.result({ timeout: 10_000 }), { doubled: 42 });
      const done = await job.get();
      assert.equal(done?.state, 'completed');
      assert.equal(done?.task, name);
      assert.ok(done.createdAt <= done.startedAt! && done.startedAt! <= done.finishedAt!);
      await assert.rejects(app.client.job('no-such-job').result(), UnknownJobError);
    } finally {
      await h.cleanup();
    }
  });

  test('a failing job ends failed with its error; attempts can be lowered per enqueue', T, async () => {
    const h = new Harness(factory);
    const name = h.name('fail');
    h.taskQueues(name, [20, 40]);
    const calls = new Map<string, number>();
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { retries: 2, backoff: { type: 'exponential', delay: 20 } })
      handle(_p: unknown, ctx: TaskContext): Promise<void> {
        calls.set(ctx.messageId, (calls.get(ctx.messageId) ?? 0) + 1);
        return Promise.reject(new Error(`boom ${ctx.attempt}`));
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const full = await app.client.enqueue(name, {});
      const once = await app.client.enqueue(name, {}, { attempts: 1 });
      const err = await full.result({ timeout: 10_000 }).then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof JobFailedError);
      assert.equal(err.state, 'failed');
      assert.equal(err.error?.message, 'boom 3');
      await assert.rejects(once.result({ timeout: 10_000 }), JobFailedError);
      const record = await full.get();
      assert.equal(record?.attempts, 3);
      assert.equal(record?.error?.message, 'boom 3');
      assert.equal((await once.get())?.attempts, 1);
      assert.equal(calls.get(full.id), 3);
      assert.equal(calls.get(once.id), 1);
    } finally {
      await h.cleanup();
    }
  });

  test(
    "a per-enqueue backoff overrides the task's, from any client; a bad one is InvalidBackoffError",
    G,
    async () => {
      const { h, prefix } = delayHarness(factory);
      const name = h.name('backoff');
      h.taskQueues(name, [60_000, 120_000]);
      const attempts = new Map<string, number>();
      @Service(h.name('svc'))
      class Svc {
        // A minute, then two: with the task's backoff the jobs below could not finish in the test.
        @Task(name, { retries: 2, backoff: { type: 'exponential', delay: 60_000 } })
        handle(_p: unknown, ctx: TaskContext): Promise<number> {
          attempts.set(ctx.messageId, ctx.attempt);
          return ctx.attempt < 3
            ? Promise.reject(new Error(`try ${ctx.attempt}`))
            : Promise.resolve(ctx.attempt);
        }
      }
      try {
        const app = await h.start([Svc], {
          jobs: { store: new MemoryJobStore() },
          delayTopologyPrefix: prefix,
        });
        const quick = await app.client.enqueue(
          name,
          {},
          { backoff: { type: 'exponential', delay: 20, maxDelay: 40 } },
        );
        assert.equal(await quick.result({ timeout: 30_000 }), 3);
        // Written by another client (pika, a schedule): the header alone is honoured.
        const admin = await h.admin();
        // Long enough to pass the TTL levels each time (RabbitMQ without the plugin), twice.
        const header = JSON.stringify({ type: 'fixed', delay: 200 });
        await admin.publish('', name, Buffer.from('{}'), {
          messageId: h.name('raw'),
          contentType: 'application/json',
          persistent: true,
          headers: { [BACKOFF_HEADER]: header },
        });
        await waitFor(
          () => attempts.get(h.name('raw')) === 3,
          30_000,
          `the raw job’s third attempt ${JSON.stringify([...attempts])}`,
        );
        // Without the override the first retry waits the task's minute.
        const slow = await app.client.enqueue(name, {});
        await waitForAsync(async () => (await slow.state()) === 'delayed', 'the first retry');
        const record = await slow.get();
        assert.ok(
          record?.runAt !== undefined && record.runAt - Date.now() > 30_000,
          `runAt ${record?.runAt}`,
        );
        assert.equal(attempts.get(slow.id), 1);
        const bad: unknown[] = [
          { type: 'linear', delay: 10 },
          { type: 'fixed' },
          { type: 'fixed', delay: -1 },
          { type: 'exponential', delay: 100, maxDelay: 10 },
          { type: 'fixed', delay: 10, jitter: 2 },
          { type: 'fixed', delay: 2 ** 31 },
          'fast',
        ];
        for (const backoff of bad) {
          const err = await app.client
            .enqueue(name, {}, { backoff: backoff as { type: 'fixed'; delay: number }, jobId: h.name('bad') })
            .then(
              () => assert.fail(`accepted ${JSON.stringify(backoff)}`),
              (e: unknown) => e,
            );
          assert.ok(err instanceof InvalidBackoffError, String(err));
          assert.equal(err.code, 'ERR_INVALID_BACKOFF');
        }
        assert.equal(await app.client.job(h.name('bad')).get(), undefined, 'nothing recorded');
        await slow.cancel();
      } finally {
        await h.cleanup();
      }
    },
  );

  test('a repeated messageId / jobId runs once and returns the same job', T, async () => {
    const h = new Harness(factory);
    const name = h.name('dedup');
    h.taskQueues(name);
    let calls = 0;
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      handle(): Promise<string> {
        calls++;
        return Promise.resolve('ran');
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const first = await app.client.enqueue(name, { v: 1 }, { messageId: 'order-42' });
      const second = await app.client.enqueue(name, { v: 2 }, { messageId: 'order-42' });
      const third = await app.client.enqueue(name, { v: 3 }, { jobId: 'order-42' });
      assert.equal(second.id, first.id);
      assert.equal(second.duplicate, true);
      assert.equal(third.duplicate, true);
      assert.equal(await first.result({ timeout: 10_000 }), 'ran');
      // A marker job enqueued after the duplicates: once it ran, any duplicate would have too.
      const marker = await app.client.enqueue(name, {});
      await marker.result({ timeout: 10_000 });
      assert.equal(calls, 2, 'order-42 once, the marker once');
      const q = await (await h.admin()).checkQueue(name);
      assert.equal(q.messageCount, 0);
    } finally {
      await h.cleanup();
    }
  });

  test('cancel: a waiting job never runs, a running one is aborted through ctx.signal', T, async () => {
    const h = new Harness(factory);
    const name = h.name('cancel');
    h.taskQueues(name, [20]);
    const ran: number[] = [];
    const blocking = deferred();
    const aborted = deferred<unknown>();
    @Service(h.name('svc'))
    class Svc {
      @Task(name, { prefetch: 1, retries: 1, backoff: { type: 'fixed', delay: 20 } })
      handle(p: { n: number }, ctx: TaskContext): Promise<void> {
        ran.push(p.n);
        if (p.n !== 1) return Promise.resolve();
        blocking.resolve();
        return new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve(ctx.signal.reason);
            reject(ctx.signal.reason as Error);
          }),
        );
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const running = await app.client.enqueue(name, { n: 1 });
      await blocking.promise;
      const waiting = await app.client.enqueue(name, { n: 2 });
      assert.equal(await waiting.state(), 'waiting');
      assert.equal(await waiting.cancel(), true);
      assert.equal(await running.cancel(), true);
      assert.ok((await aborted.promise) instanceof JobCancelledError);
      await assert.rejects(running.result({ timeout: 10_000 }), JobCancelledError);
      await assert.rejects(waiting.result({ timeout: 10_000 }), JobCancelledError);
      // Job 3 runs after job 2's message was taken (prefetch 1): 2 was dropped, not run.
      const after = await app.client.enqueue(name, { n: 3 });
      await after.result({ timeout: 10_000 });
      assert.deepEqual(ran, [1, 3]);
      assert.equal(await running.state(), 'cancelled');
      assert.equal(await after.cancel(), false, 'a finished job cannot be cancelled');
    } finally {
      await h.cleanup();
    }
  });

  test('ctx.client enqueues follow-up work inside the handler trace', T, async () => {
    const h = new Harness(factory);
    const first = h.name('first');
    const second = h.name('second');
    h.taskQueues(first);
    h.taskQueues(second);
    const traces: Record<string, string | undefined> = {};
    const done = deferred();
    @Service(h.name('svc'))
    class Svc {
      @Task(first)
      async a(_p: unknown, ctx: TaskContext): Promise<string> {
        traces['a'] = ctx.traceparent;
        const next = await ctx.client.enqueue(second, { from: ctx.messageId });
        return next.id;
      }

      @Task(second)
      b(_p: unknown, ctx: TaskContext): Promise<void> {
        traces['b'] = ctx.traceparent;
        done.resolve();
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const job = await app.client.enqueue(first, {});
      const childId = (await job.result({ timeout: 10_000 })) as string;
      await done.promise;
      assert.ok(traceId(traces['a']));
      assert.equal(traceId(traces['b']), traceId(traces['a']));
      assert.equal(await app.client.job(childId).result({ timeout: 10_000 }), undefined);
    } finally {
      await h.cleanup();
    }
  });

  test('job events are seen by another app on the broker', T, async () => {
    const h = new Harness(factory);
    const name = h.name('events');
    h.taskQueues(name);
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      async handle(_p: unknown, ctx: TaskContext): Promise<void> {
        await ctx.progress(7);
      }
    }
    try {
      const store = new MemoryJobStore();
      const worker = await h.start([Svc], { jobs: { store, events: true } });
      const watcher = await h.start([], { jobs: { store } });
      const seen: JobEvent[] = [];
      const stop = await watcher.watchJobs((e) => seen.push(e), { task: name });
      const job = await worker.client.enqueue(name, {});
      await job.result({ timeout: 10_000 });
      await waitFor(() => seen.some((e) => e.state === 'completed'), 5000, 'completed event');
      await stop();
      const mine = seen.filter((e) => e.id === job.id);
      assert.deepEqual(
        mine.map((e) => e.state),
        ['waiting', 'active', 'active', 'completed'],
      );
      assert.equal(mine[2]?.progress, 7);
    } finally {
      await h.cleanup();
    }
  });

  for (const db of SHARED_STORES)
    test(`a ${db.label} store shared by a client app and a worker app`, T, async () => {
      const h = new Harness(factory);
      const name = h.name(db.label);
      h.taskQueues(name);
      @Service(h.name('svc'))
      class Svc {
        @Task(name)
        async handle(p: { x: number }, ctx: TaskContext): Promise<number> {
          await ctx.progress('half');
          return p.x + 1;
        }
      }
      const { worker, client, drop } = await db.open();
      try {
        await h.start([Svc], { jobs: { store: worker } });
        const app = await h.start([], { jobs: { store: client } });
        const job = await app.client.enqueue(name, { x: 1 });
        assert.equal(await job.result({ timeout: 10_000 }), 2);
        const record = await client.get(job.id);
        assert.equal(record?.state, 'completed');
        assert.equal(record?.progress, 'half');
        assert.deepEqual(
          (await client.list({ task: name, state: 'completed' })).map((r) => r.id),
          [job.id],
        );
      } finally {
        await h.cleanup();
        await drop();
        await client.close();
        await worker.close();
      }
    });
}

/** Two stores on one database (a worker's and a client's), and how to delete what they wrote. */
interface SharedStores {
  worker: JobStore;
  client: JobStore;
  drop: () => Promise<void>;
}

const SHARED_STORES: { label: string; open: () => Promise<SharedStores> }[] = [
  {
    label: 'PostgreSQL',
    open: async () => {
      const table = `warren_jobs_c${randomBytes(4).toString('hex')}`;
      const worker = await PostgresJobStore.open({ url: POSTGRES_URL, table });
      const client = await PostgresJobStore.open({ url: POSTGRES_URL, table });
      return { worker, client, drop: () => client.drop() };
    },
  },
  {
    label: 'Redis',
    open: async () => {
      const prefix = `warren-test:{${randomBytes(6).toString('hex')}}:`;
      const worker = await RedisJobStore.open({ url: REDIS_URL, prefix });
      const client = await RedisJobStore.open({ url: REDIS_URL, prefix });
      return { worker, client, drop: () => client.drop() };
    },
  },
];

export function rateLimitTests(factory: TransportFactory): void {
  test(
    'rateLimit holds attempts across workers sharing the store; the next window lets them run',
    T,
    async () => {
      const h = new Harness(factory);
      const slow = h.name('rate-slow');
      const fast = h.name('rate-fast');
      h.taskQueues(slow);
      h.taskQueues(fast);
      const started: string[] = [];
      @Service(h.name('svc'))
      class Svc {
        // Two starts per minute: the test sees the first window only.
        @Task(slow, { rateLimit: { max: 2, per: 60_000 }, retries: 0 })
        a(_p: unknown, ctx: TaskContext): Promise<void> {
          started.push(ctx.messageId);
          return Promise.resolve();
        }

        @Task(fast, { rateLimit: { max: 1, per: 100 }, retries: 0 })
        b(): Promise<string> {
          return Promise.resolve('ok');
        }
      }
      try {
        const store = new MemoryJobStore();
        const one = await h.start([Svc], { jobs: { store } });
        await h.start([Svc], { jobs: { store } });
        const jobs = await Promise.all([1, 2, 3, 4].map((n) => one.client.enqueue(slow, { n })));
        await waitFor(() => started.length >= 2, 10_000, 'two starts');
        // Whatever more time passes in this window, no third attempt starts on either worker.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(started.length, 2);
        const states = await Promise.all(jobs.map((j) => j.state()));
        assert.deepEqual(states.filter((s) => s === 'completed').length, 2);
        assert.deepEqual(states.filter((s) => s === 'waiting').length, 2);
        const quick = await Promise.all([1, 2, 3].map((n) => one.client.enqueue(fast, { n })));
        for (const j of quick) assert.equal(await j.result({ timeout: 10_000 }), 'ok');
      } finally {
        await h.cleanup();
      }
    },
  );
}

export function pauseTests(factory: TransportFactory): void {
  test(
    'pause stops every worker of a task (also ones started later); resume runs what waited',
    T,
    async () => {
      const h = new Harness(factory);
      const name = h.name('pause');
      h.taskQueues(name);
      let calls = 0;
      @Service(h.name('svc'))
      class Svc {
        @Task(name)
        handle(): Promise<string> {
          calls++;
          return Promise.resolve('done');
        }
      }
      try {
        const store = new MemoryJobStore();
        const worker = await h.start([Svc], { jobs: { store } });
        const client = await h.start([], { jobs: { store } });
        const admin = await h.admin();
        await client.client.pause(name);
        await waitForAsync(
          async () => (await admin.checkQueue(name)).consumerCount === 0,
          'consumer cancelled',
        );
        const job = await client.client.enqueue(name, {});
        // A worker started while the task is paused starts paused too.
        await h.start([Svc], { jobs: { store } });
        assert.equal((await admin.checkQueue(name)).consumerCount, 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(calls, 0);
        assert.equal(await job.state(), 'waiting');
        assert.equal((await admin.checkQueue(name)).messageCount, 1);
        await worker.client.resume(name);
        assert.equal(await job.result({ timeout: 10_000 }), 'done');
        await waitForAsync(async () => (await admin.checkQueue(name)).consumerCount === 2, 'both consume');
        assert.equal(calls, 1);
      } finally {
        await h.cleanup();
      }
    },
  );
}

export function chainTests(factory: TransportFactory): void {
  test('a chain passes each result on; a failing step ends it with its error', T, async () => {
    const h = new Harness(factory);
    const inc = h.name('inc');
    const dbl = h.name('dbl');
    const fmt = h.name('fmt');
    for (const q of [inc, dbl, fmt]) h.taskQueues(q);
    const ran: string[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(inc, { retries: 0 })
      a(n: number): Promise<number> {
        ran.push(`inc ${n}`);
        if (n < 0) return Promise.reject(new Error('negative'));
        return Promise.resolve(n + 1);
      }

      @Task(dbl, { retries: 0 })
      b(n: number): Promise<number> {
        ran.push(`dbl ${n}`);
        return Promise.resolve(n * 2);
      }

      @Task(fmt, { retries: 0 })
      c(n: number): Promise<string> {
        ran.push(`fmt ${n}`);
        return Promise.resolve(`=${n}`);
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const chain = await app.client.chain([{ task: inc, payload: 1 }, { task: dbl }, { task: fmt }]);
      assert.equal(await chain.result({ timeout: 10_000 }), '=4');
      assert.deepEqual(ran, ['inc 1', 'dbl 2', 'fmt 4']);
      assert.equal((await app.client.job(chain.steps[1]!).get())?.result, 4);
      const broken = await app.client.chain([{ task: inc, payload: -1 }, { task: dbl }, { task: fmt }]);
      const err = await broken.result({ timeout: 10_000 }).then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof JobFailedError);
      assert.equal(err.jobId, broken.steps[0]);
      assert.equal(err.error?.message, 'negative');
      assert.equal(await app.client.job(broken.steps[1]!).get(), undefined, 'later steps never enqueued');
      assert.deepEqual(ran, ['inc 1', 'dbl 2', 'fmt 4', 'inc -1']);
    } finally {
      await h.cleanup();
    }
  });

  test(
    'a chain resumes when a completed step comes back (its worker died before the next step)',
    T,
    async () => {
      const h = new Harness(factory);
      const first = h.name('first');
      const second = h.name('second');
      h.taskQueues(first);
      h.taskQueues(second);
      const ran: string[] = [];
      @Service(h.name('svc'))
      class Svc {
        @Task(first, { retries: 0 })
        a(n: number): Promise<number> {
          ran.push(`first ${n}`);
          return Promise.resolve(n);
        }

        @Task(second, { retries: 0 })
        b(n: number): Promise<number> {
          ran.push(`second ${n}`);
          return Promise.resolve(n * 10);
        }
      }
      try {
        const store = new MemoryJobStore();
        await h.start([Svc], { jobs: { store } });
        // What a crash leaves: step 0 recorded completed (result 7), its message back in the queue.
        const chainId = h.name('chain');
        const now = Date.now();
        await store.create({
          id: `${chainId}.0`,
          task: first,
          state: 'completed',
          attempts: 1,
          result: 7,
          createdAt: now,
          updatedAt: now,
        });
        const admin = await h.admin();
        await admin.publish('', first, Buffer.from('1'), {
          messageId: `${chainId}.0`,
          contentType: 'application/json',
          persistent: true,
          headers: { [CHAIN_HEADER]: JSON.stringify([{ task: second, id: `${chainId}.1` }]) },
        });
        const app = await h.start([], { jobs: { store } });
        const chain = new ChainHandle(chainId, [`${chainId}.0`, `${chainId}.1`], {
          get: (id) => app.client.job(id).get(),
          wait: (id, o) => app.client.job(id).result(o),
          cancel: (id) => app.client.job(id).cancel(),
        });
        assert.equal(await chain.result({ timeout: 10_000 }), 70);
        assert.deepEqual(ran, ['second 7'], 'the completed step did not run again');
      } finally {
        await h.cleanup();
      }
    },
  );
}

export function groupTests(factory: TransportFactory): void {
  test('a chord on two workers: results in member order, the callback runs once with them', G, async () => {
    const h = new Harness(factory);
    const square = h.name('square');
    const sum = h.name('sum');
    h.taskQueues(square);
    h.taskQueues(sum);
    const callbacks: unknown[] = [];
    @Service(h.name('svc'))
    class Svc {
      // Later members finish first: the order of results is the members', not the finishing one.
      @Task(square, { retries: 0, concurrency: 8 })
      async a(n: number): Promise<number> {
        await new Promise((resolve) => setTimeout(resolve, (8 - n) * 15));
        return n * n;
      }

      @Task(sum, { retries: 0 })
      b(results: number[]): Promise<string> {
        callbacks.push(results);
        return Promise.resolve(`sum ${results.reduce((x, y) => x + y, 0)}`);
      }
    }
    try {
      const store = new MemoryJobStore();
      await h.start([Svc], { jobs: { store } });
      const app = await h.start([Svc], { jobs: { store } });
      const members = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ task: square, payload: n }));
      const chord = await app.client.group(members, { callback: { task: sum } });
      assert.equal(chord.members.length, 7);
      assert.equal(chord.members[2], `${chord.id}.2`);
      assert.deepEqual(await chord.results({ timeout: 10_000 }), [1, 4, 9, 16, 25, 36, 49]);
      assert.equal(await chord.callback?.result({ timeout: 10_000 }), 'sum 140');
      assert.equal(await chord.state(), 'completed');
      const plain = await app.client.group([{ task: square, payload: 3 }]);
      assert.deepEqual(await plain.results({ timeout: 10_000 }), [9]);
      assert.equal(plain.callback, undefined);
      const again = await app.client.jobGroup(chord.id);
      assert.deepEqual(again?.members, chord.members);
      assert.deepEqual(
        await again?.settled({ timeout: 1000 }),
        [1, 4, 9, 16, 25, 36, 49].map((result) => ({ state: 'completed', result })),
      );
      // A marker chord after it: once its callback ran, a second run of the first would have too.
      const marker = await app.client.group([{ task: square, payload: 0 }], { callback: { task: sum } });
      await marker.callback?.result({ timeout: 10_000 });
      assert.deepEqual(callbacks, [[1, 4, 9, 16, 25, 36, 49], [0]]);
    } finally {
      await h.cleanup();
    }
  });

  test(
    'a failed member fails the chord (the callback never runs); onMemberFailure: settle runs it with every outcome',
    G,
    async () => {
      const h = new Harness(factory);
      const work = h.name('work');
      const after = h.name('after');
      h.taskQueues(work);
      h.taskQueues(after);
      const callbacks: unknown[] = [];
      @Service(h.name('svc'))
      class Svc {
        @Task(work, { retries: 0 })
        a(n: number): Promise<number> {
          return n < 0 ? Promise.reject(new Error(`bad ${n}`)) : Promise.resolve(n);
        }

        @Task(after, { retries: 0 })
        b(payload: unknown): Promise<string> {
          callbacks.push(payload);
          return Promise.resolve('ran');
        }
      }
      try {
        const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
        const members = [1, -2, 3].map((n) => ({ task: work, payload: n }));
        const failing = await app.client.group(members, { callback: { task: after } });
        const err = await failing.callback!.result({ timeout: 10_000 }).then(
          () => assert.fail('the callback should fail'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof JobFailedError);
        assert.equal(err.error?.code, new GroupMemberFailedError('g', 'm', 'failed').code);
        assert.match(err.error?.message ?? '', new RegExp(`${failing.members[1]}`));
        const memberErr = await failing.results({ timeout: 10_000 }).then(
          () => assert.fail('results should reject'),
          (e: unknown) => e,
        );
        assert.ok(memberErr instanceof JobFailedError);
        assert.equal(memberErr.jobId, failing.members[1]);
        assert.equal(memberErr.error?.message, 'bad -2');
        await failing.settled({ timeout: 10_000 });
        assert.equal(await failing.state(), 'failed');

        const lenient = await app.client.group(members, {
          callback: { task: after },
          onMemberFailure: 'settle',
        });
        assert.equal(await lenient.callback!.result({ timeout: 10_000 }), 'ran');
        assert.deepEqual(callbacks, [
          [
            { state: 'completed', result: 1 },
            { state: 'failed', error: { name: 'Error', message: 'bad -2' } },
            { state: 'completed', result: 3 },
          ],
        ]);
        await assert.rejects(app.client.group([], { callback: { task: after } }), TypeError);
        await assert.rejects(app.client.group(members, { onMemberFailure: 'skip' as 'fail' }), TypeError);
      } finally {
        await h.cleanup();
      }
    },
  );

  test('cancelling a group cancels its waiting and running members and its callback', G, async () => {
    const h = new Harness(factory);
    const slow = h.name('slow');
    const after = h.name('after');
    h.taskQueues(slow);
    h.taskQueues(after);
    const started = deferred();
    const ran: number[] = [];
    let callbackRuns = 0;
    @Service(h.name('svc'))
    class Svc {
      @Task(slow, { retries: 0, prefetch: 1 })
      a(n: number, ctx: TaskContext): Promise<void> {
        ran.push(n);
        started.resolve();
        return new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
        );
      }

      @Task(after, { retries: 0 })
      b(): Promise<void> {
        callbackRuns++;
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc], { jobs: { store: new MemoryJobStore() } });
      const members = [1, 2, 3].map((n) => ({ task: slow, payload: n }));
      const group = await app.client.group(members, { callback: { task: after }, onMemberFailure: 'settle' });
      await started.promise;
      assert.equal(await group.cancel(), true);
      await assert.rejects(group.results({ timeout: 10_000 }), JobCancelledError);
      await assert.rejects(group.callback!.result({ timeout: 10_000 }), JobCancelledError);
      const outcomes = await group.settled({ timeout: 10_000 });
      assert.deepEqual(
        outcomes.map((o) => o.state),
        ['cancelled', 'cancelled', 'cancelled'],
      );
      assert.equal(await group.state(), 'cancelled');
      assert.equal(await group.cancel(), false, 'nothing left to cancel');
      // A marker job on the callback's queue: once it ran, a callback enqueued before it would have.
      const marker = await app.client.enqueue(after, {});
      await marker.result({ timeout: 10_000 });
      assert.equal(callbackRuns, 1, 'only the marker');
      assert.deepEqual(ran, [1], 'the waiting members never ran');
    } finally {
      await h.cleanup();
    }
  });

  test(
    'a member whose message comes back after it completed settles the group and runs the callback',
    G,
    async () => {
      const h = new Harness(factory);
      const work = h.name('work');
      const after = h.name('after');
      h.taskQueues(work);
      h.taskQueues(after);
      const ran: unknown[] = [];
      @Service(h.name('svc'))
      class Svc {
        @Task(work, { retries: 0 })
        a(n: number): Promise<number> {
          ran.push(n);
          return Promise.resolve(n);
        }

        @Task(after, { retries: 0 })
        b(results: unknown): Promise<string> {
          ran.push(results);
          return Promise.resolve('done');
        }
      }
      try {
        const store = new MemoryJobStore();
        // What a worker killed after recording member 1 completed, before settling it, leaves:
        // member 0 settled, member 1's job completed but its slot empty, its message back.
        const id = h.name('group');
        const members = [`${id}.0`, `${id}.1`];
        await store.createGroup(
          newGroup(id, members, 'fail', { task: after, id: `${id}.callback` }, Date.now()),
        );
        await store.settleMember(id, 0, { state: 'completed', result: 'r0' });
        const now = Date.now();
        await store.create({
          id: members[1]!,
          task: work,
          state: 'completed',
          attempts: 1,
          result: 'r1',
          createdAt: now,
          updatedAt: now,
          group: { id, index: 1 },
        });
        await h.start([Svc], { jobs: { store } });
        const admin = await h.admin();
        await admin.publish('', work, Buffer.from('1'), {
          messageId: members[1],
          contentType: 'application/json',
          persistent: true,
          headers: { [GROUP_HEADER]: JSON.stringify({ id, index: 1 }) },
        });
        const app = await h.start([], { jobs: { store } });
        const group = await app.client.jobGroup(id);
        assert.equal(await group?.callback?.result({ timeout: 10_000 }), 'done');
        assert.deepEqual(await group?.results({ timeout: 1000 }), ['r0', 'r1']);
        assert.deepEqual(ran, [['r0', 'r1']], 'the completed member did not run again');
      } finally {
        await h.cleanup();
      }
    },
  );
}
