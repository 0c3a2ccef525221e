// Client CPU per operation over a fixed number of operations (not a time window), framework vs
// plain amqplib doing the same work, against WARREN_RABBITMQ_URL (default the RabbitMQ at
// 5672). A fixed count makes before/after runs comparable on a loaded machine: run each side
// several times, alternating, and compare the lowest figures.
//   MODE=framework|plain KIND=task|rpc npx tsx bench/lib/framework-amqp-count.ts
// N (measured operations, default 5000) after WARMUP (default 3000, same run); CONCURRENCY
// (tasks, default 50); IN_FLIGHT (RPC, default 100; 1 = sequential calls); PROFILE=<file> profiles
// the measured operations (bench/lib/cpu-profiler.ts). TARGET=warren runs against Warren's server
// in a child process instead and adds the server's CPU per operation; WARREN_JOBS=off runs the
// framework without job tracking; WINDOW (default 100) sets the enqueues in flight. The wall
// time per operation shows how busy the main thread was (its CPU / wall).
import { readFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { startProfiler, type Profiling } from './cpu-profiler.js';
import { plainRpc, plainTasks } from './plain-amqplib.js';
import { processCpuSeconds } from './process-cpu.js';
import { warrenRpc, warrenTasks } from './framework-warren.js';
import { startWarrenChild, type WarrenChild } from './warren-child.js';

const child: WarrenChild | undefined =
  process.env['TARGET'] === 'warren' ? await startWarrenChild() : undefined;
const URL = child?.url ?? process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const MODE = process.env['MODE'] ?? 'framework';
const KIND = process.env['KIND'] ?? 'task';
const N = Number(process.env['N'] ?? 5000);
const WARMUP = Number(process.env['WARMUP'] ?? 3000);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 50);
const IN_FLIGHT = Number(process.env['IN_FLIGHT'] ?? 100);

/** CPU time of this (the main) thread in µs, from Linux's schedstat; NaN elsewhere. */
function mainThreadCpuUs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
  } catch {
    return NaN;
  }
}

let cpu0 = process.cpuUsage();
let cpu = cpu0;
let main0 = mainThreadCpuUs();
/** CPU time of the server child in µs, 0 without one. */
function serverCpuUs(): number {
  return child?.pid === undefined ? 0 : processCpuSeconds(child.pid) * 1e6;
}
let server0 = 0;
let server = 0;
let main = 0;
let wall0 = 0;
let wall = 0;
/**
 * Bytes allocated on the V8 heap between start() and stop(): heap growth between collections,
 * summed. Unlike CPU time it hardly moves with the machine's load, and GC work follows it.
 */
class AllocationMeter {
  readonly #gc = new GCProfiler();
  #used0 = 0;

  start(): void {
    this.#used0 = getHeapStatistics().used_heap_size;
    this.#gc.start();
  }

  stop(): number {
    const usedNow = getHeapStatistics().used_heap_size;
    const { statistics } = this.#gc.stop();
    let allocated = 0;
    let after = this.#used0;
    for (const gc of statistics) {
      allocated += gc.beforeGC.heapStatistics.usedHeapSize - after;
      after = gc.afterGC.heapStatistics.usedHeapSize;
    }
    return allocated + usedNow - after;
  }
}

const allocations = new AllocationMeter();
let allocated = 0;
let profiling: Profiling | undefined;
const onWarm = (): void => {
  profiling = startProfiler();
  allocations.start();
  cpu0 = process.cpuUsage();
  main0 = mainThreadCpuUs();
  server0 = serverCpuUs();
  wall0 = performance.now();
};
const onDone = (): void => {
  cpu = process.cpuUsage(cpu0);
  main = mainThreadCpuUs() - main0;
  server = serverCpuUs() - server0;
  wall = (performance.now() - wall0) * 1000;
  allocated = allocations.stop();
  profiling?.stop();
};

if (KIND === 'rpc') {
  const opts = { inFlight: IN_FLIGHT, seconds: 1e6, calls: WARMUP + N, warmUp: WARMUP, onWarm, onDone };
  if (MODE === 'plain') await plainRpc(URL, opts);
  else await warrenRpc({ url: URL }, opts);
} else {
  const s = {
    concurrency: CONCURRENCY,
    window: Number(process.env['WINDOW'] ?? 100),
    maxJobs: WARMUP + N,
    seconds: 1e6,
    warmUp: WARMUP,
    onWarm,
    onDone,
  };
  const r = MODE === 'plain' ? await plainTasks(URL, s) : await warrenTasks({ url: URL }, s);
  console.log(`most jobs waiting at once: ${r.maxBacklog}`);
}
const what = KIND === 'rpc' ? `rpc (${IN_FLIGHT} in flight)` : `task c=${CONCURRENCY}`;
const perOp = (us: number): string => (us / N).toFixed(1);
console.log(
  `${MODE} ${what}: ${perOp(cpu.user + cpu.system)} µs CPU per operation over ${N} (user ${perOp(cpu.user)}, system ${perOp(cpu.system)}; main thread ${perOp(main)}); ${(allocated / N / 1024).toFixed(2)} KiB allocated per operation${child ? `; server ${perOp(server)} µs CPU per operation` : ''}; ${perOp(wall)} µs wall per operation`,
);
await child?.stop();
process.exit(0);
