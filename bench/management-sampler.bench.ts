// The management stats sampler's cost on AMQP latency with many queues: the real `warren
// broker` (child process) holding N queues (default 100k), once without and once with
// `--http-port` (the sampler sweeping every queue each second, in slices), measured in one run
// side by side. The probe: amqplib publishes a timestamped message every few ms to a queue
// with a consumer on the same connection; latency is publish → delivery. Reports p50 / p99 /
// max, the ratio with/without, and the load average.
// Usage: node --import tsx bench/management-sampler.bench.ts [--queues N] [--probes N]
import { loadavg } from 'node:os';
import amqp from 'amqplib';
import { kill9, startBrokerProcess } from '../test/broker/store/broker-process.js';
import { removeDir, tempDir } from '../test/broker/store/helpers.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const QUEUES = arg('--queues', 100_000);
const PROBES = arg('--probes', 2000);
const GAP_MS = 5;
const CHANNELS = 16;

/** Declares `QUEUES` non-durable queues over `CHANNELS` channels, pipelined. */
async function declareQueues(url: string): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const chans = await Promise.all(Array.from({ length: CHANNELS }, () => conn.createChannel()));
    await Promise.all(
      chans.map(async (ch, c) => {
        const batch: Promise<unknown>[] = [];
        for (let i = c; i < QUEUES; i += CHANNELS) {
          batch.push(ch.assertQueue(`bench-q-${i}`, { durable: false }));
          if (batch.length >= 500) await Promise.all(batch.splice(0));
        }
        await Promise.all(batch);
      }),
    );
  } finally {
    await conn.close();
  }
}

/** Publish → delivery latencies (ms) of `PROBES` messages sent every `GAP_MS`. */
async function probe(url: string): Promise<number[]> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue('bench-probe', { durable: false });
    const latencies: number[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await ch.consume(
      'bench-probe',
      (m) => {
        if (m === null) return;
        latencies.push(performance.now() - Number(m.content.toString()));
        if (latencies.length === PROBES) resolveDone();
      },
      { noAck: true },
    );
    for (let i = 0; i < PROBES; i++) {
      ch.sendToQueue('bench-probe', Buffer.from(String(performance.now())));
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    await done;
    return latencies;
  } finally {
    await conn.close();
  }
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function run(withHttp: boolean): Promise<{ p50: number; p99: number; max: number; load: number }> {
  const dir = tempDir('warren-bench-sampler-');
  const p = await startBrokerProcess(dir, 60_000, {
    args: withHttp ? ['--http-port', '0', '--user', 'admin:admin'] : [],
  });
  try {
    await declareQueues(p.url);
    if (withHttp) {
      // Let a few sweeps over all queues start before measuring.
      await new Promise((r) => setTimeout(r, 3000));
    }
    const latencies = (await probe(p.url)).sort((a, b) => a - b);
    return {
      p50: pct(latencies, 0.5),
      p99: pct(latencies, 0.99),
      max: latencies[latencies.length - 1]!,
      load: loadavg()[0]!,
    };
  } finally {
    await kill9(p);
    removeDir(dir);
  }
}

const fmt = (v: number) => v.toFixed(2);
console.log(
  `queues: ${QUEUES}, probes: ${PROBES} every ${GAP_MS} ms; load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const without = await run(false);
const withHttp = await run(true);
console.log('| broker | p50 ms | p99 ms | max ms | load (1 min) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(
  `| without --http-port | ${fmt(without.p50)} | ${fmt(without.p99)} | ${fmt(without.max)} | ${fmt(without.load)} |`,
);
console.log(
  `| with --http-port | ${fmt(withHttp.p50)} | ${fmt(withHttp.p99)} | ${fmt(withHttp.max)} | ${fmt(withHttp.load)} |`,
);
console.log(
  `ratio with/without: p50 ${fmt(withHttp.p50 / without.p50)}×, p99 ${fmt(withHttp.p99 / without.p99)}×`,
);
