// Warren on a 3-node RabbitMQ cluster (scripts/rabbitmq-cluster.sh, started and stopped here)
// beside one node (the RabbitMQ at 5672), in one run: tasks/s (enqueue → trivial handler →
// ack, concurrency 50, 100 enqueues in flight) and RPC calls/s (100 in flight) plus
// sequential p50/p99. On the cluster the app is given all three urls, so its task queues are
// quorum queues (replicated to 3 nodes); the one-node figures are shown with classic and with
// quorum queues, so the price of replication and the price of the cluster are apart. All
// nodes share this machine's cores: the cluster figures are a floor, not a capacity plan.
import { clusterUnavailable, RabbitCluster } from '../test/helpers/rabbitmq-cluster.js';
import type { RpcResult, TaskResult } from './lib/framework-stats.js';
import { warrenRpc, warrenTasks, type Target } from './lib/framework-warren.js';

const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const MAX_JOBS = Number(process.env['BENCH_JOBS'] ?? 300_000);
const CONCURRENCY = 50;
const WINDOW = 100;
const RPC_IN_FLIGHT = 100;

const k = (n: number): string => `${(n / 1000).toFixed(2)}k`;
const us = (n: number): string => `${Math.round(n)} µs`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

async function main(): Promise<void> {
  const skip = clusterUnavailable();
  if (skip) {
    console.log(`cluster bench skipped: ${skip}`);
    return;
  }
  const started = Date.now();
  const cluster = await RabbitCluster.start();
  console.log(`3-node cluster up in ${Date.now() - started} ms`);
  try {
    const targets: [string, NonNullable<Target>][] = [
      ['1 node (5672), classic queues', { url: RABBITMQ_URL }],
      ['1 node (5672), quorum queues', { url: RABBITMQ_URL, taskQueueType: 'quorum' }],
      ['3-node cluster, quorum queues (default)', { urls: cluster.urls(1) }],
      ['3-node cluster, classic queues', { urls: cluster.urls(1), taskQueueType: 'classic' }],
    ];
    const tasks = new Map<string, TaskResult>();
    const rpc = new Map<string, RpcResult>();
    const scenario = { concurrency: CONCURRENCY, window: WINDOW, maxJobs: MAX_JOBS, seconds: SECONDS };
    for (const [label, target] of targets) tasks.set(label, await warrenTasks(target, scenario));
    // RPC queues are classic (non-durable) whatever the task queue type.
    const rpcTargets: [string, NonNullable<Target>][] = [
      ['1 node (5672)', { url: RABBITMQ_URL }],
      ['3-node cluster', { urls: cluster.urls(1) }],
    ];
    for (const [label, target] of rpcTargets) {
      rpc.set(label, await warrenRpc(target, { inFlight: RPC_IN_FLIGHT, seconds: SECONDS }));
    }
    console.log(`Node ${process.version}; RabbitMQ 3.10 nodes on one machine (${SECONDS} s per scenario)`);
    console.log(
      `\nTasks: enqueue → trivial handler → ack, concurrency ${CONCURRENCY}, ${WINDOW} enqueues in flight`,
    );
    console.log('| target | jobs/s | vs 1 node, classic |');
    console.log('| --- | --- | --- |');
    const base = tasks.get(targets[0]?.[0] ?? '')?.jobsPerSecond ?? NaN;
    for (const [label, r] of tasks)
      console.log(`| ${label} | ${k(r.jobsPerSecond)} | ${ratio(r.jobsPerSecond, base)} |`);
    console.log(`\nRPC: trivial echo, ${RPC_IN_FLIGHT} in flight, then sequential`);
    console.log('| target | calls/s | vs 1 node | sequential p50 | sequential p99 |');
    console.log('| --- | --- | --- | --- | --- |');
    const rpcBase = [...rpc.values()][0]?.callsPerSecond ?? NaN;
    for (const [label, r] of rpc) {
      console.log(
        `| ${label} | ${k(r.callsPerSecond)} | ${ratio(r.callsPerSecond, rpcBase)} | ${us(r.p50us)} | ${us(r.p99us)} |`,
      );
    }
  } finally {
    await cluster.stop();
  }
}

await main();
process.exit(0);
