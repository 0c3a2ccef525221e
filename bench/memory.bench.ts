// Memory per queued message (run with node --expose-gc): 1,000,000 messages of 16 bytes in
// one queue. The bodies are allocated before the first measurement so the figure is the
// engine's own cost per message (record + queue storage); the bodies' cost is shown apart.
import os from 'node:os';
import { Broker } from '../src/broker/broker.js';
import type { ChannelSink } from '../src/broker/channel-sink.js';
import { EMPTY_PROPERTIES } from '../src/broker/message.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};
const sink: ChannelSink = {
  writable: true,
  deliver() {},
  basicReturn() {},
  publisherAck() {},
  publisherNack() {},
  consumerCancelled() {},
  channelError() {},
};

const N = 1_000_000;
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, node ${process.version}`);
const base = used();
const bodies = Array.from({ length: N }, () => Buffer.allocUnsafe(16));
const withBodies = used();
const broker = new Broker({ consumerTimeout: 0 });
const ch = broker.connect().openChannel(1, sink);
ch.queueDeclare({ queue: 'q' });
for (let i = 0; i < N; i++) ch.basicPublish('', 'q', false, false, EMPTY_PROPERTIES, bodies[i]!);
const queued = used();
if (ch.queueDeclare({ queue: 'q', passive: true }).messageCount !== N) throw new Error('count mismatch');
console.table([
  { what: 'bodies (Buffer objects + 16 B each)', 'bytes/message': ((withBodies - base) / N).toFixed(1) },
  { what: 'engine: message record + queue storage', 'bytes/message': ((queued - withBodies) / N).toFixed(1) },
]);
