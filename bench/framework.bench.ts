// The framework end to end, beside BullMQ in the same run. Tasks/s (enqueue → trivial handler
// → ack) with Warren embedded, over TCP to Warren's own server (in a child process, like a
// real broker) and over TCP to the RabbitMQ at 5672; BullMQ on the Redis at 6379 does the
// same trivial job (add → process). Then RPC calls/s with 100 in flight and sequential
// p50/p99 on the three Warren targets. Each scenario is bounded (BENCH_SECONDS, default 3 s,
// or BENCH_JOBS jobs). Goals: embedded ≥ 10× BullMQ at concurrency 50; Warren over TCP to its
// own server ≥ 1.5× BullMQ.
import { startWarrenChild, type WarrenChild } from './lib/warren-child.js';
import { bullmqTasks } from './lib/framework-bullmq.js';
import type { RpcResult, TaskResult } from './lib/framework-stats.js';
import { warrenRpc, warrenTasks, type Target, type TaskScenario } from './lib/framework-warren.js';

const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const MAX_JOBS = Number(process.env['BENCH_JOBS'] ?? 300_000);
/** Enqueues (or BullMQ adds) awaiting their confirm at once. */
const WINDOW = 100;
const CONCURRENCIES = [1, 50] as const;
const RPC_IN_FLIGHT = 100;

type System = 'embedded' | 'warren-tcp' | 'rabbitmq' | 'bullmq';
const LABELS: Record<System, string> = {
  embedded: 'Warren, embedded',
  'warren-tcp': "Warren → Warren's server (TCP)",
  rabbitmq: 'Warren → RabbitMQ (TCP)',
  bullmq: 'BullMQ → Redis',
};

const scenario = (concurrency: number): TaskScenario => ({
  concurrency,
  window: WINDOW,
  maxJobs: MAX_JOBS,
  seconds: SECONDS,
});

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const us = (n: number): string => `${Math.round(n)} µs`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

async function tasks(targets: Record<Exclude<System, 'bullmq'>, Target>): Promise<Map<string, TaskResult>> {
  const out = new Map<string, TaskResult>();
  for (const c of CONCURRENCIES) {
    // BullMQ first, then the Warren targets: one warm-up-free pass each, same order every time.
    out.set(`bullmq/${c}`, await bullmqTasks(scenario(c)));
    for (const [system, target] of Object.entries(targets)) {
      out.set(`${system}/${c}`, await warrenTasks(target, scenario(c)));
    }
  }
  return out;
}

function printTasks(results: Map<string, TaskResult>): void {
  console.log(`\nTasks: enqueue → trivial handler → ack, ${WINDOW} enqueues in flight, ≤ ${SECONDS} s each`);
  console.log(
    '| system | jobs/s, concurrency 1 | jobs/s, concurrency 50 | vs BullMQ (c=1) | vs BullMQ (c=50) |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  const b1 = results.get('bullmq/1')?.jobsPerSecond ?? NaN;
  const b50 = results.get('bullmq/50')?.jobsPerSecond ?? NaN;
  for (const system of ['embedded', 'warren-tcp', 'rabbitmq', 'bullmq'] as const) {
    const r1 = results.get(`${system}/1`)?.jobsPerSecond ?? NaN;
    const r50 = results.get(`${system}/50`)?.jobsPerSecond ?? NaN;
    console.log(`| ${LABELS[system]} | ${k(r1)} | ${k(r50)} | ${ratio(r1, b1)} | ${ratio(r50, b50)} |`);
  }
}

function printRpc(results: Map<string, RpcResult>): void {
  console.log(
    `\nRPC: trivial echo; ${RPC_IN_FLIGHT} in flight for ${SECONDS} s, then sequential for ${SECONDS} s`,
  );
  console.log(`| system | calls/s, ${RPC_IN_FLIGHT} in flight | sequential p50 | sequential p99 |`);
  console.log('| --- | --- | --- | --- |');
  for (const [system, r] of results) {
    console.log(`| ${LABELS[system as System]} | ${k(r.callsPerSecond)} | ${us(r.p50us)} | ${us(r.p99us)} |`);
  }
}

async function main(): Promise<void> {
  const child: WarrenChild = await startWarrenChild();
  try {
    const targets = {
      embedded: undefined,
      'warren-tcp': { url: child.url },
      rabbitmq: { url: RABBITMQ_URL },
    };
    const taskResults = await tasks(targets);
    const rpcResults = new Map<string, RpcResult>();
    for (const [system, target] of Object.entries(targets)) {
      rpcResults.set(system, await warrenRpc(target, { inFlight: RPC_IN_FLIGHT, seconds: SECONDS }));
    }
    console.log(
      `Node ${process.version}; Warren's server in a child process; RabbitMQ ${RABBITMQ_URL.replace(/\/\/.*@/, '//')}`,
    );
    printTasks(taskResults);
    printRpc(rpcResults);
    const b50 = taskResults.get('bullmq/50')?.jobsPerSecond ?? NaN;
    const e50 = taskResults.get('embedded/50')?.jobsPerSecond ?? NaN;
    const t50 = taskResults.get('warren-tcp/50')?.jobsPerSecond ?? NaN;
    console.log(
      `\ngoal embedded ≥ 10× BullMQ (c=50): ${ratio(e50, b50)} ${e50 >= 10 * b50 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `goal Warren's server ≥ 1.5× BullMQ (c=50): ${ratio(t50, b50)} ${t50 >= 1.5 * b50 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await child.stop();
  }
}

await main();
process.exit(0);
