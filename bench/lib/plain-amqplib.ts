// Plain amqplib doing the framework's work by hand, the yardstick for the framework over AMQP:
// - tasks: a durable queue; JSON bodies published persistent + mandatory with a message id on a
//   confirm channel (`window` awaiting their confirm); a consumer at the framework's prefetch
//   for that concurrency (max(DEFAULT_PREFETCH, concurrency)) that parses the JSON and acks;
// - RPC: direct reply-to; the caller publishes a JSON request (reply-to, correlation id) and
//   matches replies by correlation id; the server parses, replies with sendToQueue, acks.
// Producer/caller and consumer/server share one process, as the framework's app does.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { DEFAULT_PREFETCH } from '../../src/framework/defaults.js';
import { produceAndDrain, rpcLoad, uniqueName, type RpcResult, type TaskResult } from './framework-stats.js';
import type { RpcScenario, TaskScenario } from './framework-warren.js';

const REPLY_TO = 'amq.rabbitmq.reply-to';

export async function plainTasks(url: string, s: TaskScenario): Promise<TaskResult> {
  const queue = uniqueName(`plain-task-c${s.concurrency}`);
  const conn = await amqp.connect(url, { noDelay: true });
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertQueue(queue, { durable: true });
    await sub.prefetch(Math.max(DEFAULT_PREFETCH, s.concurrency));
    let handled = 0;
    await sub.consume(queue, (m: ConsumeMessage | null) => {
      if (m === null) return;
      JSON.parse(m.content.toString());
      handled++;
      sub.ack(m);
    });
    const enqueue = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const body = Buffer.from(JSON.stringify({ n: 1 }));
        const options = {
          persistent: true,
          mandatory: true,
          messageId: randomUUID(),
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
        };
        pub.publish('', queue, body, options, (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error('publish nacked')) : resolve(),
        );
      });
    const result = await produceAndDrain(enqueue, () => handled, s);
    await pub.deleteQueue(queue);
    return result;
  } finally {
    await conn.close();
  }
}

export async function plainRpc(url: string, opts: RpcScenario): Promise<RpcResult> {
  const queue = uniqueName('plain-rpc');
  const conn = await amqp.connect(url, { noDelay: true });
  try {
    const server = await conn.createChannel();
    const client = await conn.createChannel();
    await server.assertQueue(queue, { durable: false, autoDelete: true });
    await server.prefetch(opts.inFlight);
    await server.consume(queue, (m: ConsumeMessage | null) => {
      if (m === null) return;
      const request: unknown = JSON.parse(m.content.toString());
      server.sendToQueue(m.properties.replyTo as string, Buffer.from(JSON.stringify(request)), {
        correlationId: m.properties.correlationId as string,
        contentType: 'application/json',
      });
      server.ack(m);
    });
    const pending = new Map<string, (value: unknown) => void>();
    await client.consume(
      REPLY_TO,
      (m: ConsumeMessage | null) => {
        if (m === null) return;
        const resolve = pending.get(m.properties.correlationId as string);
        if (resolve === undefined) return;
        pending.delete(m.properties.correlationId as string);
        resolve(JSON.parse(m.content.toString()));
      },
      { noAck: true },
    );
    const call = (): Promise<unknown> =>
      new Promise((resolve) => {
        const correlationId = randomUUID();
        pending.set(correlationId, resolve);
        client.sendToQueue(queue, Buffer.from(JSON.stringify({ n: 1 })), {
          correlationId,
          replyTo: REPLY_TO,
          contentType: 'application/json',
        });
      });
    return await rpcLoad(call, opts);
  } finally {
    await conn.close();
  }
}
