// Warren's side of the framework benchmark: one app (client + worker) per scenario on a given
// target: the embedded broker, or an amqp:// URL (Warren's server in a child process, or
// RabbitMQ). Every scenario uses fresh queue names and deletes its queues afterwards.
import type { QueueType, WarrenApp } from '../../src/framework/index.js';
import { amqp, framework } from './warren-module.js';
import {
  produceAndDrain,
  rpcLoad,
  uniqueName,
  type RpcResult,
  type TaskResult,
  type WarmUp,
} from './framework-stats.js';

const { Rpc, Service, Task, Warren } = framework;
/** WARREN_JOBS=off: apps over AMQP run without job tracking, to measure what it costs. */
const JOBS_OFF = process.env['WARREN_JOBS'] === 'off';
const { AmqpTransport } = amqp;

/**
 * Where the app runs: undefined = the embedded broker (Warren's zero-config default); `urls`
 * = a cluster's nodes; `taskQueueType` overrides the default queue type of tasks.
 */
export type Target = (({ url: string } | { urls: string[] }) & { taskQueueType?: QueueType }) | undefined;

function urlsOf(target: NonNullable<Target>): string[] {
  return 'urls' in target ? target.urls : [target.url];
}

export interface TaskScenario extends WarmUp {
  concurrency: number;
  window: number;
  maxJobs: number;
  seconds: number;
}

/** An RPC load (framework-stats.ts rpcLoad). */
export type RpcScenario = Parameters<typeof rpcLoad>[1];

async function startApp(target: Target, services: (new () => object)[]): Promise<WarrenApp> {
  const onError = (err: unknown): void => console.error('[bench]', err);
  if (!target) return Warren.start({ services, onError });
  const { taskQueueType } = target;
  return Warren.start({
    services,
    urls: urlsOf(target),
    taskQueueType,
    reconnect: false,
    onError,
    ...(JOBS_OFF ? { jobs: false } : {}),
  });
}

/** Deletes a run's queues through a separate connection (embedded brokers die with the app). */
async function deleteQueues(target: Target, queues: string[]): Promise<void> {
  if (!target) return;
  const t = new AmqpTransport(urlsOf(target), { reconnect: false });
  await t.connect();
  const ch = await t.createChannel();
  for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
  await t.close();
}

/** enqueue → trivial handler → ack, `concurrency` handlers, retries off (no delay queues). */
export async function warrenTasks(target: Target, s: TaskScenario): Promise<TaskResult> {
  const name = uniqueName(`task-c${s.concurrency}`);
  let handled = 0;
  @Service(uniqueName('svc'))
  class Worker {
    @Task(name, { concurrency: s.concurrency, retries: 0 })
    handle(): Promise<void> {
      handled++;
      return Promise.resolve();
    }
  }
  const app = await startApp(target, [Worker]);
  try {
    return await produceAndDrain(
      () => app.client.enqueue(name, { n: 1 }),
      () => handled,
      s,
    );
  } finally {
    await app.close({ timeout: 1000 });
    await deleteQueues(target, [name, `${name}.dead`, `${name}.quarantine`]);
  }
}

/** A trivial RPC: 100 in flight for `seconds`, then sequential for `seconds`. */
export async function warrenRpc(target: Target, opts: RpcScenario): Promise<RpcResult> {
  const name = uniqueName('rpc');
  @Service(uniqueName('svc'))
  class Echo {
    @Rpc(name, { prefetch: opts.inFlight })
    echo(req: unknown): Promise<unknown> {
      return Promise.resolve(req);
    }
  }
  const app = await startApp(target, [Echo]);
  try {
    return await rpcLoad(() => app.client.call(name, { n: 1 }), opts);
  } finally {
    await app.close({ timeout: 1000 });
    await deleteQueues(target, [name]);
  }
}
