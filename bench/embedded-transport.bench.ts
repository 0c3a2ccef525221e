// Embedded transport throughput: publish with confirm promises (pipelined, a bounded number
// in flight) → consume → ack through the Transport API, 16 B bodies, prefetch 100, one and
// four consumer channels; plus confirmed-publish-only into an unconsumed queue. Compare with
// bench/engine.bench.ts for the cost of the promise API over the raw engine.
import os from 'node:os';
import { Broker } from '../src/broker/index.js';
import { EmbeddedTransport } from '../src/transports/embedded/index.js';
import type { TransportChannel } from '../src/transports/transport.js';

const body = Buffer.alloc(16);

/** Publishes n messages keeping at most `window` confirms outstanding. */
async function publishPipelined(
  ch: TransportChannel,
  queue: string,
  n: number,
  window: number,
): Promise<void> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      await ch.publish('', queue, body);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
}

async function roundTrip(n: number, consumers: number, window: number): Promise<number> {
  const t = new EmbeddedTransport({ broker: new Broker({ consumerTimeout: 0 }) });
  await t.connect();
  const pub = await t.createChannel();
  await pub.assertQueue('q', { durable: false });
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  for (let i = 0; i < consumers; i++) {
    const ch = await t.createChannel();
    await ch.prefetch(100);
    await ch.consume('q', (m) => {
      ch.ack(m);
      if (++received === n) done();
    });
  }
  const start = process.hrtime.bigint();
  await publishPipelined(pub, 'q', n, window);
  await finished;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await t.close();
  return n / secs;
}

async function publishOnly(n: number, window: number): Promise<number> {
  const t = new EmbeddedTransport({ broker: new Broker({ consumerTimeout: 0 }) });
  await t.connect();
  const ch = await t.createChannel();
  await ch.assertQueue('sink', { durable: false, arguments: { 'x-max-length': 1000 } });
  const start = process.hrtime.bigint();
  await publishPipelined(ch, 'sink', n, window);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await t.close();
  return n / secs;
}

const N = Number(process.env['BENCH_N'] ?? 500_000);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, node ${process.version}`);
await roundTrip(50_000, 1, 1000); // warm-up
const rows: { scenario: string; 'msgs/s': string }[] = [];
const fmt = (r: number): string => Math.round(r).toLocaleString('en-US');
rows.push({
  scenario: `publish→consume→ack, 1 consumer, 1000 in flight`,
  'msgs/s': fmt(await roundTrip(N, 1, 1000)),
});
rows.push({
  scenario: `publish→consume→ack, 4 consumers, 1000 in flight`,
  'msgs/s': fmt(await roundTrip(N, 4, 1000)),
});
rows.push({
  scenario: `publish→consume→ack, 1 consumer, 1 in flight`,
  'msgs/s': fmt(await roundTrip(N / 5, 1, 1)),
});
rows.push({ scenario: `confirmed publish only, 1000 in flight`, 'msgs/s': fmt(await publishOnly(N, 1000)) });
console.table(rows);
