// CPU per task / RPC call in this process for the framework over AMQP vs plain amqplib doing
// the same work (bench/lib/plain-amqplib.ts), measured on a second pass, against WARREN_RABBITMQ_URL (default the
// RabbitMQ at 5672). CPU per operation is what the client side adds, and unlike throughput it
// holds up on a loaded machine. Profile with
//   node --cpu-prof --import tsx bench/lib/framework-amqp-profile.ts
// MODE=framework|plain, KIND=task|rpc, BENCH_SECONDS (default 3), CONCURRENCY (tasks, default 50).
// PROFILE=<file.cpuprofile> profiles the measured pass only (bench/lib/cpu-profiler.ts).
import { startProfiler } from './cpu-profiler.js';
import { plainRpc, plainTasks } from './plain-amqplib.js';
import { warrenRpc, warrenTasks } from './framework-warren.js';

const URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const MODE = process.env['MODE'] ?? 'framework';
const KIND = process.env['KIND'] ?? 'rpc';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 50);

async function once(): Promise<{ ops: number; rate: string }> {
  if (KIND === 'rpc') {
    const opts = { inFlight: 100, seconds: SECONDS };
    const r = MODE === 'plain' ? await plainRpc(URL, opts) : await warrenRpc({ url: URL }, opts);
    const ops = r.callsPerSecond * SECONDS + SECONDS / (r.p50us / 1e6);
    return { ops, rate: `${Math.round(r.callsPerSecond)} calls/s, p50 ${Math.round(r.p50us)} µs` };
  }
  const s = { concurrency: CONCURRENCY, window: 100, maxJobs: 1_000_000, seconds: SECONDS };
  const r = MODE === 'plain' ? await plainTasks(URL, s) : await warrenTasks({ url: URL }, s);
  return { ops: r.jobs, rate: `${Math.round(r.jobsPerSecond)} tasks/s` };
}

// A first, shorter pass loads and compiles everything; only the second one is measured.
await once();
const profiling = startProfiler();
const cpu0 = process.cpuUsage();
const { ops, rate } = await once();
const cpu = process.cpuUsage(cpu0);
profiling.stop();
console.log(`${MODE} ${KIND}: ${rate}; ≈ ${((cpu.user + cpu.system) / ops).toFixed(1)} µs CPU per operation`);
process.exit(0);
