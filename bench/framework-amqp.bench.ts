// The framework over AMQP against the clients it wraps, in one run:
// 1. on RabbitMQ (5672): Warren's framework vs plain amqplib doing the same work (tasks with
//    confirms and acks at concurrency 1 and 50; RPC calls/s with 100 in flight and sequential
//    p50) — goal ≥ 0.9× on each;
// 2. on Warren's own server over TCP (a child process): tasks at c=50 vs BullMQ on the Redis at
//    6379 — goal ≥ 3×; RPC vs plain amqplib on RabbitMQ — goal ≥ 1.5× (calls/s, and p50).
// Each scenario runs ≤ BENCH_SECONDS (default 3 s); systems alternate in a fixed order.
import { bullmqTasks } from './lib/framework-bullmq.js';
import type { RpcResult, TaskResult } from './lib/framework-stats.js';
import { warrenRpc, warrenTasks, type TaskScenario } from './lib/framework-warren.js';
import { plainRpc, plainTasks } from './lib/plain-amqplib.js';
import { startWarrenChild } from './lib/warren-child.js';
import { WARREN_BUILD } from './lib/warren-module.js';

const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const MAX_JOBS = Number(process.env['BENCH_JOBS'] ?? 300_000);
const WINDOW = 100;
const RPC_IN_FLIGHT = 100;
const ONLY = process.env['BENCH_ONLY'] ?? 'all';

const scenario = (concurrency: number): TaskScenario => ({
  concurrency,
  window: WINDOW,
  maxJobs: MAX_JOBS,
  seconds: SECONDS,
});
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const us = (n: number): string => `${Math.round(n)} µs`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const goal = (what: string, value: number, target: number): void =>
  console.log(`goal ${what} ≥ ${target}×: ${value.toFixed(2)}× ${value >= target ? 'met' : 'NOT met'}`);

async function onRabbitmq(): Promise<void> {
  const tasks = new Map<string, [TaskResult, TaskResult]>();
  for (const c of [1, 50]) {
    const plain = await plainTasks(RABBITMQ_URL, scenario(c));
    const warren = await warrenTasks({ url: RABBITMQ_URL }, scenario(c));
    tasks.set(`c=${c}`, [warren, plain]);
  }
  const rpcOpts = { inFlight: RPC_IN_FLIGHT, seconds: SECONDS };
  const plainR = await plainRpc(RABBITMQ_URL, rpcOpts);
  const warrenR = await warrenRpc({ url: RABBITMQ_URL }, rpcOpts);
  console.log(`\nOn RabbitMQ: framework vs plain amqplib, ${WINDOW} enqueues in flight, ≤ ${SECONDS} s each`);
  console.log('| scenario | Warren framework | plain amqplib | framework / amqplib |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, [w, p]] of tasks) {
    console.log(
      `| tasks/s, ${name} | ${k(w.jobsPerSecond)} | ${k(p.jobsPerSecond)} | ${ratio(w.jobsPerSecond, p.jobsPerSecond)} |`,
    );
  }
  printRpc(warrenR, plainR);
  for (const [name, [w, p]] of tasks) goal(`tasks ${name}`, w.jobsPerSecond / p.jobsPerSecond, 0.9);
  goal('RPC calls/s', warrenR.callsPerSecond / plainR.callsPerSecond, 0.9);
  goal('RPC p50 (amqplib p50 / framework p50)', plainR.p50us / warrenR.p50us, 0.9);
}

function printRpc(w: RpcResult, p: RpcResult, label = 'plain amqplib'): void {
  console.log(
    `| RPC calls/s, ${RPC_IN_FLIGHT} in flight | ${k(w.callsPerSecond)} | ${k(p.callsPerSecond)} | ${ratio(w.callsPerSecond, p.callsPerSecond)} |`,
  );
  console.log(
    `| RPC sequential p50 | ${us(w.p50us)} | ${us(p.p50us)} | ${ratio(p.p50us, w.p50us)} (${label} p50 / framework p50) |`,
  );
  console.log(`| RPC sequential p99 | ${us(w.p99us)} | ${us(p.p99us)} | ${ratio(p.p99us, w.p99us)} |`);
}

async function onWarrenServer(): Promise<void> {
  const child = await startWarrenChild();
  try {
    const bull = await bullmqTasks(scenario(50));
    const warren = await warrenTasks({ url: child.url }, scenario(50));
    // The ceiling the framework's client library sets: plain amqplib doing the same work.
    const plainT = await plainTasks(child.url, scenario(50));
    const rpcOpts = { inFlight: RPC_IN_FLIGHT, seconds: SECONDS };
    const plainR = await plainRpc(RABBITMQ_URL, rpcOpts);
    const warrenR = await warrenRpc({ url: child.url }, rpcOpts);
    console.log(`\nOn Warren's server over TCP (child process), beside BullMQ and plain amqplib on RabbitMQ`);
    console.log("| scenario | Warren framework → Warren's server | peer | framework / peer |");
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| tasks/s, c=50 (peer: BullMQ → Redis) | ${k(warren.jobsPerSecond)} | ${k(bull.jobsPerSecond)} | ${ratio(warren.jobsPerSecond, bull.jobsPerSecond)} |`,
    );
    console.log(
      `| tasks/s, c=50, plain amqplib → Warren's server (the client library's ceiling) | ${k(plainT.jobsPerSecond)} | ${k(bull.jobsPerSecond)} | ${ratio(plainT.jobsPerSecond, bull.jobsPerSecond)} |`,
    );
    printRpc(warrenR, plainR, 'amqplib → RabbitMQ');
    goal("tasks c=50 on Warren's server vs BullMQ", warren.jobsPerSecond / bull.jobsPerSecond, 3);
    goal(
      "RPC calls/s on Warren's server vs plain amqplib on RabbitMQ",
      warrenR.callsPerSecond / plainR.callsPerSecond,
      1.5,
    );
  } finally {
    await child.stop();
  }
}

console.log(
  `Node ${process.version}; RabbitMQ ${RABBITMQ_URL.replace(/\/\/.*@/, '//')}; Warren from ${WARREN_BUILD}/`,
);
if (ONLY === 'all' || ONLY === 'rabbitmq') await onRabbitmq();
if (ONLY === 'all' || ONLY === 'warren') await onWarrenServer();
process.exit(0);
