// The framework over AMQP against the clients it wraps, in one run:
// 1. on RabbitMQ (5672): Warren's framework vs plain amqplib doing the same work (tasks with
//    confirms and acks at concurrency 1 and 50; RPC calls/s with 100 in flight and sequential
//    p50) — goal ≥ 0.9× on each;
// 2. on Warren's own server over TCP (a child process): tasks at c=50 vs BullMQ on the Redis at
//    6379 — goal ≥ 3×; RPC vs plain amqplib on RabbitMQ — goal ≥ 1.5× (calls/s, and p50).
// Each scenario runs ≤ BENCH_SECONDS (default 3 s); systems alternate in a fixed order, for
// BENCH_ROUNDS rounds (default 3), and each figure is the median of its rounds.
import { bullmqTasks } from './lib/framework-bullmq.js';
import type { RpcResult } from './lib/framework-stats.js';
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
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

const scenario = (concurrency: number): TaskScenario => ({
  concurrency,
  window: WINDOW,
  maxJobs: MAX_JOBS,
  seconds: SECONDS,
});
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const us = (n: number): string => `${Math.round(n)} µs`;
const x = (n: number): string => `${n.toFixed(2)}×`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One figure measured for two systems in ROUNDS alternating rounds: each system's median, and
 * the median of the per-round ratios (adjacent runs share the machine's state of the moment,
 * so their ratio moves less than either figure on a shared VM).
 */
class Paired {
  readonly ours: number[] = [];
  readonly peer: number[] = [];

  constructor(
    readonly label: string,
    readonly format: (n: number) => string,
    /** true: higher is better (rates); false: lower is better (latencies). */
    readonly higher: boolean,
  ) {}

  add(ours: number, peer: number): void {
    this.ours.push(ours);
    this.peer.push(peer);
  }

  /** Per round, how many times better ours is than the peer's (above 1: ours is better). */
  #ratios(): number[] {
    return this.ours.map((o, i) => {
      const peer = this.peer[i] as number;
      return this.higher ? o / peer : peer / o;
    });
  }

  ratio(): number {
    return median(this.#ratios());
  }

  row(): string {
    const rounds = this.#ratios().map(x).join(', ');
    return `| ${this.label} | ${this.format(median(this.ours))} | ${this.format(median(this.peer))} | ${x(this.ratio())} (${rounds}) |`;
  }

  goal(target: number): void {
    const r = this.ratio();
    console.log(`goal ${this.label} ≥ ${target}×: ${x(r)} ${r >= target ? 'met' : 'NOT met'}`);
  }
}

function rpcFigures(peerLabel: string): Paired[] {
  return [
    new Paired(`RPC calls/s, ${RPC_IN_FLIGHT} in flight`, k, true),
    new Paired(`RPC sequential p50 (${peerLabel} p50 / framework p50)`, us, false),
    new Paired('RPC sequential p99', us, false),
  ];
}

function addRpc([calls, p50, p99]: Paired[], w: RpcResult, p: RpcResult): void {
  calls!.add(w.callsPerSecond, p.callsPerSecond);
  p50!.add(w.p50us, p.p50us);
  p99!.add(w.p99us, p.p99us);
}

function table(title: string, head: string, figures: Paired[]): void {
  console.log(`\n${title}; median of ${ROUNDS} alternating rounds (per-round ratios in brackets)`);
  console.log(head);
  console.log('| --- | --- | --- | --- |');
  for (const f of figures) console.log(f.row());
}

async function onRabbitmq(): Promise<void> {
  const tasks = [1, 50].map((c) => new Paired(`tasks/s, c=${c}`, k, true));
  const rpc = rpcFigures('plain amqplib');
  const rpcOpts = { inFlight: RPC_IN_FLIGHT, seconds: SECONDS };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of [1, 50].entries()) {
      const plain = await plainTasks(RABBITMQ_URL, scenario(c));
      const warren = await warrenTasks({ url: RABBITMQ_URL }, scenario(c));
      tasks[i]!.add(warren.jobsPerSecond, plain.jobsPerSecond);
    }
    const plainR = await plainRpc(RABBITMQ_URL, rpcOpts);
    const warrenR = await warrenRpc({ url: RABBITMQ_URL }, rpcOpts);
    addRpc(rpc, warrenR, plainR);
  }
  table(
    `On RabbitMQ: framework vs plain amqplib, ${WINDOW} enqueues in flight, ≤ ${SECONDS} s each`,
    '| scenario | Warren framework | plain amqplib | framework / amqplib |',
    [...tasks, ...rpc],
  );
  for (const t of tasks) t.goal(0.9);
  rpc[0]!.goal(0.9);
  rpc[1]!.goal(0.9);
}

async function onWarrenServer(): Promise<void> {
  const child = await startWarrenChild();
  try {
    const tasks = new Paired('tasks/s, c=50 (peer: BullMQ → Redis)', k, true);
    // The ceiling the framework's client library sets: plain amqplib doing the same work.
    const ceiling = new Paired("tasks/s, c=50, plain amqplib → Warren's server (peer: BullMQ)", k, true);
    const rpc = rpcFigures('amqplib → RabbitMQ');
    const rpcOpts = { inFlight: RPC_IN_FLIGHT, seconds: SECONDS };
    for (let round = 0; round < ROUNDS; round++) {
      const bull = await bullmqTasks(scenario(50));
      const warren = await warrenTasks({ url: child.url }, scenario(50));
      const plainT = await plainTasks(child.url, scenario(50));
      tasks.add(warren.jobsPerSecond, bull.jobsPerSecond);
      ceiling.add(plainT.jobsPerSecond, bull.jobsPerSecond);
      const plainR = await plainRpc(RABBITMQ_URL, rpcOpts);
      const warrenR = await warrenRpc({ url: child.url }, rpcOpts);
      addRpc(rpc, warrenR, plainR);
    }
    table(
      "On Warren's server over TCP (child process), beside BullMQ and plain amqplib on RabbitMQ",
      "| scenario | Warren framework → Warren's server | peer | framework / peer |",
      [tasks, ceiling, ...rpc],
    );
    tasks.goal(3);
    rpc[0]!.goal(1.5);
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
