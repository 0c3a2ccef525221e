// Focused load for profiling the framework layer on the embedded broker: N tasks (enqueue with
// confirm → trivial handler → ack, WINDOW enqueues in flight, CONCURRENCY handlers), or with
// MODE=rpc N trivial RPC calls (WINDOW in flight) then SEQ sequential calls. Prints the rate
// and the process's CPU per job (the whole pipeline runs in this process). Profile with
//   node --cpu-prof --import tsx bench/lib/embedded-task-profile.ts
// tsx's keepNames re-wraps some functions, so profile a tsc build too (npm run build):
//   WARREN_MODULE=../../dist/framework/index.js node --cpu-prof --import tsx bench/lib/embedded-task-profile.ts
// Env: BENCH_N (default 200000), CONCURRENCY (50), WINDOW (100), MODE (task | rpc), SEQ (20000);
// BACKLOG bounds enqueued-but-unhandled jobs, WARREN_JOBS=off turns job tracking off, RETAIN sets
// the job store's retention count; PROFILE / HEAP_PROFILE as in cpu-profiler.ts.
import type * as FrameworkIndex from '../../src/framework/index.js';
import { startProfiler } from './cpu-profiler.js';

type Framework = typeof FrameworkIndex;

const N = Number(process.env['BENCH_N'] ?? 200_000);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 50);
const WINDOW = Number(process.env['WINDOW'] ?? 100);
const MODE = process.env['MODE'] ?? 'task';
const SEQ = Number(process.env['SEQ'] ?? 20_000);

const path = process.env['WARREN_MODULE'] ?? '../../src/framework/index.js';
const fw = (await import(path)) as Framework;

/** Applies legacy (experimentalDecorators) decorators by hand, so the dist build works too. */
function decorate(
  cls: new () => object,
  method: string,
  service: ClassDecorator,
  handler: MethodDecorator,
): void {
  const proto = cls.prototype as object;
  const desc = Object.getOwnPropertyDescriptor(proto, method);
  if (!desc) throw new Error(`no method ${method}`);
  const out = handler(proto, method, desc);
  if (out) Object.defineProperty(proto, method, out);
  service(cls);
}

async function measure(n: number, run: () => Promise<void>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const profiling = startProfiler();
  await run();
  profiling.stop();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rate = Math.round(n / seconds);
  const cpuUs = ((cpu.user + cpu.system) / n).toFixed(2);
  console.log(`${MODE} n=${n}: ${rate}/s, ${cpuUs} µs CPU each, ${seconds.toFixed(2)} s`);
}

/** RETAIN: the job store's retention count (default: the store's own, 10 000). */
const RETENTION = process.env['RETAIN'] === undefined ? {} : { count: Number(process.env['RETAIN']) };
/** BACKLOG: most enqueued jobs not yet handled before a lane waits (default: no bound). */
const BACKLOG = Number(process.env['BACKLOG'] ?? Infinity);
let handled = 0;

async function lanes(n: number, width: number, one: () => Promise<unknown>): Promise<void> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < n) {
      while (sent - handled > BACKLOG) await new Promise((resolve) => setImmediate(resolve));
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}

async function tasks(): Promise<void> {
  let done: () => void = () => undefined;
  class Worker {
    handle(): Promise<void> {
      if (++handled === N) done();
      return Promise.resolve();
    }
  }
  decorate(
    Worker,
    'handle',
    fw.Service('profile-svc'),
    fw.Task('profile-task', { concurrency: CONCURRENCY, retries: 0 }),
  );
  const app = await fw.Warren.start({
    services: [Worker],
    onError: (e) => console.error(e),
    jobs: process.env['WARREN_JOBS'] === 'off' ? false : { retention: RETENTION },
  });
  const all = new Promise<void>((resolve) => (done = resolve));
  await measure(N, async () => {
    await lanes(N, WINDOW, () => app.client.enqueue('profile-task', { n: 1 }));
    await all;
  });
  await app.close({ timeout: 1000 });
}

async function rpc(): Promise<void> {
  class Echo {
    echo(req: unknown): Promise<unknown> {
      return Promise.resolve(req);
    }
  }
  decorate(Echo, 'echo', fw.Service('profile-rpc-svc'), fw.Rpc('profile-rpc', { prefetch: WINDOW }));
  const app = await fw.Warren.start({ services: [Echo], onError: (e) => console.error(e) });
  await measure(N, () => lanes(N, WINDOW, () => app.client.call('profile-rpc', { n: 1 })));
  const lat: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const s = performance.now();
    await app.client.call('profile-rpc', { n: 1 });
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number): string => `${Math.round((lat[Math.floor(p * lat.length)] ?? NaN) * 1000)} µs`;
  console.log(`rpc sequential n=${SEQ}: p50 ${q(0.5)}, p99 ${q(0.99)}`);
  await app.close({ timeout: 1000 });
}

if (MODE === 'rpc') await rpc();
else await tasks();
process.exit(0);
