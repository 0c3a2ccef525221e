// Delayed jobs (run with node --expose-gc):
// 1. memory: 1,000,000 delayed messages (16-byte bodies, delays of 1-24 h) held by an
//    x-delayed-message exchange, beside the same million in a plain queue (the ratio is the
//    cost of holding a message for later);
// 2. firing accuracy under load, in process: 200,000 messages due over 20 s (5-25 s after
//    publishing; DELAYED_BENCH_SPREAD_MS changes the 20 s), lateness of each (arrival - due) with a consumer acking, while the same
//    process pushes a plain queue's traffic through the engine;
// 3. over AMQP, side by side: 2,000 framework jobs enqueued with delays of 0.5-1.5 s on
//    Warren's server (native delayed exchange) and on RabbitMQ 3.10.8 (no plugin: the TTL
//    delay levels), lateness per job. A job arriving before it is due is counted as early.
import os from 'node:os';
import { Broker } from '../src/broker/broker.js';
import type { EngineChannel } from '../src/broker/channel/channel.js';
import type { ChannelSink } from '../src/broker/channel-sink.js';
import type { Message } from '../src/broker/message.js';
import { Service, Task, Warren } from '../src/framework/index.js';
import { AmqpTransport } from '../src/transports/amqp/index.js';
import { AmqpServer } from '../src/transports/tcp/server.js';
import { silentLogger } from '../src/transports/tcp/logger.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const used = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};
const sink = (onDeliver?: (m: Message, tag: number) => void): ChannelSink => ({
  writable: true,
  deliver: (_c, tag, _r, _e, _k, m) => onDeliver?.(m, tag),
  basicReturn() {},
  publisherAck() {},
  publisherNack() {},
  consumerCancelled() {},
  channelError() {},
});
const RABBIT = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`,
);

/** Engine bytes per message for N publishes made by `publish` (inputs allocated before). */
function engineBytes(
  N: number,
  setup: (ch: EngineChannel) => (i: number) => void,
): { bytes: number; rate: number } {
  const broker = new Broker({ consumerTimeout: 0 });
  const ch = broker.connect().openChannel(1, sink());
  const publish = setup(ch);
  const base = used();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) publish(i);
  const rate = N / ((performance.now() - t0) / 1000);
  const bytes = (used() - base) / N;
  // Keeps the broker (and through it the messages) alive until measured.
  if (broker.vhostNames().length === 0) throw new Error('unreachable');
  return { bytes, rate };
}

function memory(): void {
  const N = 1_000_000;
  const bodies = Array.from({ length: N }, () => Buffer.allocUnsafe(16));
  const props = Array.from({ length: N }, (_, i) => ({
    headers: { 'x-delay': 3_600_000 + ((i * 7919) % 82_800_000) },
  }));
  const held = engineBytes(N, (ch) => {
    ch.exchangeDeclare({
      exchange: 'dx',
      type: 'x-delayed-message',
      arguments: { 'x-delayed-type': 'direct' },
    });
    return (i) => ch.basicPublish('dx', 'k', false, false, props[i]!, bodies[i]!);
  });
  const queued = engineBytes(N, (ch) => {
    ch.queueDeclare({ queue: 'q' });
    return (i) => ch.basicPublish('', 'q', false, false, props[i]!, bodies[i]!);
  });
  if (bodies.length + props.length !== 2 * N) throw new Error('unreachable');
  console.log('\n1. one million messages (same bodies and properties), engine cost beyond them');
  console.table([
    {
      where: 'held by x-delayed-message, delays 1-24 h',
      'bytes/message': held.bytes.toFixed(0),
      'publish msg/s': Math.round(held.rate),
    },
    {
      where: 'ready in a plain queue',
      'bytes/message': queued.bytes.toFixed(0),
      'publish msg/s': Math.round(queued.rate),
    },
  ]);
  console.log(
    `held / queued: ${(held.bytes / queued.bytes).toFixed(2)}x memory, ${(held.rate / queued.rate).toFixed(2)}x publish rate`,
  );
}

function percentiles(xs: number[]): { p50: number; p99: number; max: number; early: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]!, early: s.filter((x) => x < 0).length };
}

/** Part 2's messages fall due over this many ms (200,000 over 20 s: 10,000 a second). */
const SPREAD_MS = Number(process.env['DELAYED_BENCH_SPREAD_MS'] ?? 20_000);

async function accuracyInProcess(): Promise<void> {
  const N = 200_000;
  const broker = new Broker({ consumerTimeout: 0 });
  const lateness: number[] = [];
  const ch: EngineChannel = broker.connect().openChannel(
    1,
    sink((m, tag) => {
      lateness.push(Date.now() - m.body.readDoubleLE(0));
      ch.basicAck(tag, false);
    }),
  );
  ch.exchangeDeclare({
    exchange: 'dx',
    type: 'x-delayed-message',
    arguments: { 'x-delayed-type': 'direct' },
  });
  ch.queueDeclare({ queue: 'q' });
  ch.queueBind({ queue: 'q', exchange: 'dx', routingKey: 'k' });
  ch.basicConsume({ queue: 'q', noAck: false });
  const pub = broker.connect().openChannel(1, sink());
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const delay = 5000 + ((i * 7919) % SPREAD_MS);
    const body = Buffer.allocUnsafe(8);
    body.writeDoubleLE(Date.now() + delay, 0);
    pub.basicPublish('dx', 'k', false, false, { headers: { 'x-delay': delay } }, body);
  }
  const publishMs = performance.now() - t0;
  // Load while they fire: a plain queue with a consumer, 100 messages per event-loop turn.
  let other = 0;
  const busy = broker.connect().openChannel(
    1,
    sink((_m, tag) => (other++, busy.basicAck(tag, false))),
  );
  busy.queueDeclare({ queue: 'other' });
  busy.basicConsume({ queue: 'other', noAck: false });
  const deadline = Date.now() + SPREAD_MS + 60_000;
  while (lateness.length < N && Date.now() < deadline) {
    for (let i = 0; i < 100; i++) busy.basicPublish('', 'other', false, false, {}, Buffer.allocUnsafe(16));
    await new Promise((r) => setImmediate(r));
  }
  const p = percentiles(lateness);
  console.log(
    `\n2. ${N} messages delayed 5 s to ${5 + SPREAD_MS / 1000} s (published in ${Math.round(publishMs)} ms), firing while the same process moves ${other} other messages: ${lateness.length} arrived`,
  );
  console.table([{ 'p50 late ms': p.p50, 'p99 late ms': p.p99, 'max late ms': p.max, early: p.early }]);
}

async function frameworkLateness(
  label: string,
  url: string,
  prefix: string,
): Promise<ReturnType<typeof percentiles>> {
  const N = Number(process.env['DELAYED_BENCH_JOBS'] ?? 2000);
  const lateness: number[] = [];
  const task = `${prefix}.job`;
  @Service(`${prefix}-svc`)
  class Svc {
    @Task(task, { prefetch: 200, concurrency: 200 })
    handle(p: { due: number }): void {
      lateness.push(Date.now() - p.due);
    }
  }
  const transport = new AmqpTransport(url, { reconnect: false });
  const app = await Warren.start({
    services: [Svc],
    transport,
    delayTopologyPrefix: prefix,
    onError: () => undefined,
  });
  try {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const delay = 500 + ((i * 7919) % 1000);
      sends.push(app.client.enqueue(task, { due: Date.now() + delay }, { delay }));
    }
    await Promise.all(sends);
    const deadline = Date.now() + 30_000;
    while (lateness.length < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (lateness.length < N) console.log(`${label}: only ${lateness.length} of ${N} arrived`);
    return percentiles(lateness);
  } finally {
    await app.close();
    const ch = await transport.createChannel();
    for (const q of [
      task,
      `${task}.dead`,
      `${task}.retry.1000`,
      `${task}.retry.2000`,
      `${task}.retry.4000`,
      `${prefix}.schedules`,
    ])
      await ch.deleteQueue(q).catch(() => undefined);
    for (let k = 0; k < 32; k++) {
      await ch.deleteQueue(`${prefix}.delay.${k}`).catch(() => undefined);
      await ch.deleteExchange(`${prefix}.delay.${k}`).catch(() => undefined);
    }
    await ch.deleteExchange(`${prefix}.delay.deliver`).catch(() => undefined);
    await ch.deleteExchange(`${prefix}.delayed`).catch(() => undefined);
    await transport.close();
  }
}

async function sideBySide(): Promise<void> {
  const server = new AmqpServer({ host: '127.0.0.1', port: 0, logger: silentLogger });
  const { port } = await server.listen();
  const run = `bench${process.pid}`;
  try {
    const warren = await frameworkLateness(
      "Warren's server",
      `amqp://guest:guest@127.0.0.1:${port}`,
      `${run}w`,
    );
    const rabbit = await frameworkLateness('RabbitMQ', RABBIT, `${run}r`);
    console.log(
      `\n3. ${process.env['DELAYED_BENCH_JOBS'] ?? 2000} framework jobs delayed 0.5-1.5 s, lateness per job (ms)`,
    );
    console.table([
      { broker: "Warren's server (native x-delayed-message)", ...warren },
      { broker: 'RabbitMQ 3.10.8 (no plugin: TTL delay levels)', ...rabbit },
    ]);
    console.log(`p99 lateness RabbitMQ / Warren: ${(rabbit.p99 / Math.max(1, warren.p99)).toFixed(2)}x`);
  } finally {
    await server.close({ reason: 'bench done' });
  }
}

memory();
gc(); // the million of part 1 is garbage now: collect it before timing anything
await accuracyInProcess();
gc();
await sideBySide();
