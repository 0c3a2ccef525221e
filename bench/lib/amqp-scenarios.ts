// Client-side AMQP benchmark scenarios, run with amqplib (noDelay: true) against any broker URL,
// so Warren's server and RabbitMQ are measured by the same code in the same run. Each scenario
// is time-bounded: it publishes for `seconds`, then waits (bounded) for the consumers to drain.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';

export interface ThroughputResult {
  /** Messages (or deliveries, for fanout) per second, end to end. */
  rate: number;
  delivered: number;
  seconds: number;
}

export interface RpcLatencyResult {
  p50us: number;
  p99us: number;
  calls: number;
}

export interface RpcThroughputResult {
  callsPerSecond: number;
  calls: number;
}

/** Publisher back-pressure bound: never more than this many messages published but not delivered. */
const MAX_IN_FLIGHT = 20_000;
const DRAIN_TIMEOUT_MS = 10_000;
const RPC_TIMEOUT_MS = 10_000;

export function connect(url: string): Promise<ChannelModel> {
  return amqp.connect(url, { noDelay: true });
}

function unique(tag: string): string {
  return `warren-bench-${tag}-${randomBytes(4).toString('hex')}`;
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    const poll = (): void => {
      if (check()) resolve(true);
      else if (performance.now() > deadline) resolve(false);
      else setTimeout(poll, 1);
    };
    poll();
  });
}

/** Waits for a channel's 'drain' (write buffer emptied), at most 1 s. */
function drained(ch: Channel): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, 1_000);
    function done(): void {
      clearTimeout(timer);
      ch.removeListener('drain', done);
      resolve();
    }
    ch.once('drain', done);
  });
}

/**
 * Publishes `body` to exchange/routingKey until `seconds` have passed, keeping at most
 * MAX_IN_FLIGHT undelivered (counted by `delivered()` / `copies`).
 */
async function pump(
  ch: Channel,
  exchange: string,
  routingKey: string,
  body: Buffer,
  seconds: number,
  delivered: () => number,
  copies = 1,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let sent = 0;
  while (performance.now() < deadline) {
    let batch = 0;
    while (batch < 256 && sent - delivered() / copies < MAX_IN_FLIGHT) {
      sent++;
      batch++;
      if (!ch.publish(exchange, routingKey, body)) {
        await drained(ch);
        break;
      }
    }
    await yieldToIo();
  }
  return sent;
}

export interface QueueThroughputOptions {
  bodySize: number;
  seconds: number;
  /** undefined: auto-ack (noAck) consumer; a number: manual ack with this prefetch. */
  prefetch?: number;
}

/** One publisher connection → one queue → one consumer connection. */
export async function queueThroughput(
  url: string,
  options: QueueThroughputOptions,
): Promise<ThroughputResult> {
  const pubConn = await connect(url);
  const subConn = await connect(url);
  try {
    const pub = await pubConn.createChannel();
    const sub = await subConn.createChannel();
    const queue = unique('q');
    await sub.assertQueue(queue, { durable: false, autoDelete: true });
    const noAck = options.prefetch === undefined;
    if (!noAck) await sub.prefetch(options.prefetch!);
    let delivered = 0;
    let last = 0;
    await sub.consume(
      queue,
      (msg: ConsumeMessage | null) => {
        if (msg === null) return;
        delivered++;
        last = performance.now();
        if (!noAck) sub.ack(msg);
      },
      { noAck },
    );
    const body = Buffer.alloc(options.bodySize, 'x');
    const start = performance.now();
    const sent = await pump(pub, '', queue, body, options.seconds, () => delivered);
    await waitFor(() => delivered >= sent, DRAIN_TIMEOUT_MS);
    const seconds = (last - start) / 1000;
    await sub.deleteQueue(queue);
    return { rate: delivered / seconds, delivered, seconds };
  } finally {
    await pubConn.close();
    await subConn.close();
  }
}

/** One publisher → a fanout exchange → `queues` queues, each with its own auto-ack consumer. */
export async function fanoutThroughput(
  url: string,
  options: { queues: number; bodySize: number; seconds: number },
): Promise<ThroughputResult> {
  const pubConn = await connect(url);
  const subConn = await connect(url);
  try {
    const pub = await pubConn.createChannel();
    const exchange = unique('fanout');
    await pub.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
    let delivered = 0;
    let last = 0;
    const subs: Channel[] = [];
    for (let i = 0; i < options.queues; i++) {
      const sub = await subConn.createChannel();
      const { queue } = await sub.assertQueue('', { exclusive: true });
      await sub.bindQueue(queue, exchange, '');
      await sub.consume(
        queue,
        (msg) => {
          if (msg === null) return;
          delivered++;
          last = performance.now();
        },
        { noAck: true },
      );
      subs.push(sub);
    }
    const body = Buffer.alloc(options.bodySize, 'x');
    const start = performance.now();
    const sent = await pump(pub, exchange, '', body, options.seconds, () => delivered, options.queues);
    await waitFor(() => delivered >= sent * options.queues, DRAIN_TIMEOUT_MS);
    const seconds = (last - start) / 1000;
    await pub.deleteExchange(exchange);
    return { rate: delivered / seconds, delivered, seconds };
  } finally {
    await pubConn.close();
    await subConn.close();
  }
}

interface RpcPair {
  call(body: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * An RPC server (its own connection: consume the request queue, publish the body back to
 * reply_to with the same correlation_id) and a client with an exclusive reply queue.
 */
async function rpcPair(url: string): Promise<RpcPair> {
  const serverConn = await connect(url);
  const clientConn = await connect(url);
  const server = await serverConn.createChannel();
  const requests = unique('rpc');
  await server.assertQueue(requests, { durable: false, autoDelete: true });
  await server.prefetch(200);
  await server.consume(requests, (msg) => {
    if (msg === null) return;
    server.publish('', msg.properties.replyTo as string, msg.content, {
      correlationId: msg.properties.correlationId as string,
    });
    server.ack(msg);
  });
  const client = await clientConn.createChannel();
  const { queue: replies } = await client.assertQueue('', { exclusive: true });
  const pending = new Map<string, (body: Buffer) => void>();
  await client.consume(
    replies,
    (msg) => {
      if (msg === null) return;
      const id = msg.properties.correlationId as string;
      const resolve = pending.get(id);
      pending.delete(id);
      resolve?.(msg.content);
    },
    { noAck: true },
  );
  let next = 0;
  return {
    call(body: Buffer): Promise<Buffer> {
      const id = String(next++);
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`RPC ${id}: no reply within ${RPC_TIMEOUT_MS} ms`));
        }, RPC_TIMEOUT_MS);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        client.publish('', requests, body, { replyTo: replies, correlationId: id });
      });
    },
    async close(): Promise<void> {
      await server.deleteQueue(requests);
      await clientConn.close();
      await serverConn.close();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One call at a time for `seconds`: round-trip latency percentiles. */
export async function rpcSequential(url: string, seconds: number): Promise<RpcLatencyResult> {
  const rpc = await rpcPair(url);
  try {
    const body = Buffer.from('ping');
    const samples: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await rpc.call(body);
      samples.push((performance.now() - t0) * 1000);
    }
    samples.sort((a, b) => a - b);
    return { p50us: percentile(samples, 50), p99us: percentile(samples, 99), calls: samples.length };
  } finally {
    await rpc.close();
  }
}

/** `inFlight` concurrent callers for `seconds`: completed calls per second. */
export async function rpcConcurrent(
  url: string,
  seconds: number,
  inFlight: number,
): Promise<RpcThroughputResult> {
  const rpc = await rpcPair(url);
  try {
    const body = Buffer.from('ping');
    let calls = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const caller = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await rpc.call(body);
        calls++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, caller));
    return { callsPerSecond: calls / ((performance.now() - start) / 1000), calls };
  } finally {
    await rpc.close();
  }
}

/** The broker's product/version from connection.start's server-properties. */
export async function serverInfo(url: string): Promise<string> {
  const conn = await connect(url);
  try {
    const p = conn.connection.serverProperties;
    return `${p.product} ${p.version}`;
  } finally {
    await conn.close();
  }
}
