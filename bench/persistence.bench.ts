// Persistence figures: this disk's fdatasync rate (4 KB append + fdatasync), persistent
// publish-with-confirms + consume-with-acks through amqplib against Warren's server (a
// child process with --data-dir) and the RabbitMQ at 127.0.0.1:5672 (if reachable), and
// recovery time for 1,000,000 persistent messages (bodies past the paging threshold stay on
// disk: recovery rebuilds the index and loads only up to the threshold).
// Usage: node --import tsx bench/persistence.bench.ts [--messages N] [--recovery N]
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Broker } from '../src/broker/broker.js';
import type { FileStore } from '../src/broker/store/file-store.js';
import { RecordingSink } from '../test/helpers/engine.js';
import { kill9, startBrokerProcess } from '../test/broker/store/broker-process.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const MESSAGES = arg('--messages', 100_000);
const RECOVERY = arg('--recovery', 1_000_000);
const WINDOW = 1000;
const BODY = Buffer.alloc(64, 'x');

function fdatasyncRate(dir: string): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const start = performance.now();
  let n = 0;
  try {
    while (performance.now() - start < 2000) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      n++;
    }
  } finally {
    closeSync(fd);
  }
  return n / ((performance.now() - start) / 1000);
}

/** Publisher (confirm window) and consumer (acks) on one connection; msgs/s end to end. */
async function confirmedRoundTrip(url: string, queue: string, noDelay: boolean): Promise<number> {
  const conn = await amqp.connect(url, { noDelay });
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertQueue(queue, { durable: true });
    await pub.purgeQueue(queue);
    await sub.prefetch(WINDOW);
    let consumed = 0;
    let confirmed = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const check = () => {
      if (consumed === MESSAGES && confirmed === MESSAGES) resolveDone();
    };
    await sub.consume(queue, (m) => {
      if (m === null) return;
      sub.ack(m);
      consumed++;
      check();
    });
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (sent < MESSAGES && sent - confirmed < WINDOW) {
          sent++;
          pub.sendToQueue(queue, BODY, { persistent: true }, (err) => {
            if (err) return reject(err as Error);
            confirmed++;
            check();
            if (sent < MESSAGES && sent - confirmed < WINDOW / 2) pump();
            if (confirmed === MESSAGES) resolve();
          });
        }
      };
      pump();
    });
    await done;
    const rate = MESSAGES / ((performance.now() - start) / 1000);
    await pub.deleteQueue(queue);
    return rate;
  } finally {
    await conn.close();
  }
}

async function recovery(dir: string): Promise<{ ms: number; messages: number; writeRate: number }> {
  const broker = await Broker.open(dir, { consumerTimeout: 0 });
  const ch = broker.connect().openChannel(1, new RecordingSink());
  ch.queueDeclare({ queue: 'r', durable: true });
  const start = performance.now();
  const store = broker.store as FileStore;
  for (let i = 0; i < RECOVERY; i++) {
    ch.basicPublish('', 'r', false, false, { deliveryMode: 2 }, BODY);
    if (i % 10_000 === 9_999) await store.sync();
  }
  await store.sync();
  const writeRate = RECOVERY / ((performance.now() - start) / 1000);
  await broker.shutdown();
  const t0 = performance.now();
  const again = await Broker.open(dir);
  const ms = performance.now() - t0;
  console.log(
    `  (${store.flushes} fdatasyncs while writing; RSS after recovery ${Math.round(process.memoryUsage().rss / 1048576)} MiB)`,
  );
  const messages = again.vhost('/')!.queues.get('r')!.messageCount;
  await again.shutdown();
  return { ms, messages, writeRate };
}

const dir = mkdtempSync(join(tmpdir(), 'warren-persist-bench-'));
let proc: Awaited<ReturnType<typeof startBrokerProcess>> | undefined;
try {
  const fsyncs = fdatasyncRate(dir);
  console.log(`fdatasync rate (4 KB append + fdatasync): ${Math.round(fsyncs).toLocaleString()} flushes/s`);
  // Both brokers with the same client, twice: TCP_NODELAY on (as Warren's own transport
  // connects) and amqplib's default (Nagle: its publishes then wait for the server's
  // delayed ACK of its previous small write whenever the confirms arrive before its acks).
  proc = await startBrokerProcess(join(dir, 'server'));
  for (const noDelay of [true, false]) {
    const label = noDelay ? 'noDelay' : 'Nagle (amqplib default)';
    const warren = await confirmedRoundTrip(proc.url, `bench.persist.${noDelay}`, noDelay);
    console.log(
      `[${label}] Warren server: ${Math.round(warren).toLocaleString()} msgs/s persistent, confirmed after fdatasync (${MESSAGES} msgs, window ${WINDOW})`,
    );
    try {
      const rabbit = await confirmedRoundTrip(
        'amqp://guest:guest@127.0.0.1:5672',
        'warren.bench.persist',
        noDelay,
      );
      console.log(
        `[${label}] RabbitMQ:      ${Math.round(rabbit).toLocaleString()} msgs/s; Warren/RabbitMQ = ${(warren / rabbit).toFixed(2)}×`,
      );
    } catch (e) {
      console.log(`RabbitMQ at 127.0.0.1:5672 not reachable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  await kill9(proc);
  const r = await recovery(join(dir, 'recovery'));
  console.log(
    `recovery of ${r.messages.toLocaleString()} persistent messages: ${Math.round(r.ms)} ms (written at ${Math.round(r.writeRate).toLocaleString()} msgs/s in-process)`,
  );
} finally {
  await kill9(proc);
  rmSync(dir, { recursive: true, force: true });
}
