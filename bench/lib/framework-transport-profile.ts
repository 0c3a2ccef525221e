// Focused load for profiling Warren's AmqpTransport against raw amqplib: N confirmed publishes
// (WINDOW in flight) then consume + ack at prefetch 100, against WARREN_RABBITMQ_URL (default
// the RabbitMQ at 5672). Prints msgs/s and the client's CPU per message, which is what the
// adapter adds (throughput alone is dominated by the broker sharing the CPUs). Profile with
//   node --cpu-prof --import tsx bench/lib/framework-transport-profile.ts
// MODE=raw runs amqplib directly; TRANSPORT_MODULE=<path> loads another AmqpTransport build.
import { randomBytes } from 'node:crypto';
import * as amqplib from 'amqplib';
import type * as AmqpIndex from '../../src/transports/amqp/index.js';
import type { TransportChannel } from '../../src/transports/transport.js';

type AmqpModule = typeof AmqpIndex;

const URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = Number(process.env['BENCH_N'] ?? 200_000);
const MODE = process.env['MODE'] ?? 'transport';
const WINDOW = 500;
const body = Buffer.alloc(16);

interface Phase {
  rate: number;
  cpuUsPerMsg: number;
}

async function measure(n: number, run: () => Promise<void>): Promise<Phase> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / seconds, cpuUsPerMsg: (cpu.user + cpu.system) / n };
}

async function lanes(publishOne: () => Promise<void>): Promise<void> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < N) {
      sent++;
      await publishOne();
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
}

async function viaTransport(queue: string): Promise<Phase[]> {
  const path = process.env['TRANSPORT_MODULE'] ?? '../../src/transports/amqp/index.js';
  const mod = (await import(path)) as AmqpModule;
  const t = new mod.AmqpTransport(URL, { reconnect: false });
  await t.connect();
  const ch: TransportChannel = await t.createChannel();
  await ch.assertQueue(queue, { durable: false });
  const pub = await measure(N, () => lanes(() => ch.publish('', queue, body)));
  const cch = await t.createChannel();
  await cch.prefetch(100);
  let got = 0;
  const con = await measure(
    N,
    () =>
      new Promise<void>((resolve) => {
        void cch.consume(queue, (m) => {
          cch.ack(m);
          if (++got === N) resolve();
        });
      }),
  );
  await ch.deleteQueue(queue);
  await t.close();
  return [pub, con];
}

async function viaAmqplib(queue: string): Promise<Phase[]> {
  const conn = await amqplib.connect(URL, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: false });
  const publishOne = (): Promise<void> =>
    new Promise<void>((res, rej) =>
      ch.publish('', queue, body, {}, (err: unknown) => (err ? rej(new Error('nacked')) : res())),
    );
  const pub = await measure(N, () => lanes(publishOne));
  const cch = await conn.createConfirmChannel();
  await cch.prefetch(100);
  let got = 0;
  const con = await measure(
    N,
    () =>
      new Promise<void>((resolve) => {
        void cch.consume(queue, (m) => {
          if (!m) return;
          cch.ack(m);
          if (++got === N) resolve();
        });
      }),
  );
  await ch.deleteQueue(queue);
  await conn.close();
  return [pub, con];
}

const queue = `bench.profile.${randomBytes(4).toString('hex')}`;
const [pub, con] = MODE === 'raw' ? await viaAmqplib(queue) : await viaTransport(queue);
const fmt = (p: Phase | undefined): string =>
  p ? `${Math.round(p.rate)} msgs/s, ${p.cpuUsPerMsg.toFixed(1)} µs CPU/msg` : '-';
console.log(JSON.stringify({ mode: MODE, module: process.env['TRANSPORT_MODULE'] ?? 'current' }));
console.log(`publish+confirm ${fmt(pub)}`);
console.log(`consume+ack     ${fmt(con)}`);
