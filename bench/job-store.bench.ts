// What job state costs per job, beside BullMQ in the same run. The same trivial task
// (enqueue → handler → ack, concurrency 50, 100 enqueues in flight, ≤ BENCH_SECONDS each) on
// Warren's embedded broker: without tracking (`jobs: false`), with the default in-memory store
// (without and with job events on warren.jobs), with the PostgreSQL store on the server here
// and with the Redis store; BullMQ on the Redis at 6379 removing jobs on completion (no state
// kept) and keeping them (its state store). Cost per job = 1/rate − 1/rate(without state), in µs; CPU per job is
// this process's user + system time per job (steadier on a loaded machine; a database's or
// Redis' own CPU is not in it).
import { Service, Task, Warren, type JobsOptions } from '../src/framework/index.js';
import { PostgresJobStore } from '../src/framework/jobs/postgres-job-store.js';
import { RedisJobStore } from '../src/framework/jobs/redis-job-store.js';
import { Queue, Worker } from 'bullmq';
import { REDIS } from './lib/framework-bullmq.js';
import { produceAndDrain, uniqueName, type TaskResult } from './lib/framework-stats.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const REDIS_URL = process.env['WARREN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const S = { window: 100, maxJobs: 300_000, seconds: SECONDS };
const CONCURRENCY = 50;

async function warren(jobs: JobsOptions | false): Promise<TaskResult> {
  const name = uniqueName('jobs');
  let handled = 0;
  @Service(uniqueName('svc'))
  class Worker {
    @Task(name, { concurrency: CONCURRENCY, prefetch: CONCURRENCY, retries: 0 })
    handle(): Promise<void> {
      handled++;
      return Promise.resolve();
    }
  }
  const app = await Warren.start({ services: [Worker], jobs, onError: (e) => console.error('[bench]', e) });
  try {
    return await produceAndDrain(
      () => app.client.enqueue(name, { n: 1 }),
      () => handled,
      S,
    );
  } finally {
    await app.close({ timeout: 1000 });
  }
}

async function warrenPostgres(): Promise<TaskResult> {
  const table = `warren_jobs_bench_${process.pid}`;
  const store = await PostgresJobStore.open({ url: POSTGRES_URL, table });
  try {
    return await warren({ store, events: false });
  } finally {
    await store.drop();
    await store.close();
  }
}

async function warrenRedis(): Promise<TaskResult> {
  const store = await RedisJobStore.open({ url: REDIS_URL, prefix: `warren-bench:{${process.pid}}:` });
  try {
    return await warren({ store, events: false });
  } finally {
    await store.drop();
    await store.close();
  }
}

async function bullmq(keep: boolean): Promise<TaskResult> {
  const name = uniqueName('bullmq-jobs');
  const queue = new Queue(name, { connection: REDIS });
  let handled = 0;
  const worker = new Worker(name, () => Promise.resolve(), { connection: REDIS, concurrency: CONCURRENCY });
  worker.on('completed', () => handled++);
  worker.on('error', (err) => console.error('[bench bullmq]', err));
  await worker.waitUntilReady();
  try {
    const opts = keep ? { removeOnComplete: 10_000, removeOnFail: 10_000 } : { removeOnComplete: true };
    return await produceAndDrain(
      () => queue.add('job', { n: 1 }, opts),
      () => handled,
      S,
    );
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const cost = (r: number, base: number): string => `${Math.max(0, 1e6 / r - 1e6 / base).toFixed(1)} µs`;

async function main(): Promise<void> {
  const rows: [string, TaskResult, TaskResult][] = [];
  const bullNone = await bullmq(false);
  const bullKeep = await bullmq(true);
  const off = await warren(false);
  rows.push(['BullMQ → Redis, removeOnComplete: true (no state)', bullNone, bullNone]);
  rows.push(['BullMQ → Redis, keeps the last 10 000 (state)', bullKeep, bullNone]);
  rows.push(['Warren embedded, jobs: false (no state)', off, off]);
  rows.push(['Warren embedded, memory store (default)', await warren({}), off]);
  rows.push(['Warren embedded, memory store, events on', await warren({ events: true }), off]);
  rows.push(['Warren embedded, PostgreSQL store', await warrenPostgres(), off]);
  rows.push(['Warren embedded, Redis store', await warrenRedis(), off]);
  console.log(
    `\nJob state: trivial task, concurrency ${CONCURRENCY}, ${S.window} in flight, ≤ ${SECONDS} s each`,
  );
  console.log(
    '| system | jobs/s | state cost per job | CPU per job (this process) | vs BullMQ keeping state |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const [label, r, base] of rows) {
    const vs = `${(r.jobsPerSecond / bullKeep.jobsPerSecond).toFixed(2)}×`;
    const cpu = `${r.cpuUsPerJob.toFixed(1)} µs`;
    console.log(
      `| ${label} | ${k(r.jobsPerSecond)} | ${cost(r.jobsPerSecond, base.jobsPerSecond)} | ${cpu} | ${vs} |`,
    );
  }
}

await main();
process.exit(0);
