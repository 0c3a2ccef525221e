// Small helpers shared by the framework benchmark: bounded waits, latency percentiles, names.
import { randomBytes } from 'node:crypto';

export interface TaskResult {
  jobsPerSecond: number;
  jobs: number;
  /**
   * This process's CPU time (user + system) per handled job, µs: steadier than the rate on a
   * loaded machine (it does not count time spent waiting for the CPU), but blind to other
   * processes (a Redis or PostgreSQL server's work is not in it).
   */
  cpuUsPerJob: number;
  /** Most jobs enqueued but not yet handled at once: how far production ran ahead. */
  maxBacklog: number;
}

export interface RpcResult {
  callsPerSecond: number;
  p50us: number;
  p99us: number;
}

/** A name no other run uses, so RabbitMQ / Redis leftovers never collide. */
export function uniqueName(tag: string): string {
  return `warren-bench.${tag}.${randomBytes(4).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every ms until it holds or `timeoutMs` passed; resolves to whether it held. */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(1);
  }
  return true;
}

/** The q-quantile (0..1) of latencies in ms, in µs. */
export function percentileUs(sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.floor(q * sortedMs.length));
  return (sortedMs[i] ?? NaN) * 1000;
}

/**
 * Enqueues with `window` producers in flight until `maxJobs` or `seconds` ran out; then waits
 * (bounded) until everything produced was handled. Rate = handled / elapsed: end to end.
 */
export async function produceAndDrain(
  enqueue: () => Promise<unknown>,
  handled: () => number,
  opts: { window: number; maxJobs: number; seconds: number } & WarmUp,
): Promise<TaskResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const stopAt = t0 + opts.seconds * 1000;
  let produced = 0;
  let maxBacklog = 0;
  const lane = async (): Promise<void> => {
    while (produced < opts.maxJobs && performance.now() < stopAt) {
      if (produced === opts.warmUp) opts.onWarm?.();
      produced++;
      maxBacklog = Math.max(maxBacklog, produced - handled());
      await enqueue();
    }
  };
  await Promise.all(Array.from({ length: opts.window }, lane));
  await waitUntil(() => handled() >= produced, 20_000);
  opts.onDone?.();
  const seconds = (performance.now() - t0) / 1000;
  const jobs = handled();
  const cpu = process.cpuUsage(cpu0);
  return {
    jobsPerSecond: jobs / seconds,
    jobs,
    cpuUsPerJob: (cpu.user + cpu.system) / Math.max(1, jobs),
    maxBacklog,
  };
}

/**
 * For counting runs (bench/lib/framework-amqp-count.ts): `onWarm` is called once `warmUp`
 * operations were started, so what follows can be measured alone.
 */
export interface WarmUp {
  warmUp?: number;
  onWarm?: () => void;
  /** Called when the load is over, before anything is torn down. */
  onDone?: () => void;
}

/**
 * calls/s with `inFlight` callers for `seconds`, then sequential latency for `seconds`. With
 * `calls`, only the first phase runs, for that many calls (counting runs).
 */
export async function rpcLoad(
  call: () => Promise<unknown>,
  opts: { inFlight: number; seconds: number; calls?: number } & WarmUp,
): Promise<RpcResult> {
  let calls = 0;
  let started = 0;
  const maxCalls = opts.calls ?? Infinity;
  let t0 = performance.now();
  let stopAt = t0 + opts.seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < stopAt && started < maxCalls) {
      if (started === opts.warmUp) opts.onWarm?.();
      started++;
      await call();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, lane));
  const callsPerSecond = calls / ((performance.now() - t0) / 1000);
  opts.onDone?.();
  if (opts.calls !== undefined) return { callsPerSecond, p50us: NaN, p99us: NaN };
  const latencies: number[] = [];
  t0 = performance.now();
  stopAt = t0 + opts.seconds * 1000;
  while (performance.now() < stopAt) {
    const s = performance.now();
    await call();
    latencies.push(performance.now() - s);
  }
  latencies.sort((a, b) => a - b);
  return { callsPerSecond, p50us: percentileUs(latencies, 0.5), p99us: percentileUs(latencies, 0.99) };
}
