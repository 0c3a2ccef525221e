// The AmqpTransport adapter's own cost, without a broker or a socket: AmqpChannel over a stub
// amqplib ConfirmChannel that confirms on the next microtask and records acks, beside the same
// loop calling the stub directly (what raw amqplib code does around amqplib). Prints ns per
// publish+confirm and per delivery+ack. TRANSPORT_MODULE=<path to amqp/index.ts> measures
// another build of the adapter (e.g. the previous commit's, for before/after).
import { EventEmitter } from 'node:events';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type * as AmqpIndex from '../../src/transports/amqp/index.js';

type AmqpModule = typeof AmqpIndex;

const N = Number(process.env['BENCH_N'] ?? 1_000_000);
const WINDOW = 500;
const body = Buffer.alloc(16);
const props = { contentType: 'application/json', messageId: 'm-1', persistent: true, headers: { a: 1 } };

class StubChannel extends EventEmitter {
  consumer: ((m: ConsumeMessage | null) => void) | undefined;
  acks = 0;
  publish(_e: string, _r: string, _b: Buffer, _o: unknown, cb: (err: unknown) => void): boolean {
    queueMicrotask(() => cb(null));
    return true;
  }
  consume(_q: string, fn: (m: ConsumeMessage | null) => void): Promise<{ consumerTag: string }> {
    this.consumer = fn;
    return Promise.resolve({ consumerTag: 'c' });
  }
  ack(): void {
    this.acks++;
  }
}

function delivery(tag: number): ConsumeMessage {
  return {
    content: body,
    fields: { deliveryTag: tag, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'c' },
    properties: {
      contentType: 'application/json',
      contentEncoding: undefined,
      headers: { a: 1 },
      deliveryMode: 2,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: 'm-1',
      timestamp: undefined,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
    },
  };
}

async function lanes(publishOne: () => Promise<void>): Promise<number> {
  let sent = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (sent < N) {
      sent++;
      await publishOne();
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  return ((performance.now() - t0) * 1e6) / N;
}

function deliverAll(stub: StubChannel, messages: ConsumeMessage[]): number {
  const t0 = performance.now();
  for (const m of messages) stub.consumer?.(m);
  return ((performance.now() - t0) * 1e6) / messages.length;
}

async function adapter(messages: ConsumeMessage[]): Promise<[number, number]> {
  const path = process.env['TRANSPORT_MODULE'] ?? '../../src/transports/amqp/index.js';
  const mod = (await import(path)) as AmqpModule;
  const stub = new StubChannel();
  const ch = new mod.AmqpChannel(stub as unknown as ConfirmChannel);
  const pub = await lanes(() => ch.publish('', 'q', body, props));
  await ch.consume('q', (m) => ch.ack(m));
  return [pub, deliverAll(stub, messages)];
}

async function raw(messages: ConsumeMessage[]): Promise<[number, number]> {
  const stub = new StubChannel();
  const ch = stub as unknown as ConfirmChannel;
  const pub = await lanes(
    () =>
      new Promise<void>((res, rej) =>
        ch.publish('', 'q', body, props, (err: unknown) => (err ? rej(new Error('nack')) : res())),
      ),
  );
  await ch.consume('q', (m) => m && ch.ack(m));
  return [pub, deliverAll(stub, messages)];
}

const messages = Array.from({ length: N }, (_, i) => delivery(i + 1));
const rounds: Record<'raw' | 'adapter', [number, number][]> = { raw: [], adapter: [] };
for (let r = 0; r < 5; r++) {
  rounds.raw.push(await raw(messages));
  rounds.adapter.push(await adapter(messages));
}
const best = (xs: [number, number][], i: 0 | 1): number => Math.min(...xs.map((x) => x[i]));
for (const k of ['raw', 'adapter'] as const) {
  console.log(
    `${k.padEnd(8)} publish+confirm ${best(rounds[k], 0).toFixed(0)} ns   deliver+ack ${best(rounds[k], 1).toFixed(0)} ns`,
  );
}
