// Warren's own AMQP client (AmqpTransport) beside amqplib and @cloudamqp/amqp-client against
// the RabbitMQ at 127.0.0.1:5672, same run: confirmed publishes (at most WINDOW unconfirmed,
// 16 B bodies, transient, non-durable queue) then consume-with-ack at prefetch 100. Prints
// msgs/s per client and the ratios.
import { randomBytes } from 'node:crypto';
import * as amqplib from 'amqplib';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { AmqpTransport } from '../src/transports/amqp/index.js';

const URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = Number(process.env['BENCH_N'] ?? 50_000);
const WINDOW = 500;
const PREFETCH = 100;
const body = Buffer.alloc(16);

interface Result {
  publish: number;
  consume: number;
}

/** Runs `publishOne` n times with at most WINDOW in flight. */
async function pipelined(n: number, publishOne: () => Promise<unknown>): Promise<void> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      await publishOne();
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
}

function rate(n: number, t0: bigint): number {
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function benchAmqplib(queue: string): Promise<Result> {
  const conn = await amqplib.connect(URL, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: false, autoDelete: false });
  let t0 = process.hrtime.bigint();
  await pipelined(
    N,
    () =>
      new Promise<void>((res, rej) =>
        ch.publish('', queue, body, {}, (err: unknown) =>
          err ? rej(err instanceof Error ? err : new Error('publish failed')) : res(),
        ),
      ),
  );
  const publish = rate(N, t0);
  const cch = await conn.createChannel();
  await cch.prefetch(PREFETCH);
  let got = 0;
  t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void cch.consume(queue, (m) => {
      if (!m) return;
      cch.ack(m);
      if (++got === N) resolve();
    });
  });
  const consume = rate(N, t0);
  await ch.deleteQueue(queue);
  await conn.close();
  return { publish, consume };
}

async function benchCloudamqp(queue: string): Promise<Result> {
  const client = new AMQPClient(URL);
  const conn = await client.connect();
  const ch = await conn.channel();
  await ch.confirmSelect();
  await ch.queueDeclare(queue, { durable: false, autoDelete: false });
  let t0 = process.hrtime.bigint();
  await pipelined(N, () => ch.basicPublish('', queue, body));
  const publish = rate(N, t0);
  const cch = await conn.channel();
  await cch.basicQos(PREFETCH);
  let got = 0;
  t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void cch.basicConsume(queue, { noAck: false }, (m) => {
      void m.ack();
      if (++got === N) resolve();
    });
  });
  const consume = rate(N, t0);
  await ch.queueDelete(queue);
  await conn.close();
  return { publish, consume };
}

async function benchTransport(queue: string): Promise<Result> {
  const t = new AmqpTransport(URL, { reconnect: false });
  await t.connect();
  const ch = await t.createChannel();
  await ch.assertQueue(queue, { durable: false });
  let t0 = process.hrtime.bigint();
  await pipelined(N, () => ch.publish('', queue, body));
  const publish = rate(N, t0);
  const cch = await t.createChannel();
  await cch.prefetch(PREFETCH);
  let got = 0;
  t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void cch.consume(queue, (m) => {
      cch.ack(m);
      if (++got === N) resolve();
    });
  });
  const consume = rate(N, t0);
  await ch.deleteQueue(queue);
  await t.close();
  return { publish, consume };
}

function best(results: Result[]): Result {
  return {
    publish: Math.max(...results.map((r) => r.publish)),
    consume: Math.max(...results.map((r) => r.consume)),
  };
}

const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US')} msgs/s`;

async function main(): Promise<void> {
  const runs: Record<'amqplib' | 'cloudamqp' | 'transport', Result[]> = {
    amqplib: [],
    cloudamqp: [],
    transport: [],
  };
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  for (let round = 0; round < rounds; round++) {
    const q = (label: string): string => `bench.${label}.${randomBytes(4).toString('hex')}`;
    // Alternate the order so neither library always runs on a warmer broker.
    const order =
      round % 2 === 0 ? ['transport', 'amqplib', 'cloudamqp'] : ['cloudamqp', 'amqplib', 'transport'];
    for (const lib of order) {
      if (lib === 'amqplib') runs.amqplib.push(await benchAmqplib(q(lib)));
      else if (lib === 'cloudamqp') runs.cloudamqp.push(await benchCloudamqp(q(lib)));
      else runs.transport.push(await benchTransport(q(lib)));
    }
  }
  const a = best(runs.amqplib);
  const c = best(runs.cloudamqp);
  const w = best(runs.transport);
  console.log(
    `RabbitMQ ${URL.replace(/\/\/.*@/, '//')}, ${N} msgs × 16 B, window ${WINDOW}, prefetch ${PREFETCH}, best of ${rounds}`,
  );
  console.log(`amqplib 2.3.1           publish+confirm ${fmt(a.publish)}   consume+ack ${fmt(a.consume)}`);
  console.log(`@cloudamqp/amqp-client  publish+confirm ${fmt(c.publish)}   consume+ack ${fmt(c.consume)}`);
  console.log(`Warren AmqpTransport    publish+confirm ${fmt(w.publish)}   consume+ack ${fmt(w.consume)}`);
  console.log(
    `ratio amqplib / cloudamqp: publish ${(a.publish / c.publish).toFixed(2)}×, consume ${(a.consume / c.consume).toFixed(2)}×`,
  );
  console.log(
    `ratio AmqpTransport / amqplib: publish ${(w.publish / a.publish).toFixed(2)}×, consume ${(w.consume / a.consume).toFixed(2)}×`,
  );
}

await main();
