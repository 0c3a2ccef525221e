// In-process engine throughput: publish → deliver → ack through the EngineChannel API with
// a sink that acks from inside deliver (as an embedded worker would), for 1 and 4
// consumers and prefetch 1 / 100 / unlimited / no-ack; then the flat per-message cost
// check: publish 1M into an empty queue, then consume them all, comparing rates.
import os from 'node:os';
import { Broker } from '../src/broker/broker.js';
import type { EngineChannel } from '../src/broker/channel/channel.js';
import type { ChannelSink } from '../src/broker/channel-sink.js';
import { EMPTY_PROPERTIES } from '../src/broker/message.js';
import type { Message } from '../src/broker/message.js';

class AckingSink implements ChannelSink {
  writable = true;
  received = 0;
  channel: EngineChannel | undefined;
  constructor(private readonly noAck: boolean) {}
  deliver(_c: string, tag: number, _r: boolean, _e: string, _k: string, _m: Message): void {
    this.received++;
    if (!this.noAck) this.channel!.basicAck(tag, false);
  }
  basicReturn(): void {}
  publisherAck(): void {}
  publisherNack(): void {}
  consumerCancelled(): void {}
  channelError(): void {}
}

const body = Buffer.alloc(16);

function run(consumers: number, prefetch: number, noAck: boolean, n: number): number {
  const broker = new Broker({ consumerTimeout: 0 });
  const conn = broker.connect();
  const pub = conn.openChannel(1, new AckingSink(true));
  pub.queueDeclare({ queue: 'q' });
  const sinks: AckingSink[] = [];
  for (let i = 0; i < consumers; i++) {
    const sink = new AckingSink(noAck);
    const ch = conn.openChannel(10 + i, sink);
    sink.channel = ch;
    ch.basicQos({ prefetchCount: prefetch });
    ch.basicConsume({ queue: 'q', noAck });
    sinks.push(sink);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) pub.basicPublish('', 'q', false, false, EMPTY_PROPERTIES, body);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const got = sinks.reduce((s, k) => s + k.received, 0);
  if (got !== n) throw new Error(`delivered ${got} of ${n}`);
  conn.close();
  return n / secs;
}

function deep(n: number): { publish: number; consume: number; emptyPublish: number } {
  const broker = new Broker({ consumerTimeout: 0 });
  const conn = broker.connect();
  const pub = conn.openChannel(1, new AckingSink(true));
  pub.queueDeclare({ queue: 'deep' });
  let start = process.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) pub.basicPublish('', 'deep', false, false, EMPTY_PROPERTIES, body);
  const emptyPublish = 10_000 / (Number(process.hrtime.bigint() - start) / 1e9);
  pub.queuePurge('deep');
  start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) pub.basicPublish('', 'deep', false, false, EMPTY_PROPERTIES, body);
  const publish = n / (Number(process.hrtime.bigint() - start) / 1e9);
  const sink = new AckingSink(false);
  const ch = conn.openChannel(2, sink);
  sink.channel = ch;
  ch.basicQos({ prefetchCount: 100 });
  start = process.hrtime.bigint();
  ch.basicConsume({ queue: 'deep' });
  const consume = n / (Number(process.hrtime.bigint() - start) / 1e9);
  if (sink.received !== n) throw new Error(`deep: delivered ${sink.received} of ${n}`);
  conn.close();
  return { publish, consume, emptyPublish };
}

const N = Number(process.env['BENCH_N'] ?? 1_000_000);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, node ${process.version}`);
run(1, 100, false, 100_000); // warm-up
const rows: { scenario: string; 'msgs/s': string }[] = [];
for (const consumers of [1, 4]) {
  for (const [label, prefetch, noAck] of [
    ['prefetch 1', 1, false],
    ['prefetch 100', 100, false],
    ['unlimited', 0, false],
    ['no-ack', 0, true],
  ] as const) {
    const rate = run(consumers, prefetch, noAck, N);
    rows.push({
      scenario: `${consumers} consumer(s), ${label}`,
      'msgs/s': Math.round(rate).toLocaleString('en-US'),
    });
  }
}
console.table(rows);
const d = deep(N);
console.table([
  { phase: 'publish into empty queue (10k)', 'msgs/s': Math.round(d.emptyPublish).toLocaleString('en-US') },
  {
    phase: `publish to ${N.toLocaleString('en-US')} deep`,
    'msgs/s': Math.round(d.publish).toLocaleString('en-US'),
  },
  {
    phase: `consume+ack from ${N.toLocaleString('en-US')} deep (prefetch 100)`,
    'msgs/s': Math.round(d.consume).toLocaleString('en-US'),
  },
]);
