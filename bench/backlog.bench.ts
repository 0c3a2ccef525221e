// Larger-than-memory backlog (opt-in; slow): publishes N persistent 1 KB messages into one
// durable queue of a persistent engine (Broker.open, no network), reporting RSS while
// publishing and once the backlog is on disk, then consumes it all with acks (prefetch 1000)
// and reports the consume rate and peak RSS. Bodies past the paging threshold live only in
// the log; the queue keeps ~21 B of index per message.
// Usage: node --import tsx bench/backlog.bench.ts [--messages 10000000] [--threshold BYTES]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../src/broker/broker.js';
import type { EngineChannel } from '../src/broker/channel/channel.js';
import type { FileStore } from '../src/broker/store/file-store.js';
import { RecordingSink } from '../test/helpers/engine.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const MESSAGES = arg('--messages', 1_000_000);
const THRESHOLD = arg('--threshold', 64 * 1024 * 1024);
const BODY = Buffer.alloc(1024, 'x');
const mib = (n: number): string => `${Math.round(n / 1024 / 1024)} MiB`;

/** Acks every 100th delivery (multiple) from inside deliver, as an embedded worker would. */
class AckingSink extends RecordingSink {
  received = 0;
  channel: EngineChannel | undefined;
  override deliver(_c: string, tag: number): void {
    this.received++;
    if (tag % 100 === 0 || this.received === MESSAGES) this.channel!.basicAck(tag, true);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'warren-backlog-bench-'));
let peak = 0;
const sample = (): number => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
  return rss;
};
try {
  const broker = await Broker.open(dir, { consumerTimeout: 0, pageThreshold: THRESHOLD });
  const store = broker.store as FileStore;
  const conn = broker.connect();
  const ch = conn.openChannel(1, new RecordingSink());
  ch.queueDeclare({ queue: 'backlog', durable: true });
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    ch.basicPublish('', 'backlog', false, false, { deliveryMode: 2 }, BODY);
    if (i % 20_000 === 19_999) {
      await store.sync();
      sample();
    }
    if (i % 1_000_000 === 999_999) console.log(`  ${i + 1} published, RSS ${mib(sample())}`);
  }
  await store.sync();
  const pubSecs = (performance.now() - t0) / 1000;
  global.gc?.();
  const q = broker.vhost('/')!.queues.get('backlog')!;
  console.log(
    `published ${MESSAGES.toLocaleString()} × 1 KB persistent in ${pubSecs.toFixed(1)} s (${Math.round(MESSAGES / pubSecs).toLocaleString()} msgs/s); paged ${q.pagedCount.toLocaleString()}, held in memory ${mib(q.heldBytes)}; RSS now ${mib(sample())}, peak ${mib(peak)}`,
  );
  const sink = new AckingSink();
  const sub = conn.openChannel(2, sink);
  sink.channel = sub;
  sub.basicQos({ prefetchCount: 1000 });
  const t1 = performance.now();
  sub.basicConsume({ queue: 'backlog', consumerTag: 'c' });
  while (sink.received < MESSAGES) {
    sample();
    await new Promise((r) => setTimeout(r, 5));
  }
  const conSecs = (performance.now() - t1) / 1000;
  await store.sync();
  console.log(
    `consumed + acked ${MESSAGES.toLocaleString()} in ${conSecs.toFixed(1)} s (${Math.round(MESSAGES / conSecs).toLocaleString()} msgs/s); peak RSS ${mib(peak)}`,
  );
  await broker.shutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
