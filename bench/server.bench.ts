// Warren's AMQP server against RabbitMQ, measured by the same client (amqplib, noDelay: true),
// the same scenarios, in the same run: Warren runs as a child process on an ephemeral port (so
// broker and client do not share a thread, as with RabbitMQ); RabbitMQ is RABBITMQ_URL (default
// amqp://guest:guest@127.0.0.1:5672/%2F). Either side is reported as n/a if unavailable.
//
//   npx tsx bench/server.bench.ts            (BENCH_SECONDS=3 per scenario and broker)
import os from 'node:os';
import {
  fanoutThroughput,
  queueThroughput,
  rpcConcurrent,
  rpcSequential,
  serverInfo,
} from './lib/amqp-scenarios.js';
import { startWarrenChild } from './lib/warren-child.js';
import type { WarrenChild } from './lib/warren-child.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';

interface Metric {
  name: string;
  unit: string;
  /** True when a lower figure is better (latency). */
  lowerIsBetter?: boolean;
}

interface Scenario {
  metrics: Metric[];
  /** Figures in the order of `metrics`. */
  run(url: string): Promise<number[]>;
}

const rate = (name: string, unit = 'msgs/s'): Metric => ({ name, unit });

const scenarios: Scenario[] = [
  {
    metrics: [rate('transient, auto-ack, 16 B')],
    run: async (url) => [(await queueThroughput(url, { bodySize: 16, seconds: SECONDS })).rate],
  },
  {
    metrics: [rate('transient, auto-ack, 1 KB')],
    run: async (url) => [(await queueThroughput(url, { bodySize: 1024, seconds: SECONDS })).rate],
  },
  {
    metrics: [rate('manual ack, prefetch 1, 16 B')],
    run: async (url) => [(await queueThroughput(url, { bodySize: 16, seconds: SECONDS, prefetch: 1 })).rate],
  },
  {
    metrics: [rate('manual ack, prefetch 100, 16 B')],
    run: async (url) => [
      (await queueThroughput(url, { bodySize: 16, seconds: SECONDS, prefetch: 100 })).rate,
    ],
  },
  {
    metrics: [rate('fanout to 4 queues, 16 B', 'deliveries/s')],
    run: async (url) => [(await fanoutThroughput(url, { queues: 4, bodySize: 16, seconds: SECONDS })).rate],
  },
  {
    metrics: [
      { name: 'RPC sequential, p50', unit: 'µs', lowerIsBetter: true },
      { name: 'RPC sequential, p99', unit: 'µs', lowerIsBetter: true },
    ],
    run: async (url) => {
      const r = await rpcSequential(url, SECONDS);
      return [r.p50us, r.p99us];
    },
  },
  {
    metrics: [rate('RPC, 100 in flight', 'calls/s')],
    run: async (url) => [(await rpcConcurrent(url, SECONDS, 100)).callsPerSecond],
  },
];

interface Broker {
  label: string;
  url: string | undefined;
  info: string;
}

function fmt(v: number | undefined, unit: string): string {
  if (v === undefined || Number.isNaN(v)) return 'n/a';
  if (unit === 'µs') return `${Math.round(v)} µs`;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0);
}

/** Runs one scenario against one broker, storing its figures (NaN on failure). */
async function measure(broker: Broker, s: Scenario, results: Map<string, number>): Promise<void> {
  if (broker.url === undefined) return;
  try {
    const figures = await s.run(broker.url);
    s.metrics.forEach((m, i) => results.set(m.name, figures[i] ?? NaN));
  } catch (err) {
    console.error(
      `${broker.label}: ${s.metrics[0]!.name} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  for (const m of s.metrics) {
    const v = fmt(results.get(m.name), m.unit);
    process.stderr.write(`  ${broker.label}: ${m.name}: ${v}${m.unit === 'µs' ? '' : ` ${m.unit}`}\n`);
  }
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2));
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `${os.type()} ${os.release()}, node ${process.version}; load average ${load.join(' ')}; ${SECONDS} s per scenario`,
  );
  let child: WarrenChild | undefined;
  const warren: Broker = { label: 'Warren', url: undefined, info: 'n/a' };
  const rabbit: Broker = { label: 'RabbitMQ', url: RABBITMQ_URL, info: 'n/a' };
  try {
    try {
      child = await startWarrenChild();
      warren.url = child.url;
      warren.info = `${await serverInfo(child.url)} (child process pid ${String(child.pid)}, ${child.url.replace(/\/\/.*@/, '//')})`;
    } catch (err) {
      warren.info = `unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      warren.url = undefined;
    }
    try {
      rabbit.info = `${await serverInfo(RABBITMQ_URL)} (${RABBITMQ_URL.replace(/\/\/.*@/, '//')})`;
    } catch (err) {
      rabbit.info = `unavailable: ${err instanceof Error ? err.message : String(err)}`;
      rabbit.url = undefined;
    }
    console.log(`Warren:   ${warren.info}`);
    console.log(`RabbitMQ: ${rabbit.info}`);
    const w = new Map<string, number>();
    const r = new Map<string, number>();
    // Warm-up (JIT, connection paths), not reported.
    for (const b of [warren, rabbit]) {
      if (b.url !== undefined) await queueThroughput(b.url, { bodySize: 16, seconds: Math.min(1, SECONDS) });
    }
    // Interleaved, scenario by scenario, so a change in machine load hits both brokers alike.
    for (const s of scenarios) {
      await measure(warren, s, w);
      await measure(rabbit, s, r);
    }
    const rows = scenarios
      .flatMap((sc) => sc.metrics)
      .map((s) => {
        const wv = w.get(s.name);
        const rv = r.get(s.name);
        const ratio = wv !== undefined && rv !== undefined && rv > 0 ? (wv / rv).toFixed(2) : 'n/a';
        return {
          scenario: s.name,
          unit: s.unit,
          Warren: fmt(wv, s.unit),
          RabbitMQ: fmt(rv, s.unit),
          'Warren/RabbitMQ':
            s.lowerIsBetter === true && ratio !== 'n/a' ? `${ratio} (lower is better)` : ratio,
        };
      });
    console.table(rows);
  } finally {
    await child?.stop();
  }
}

await main();
