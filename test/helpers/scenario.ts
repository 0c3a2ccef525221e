// Scripted AMQP operations over interchangeable backends, for differential tests: the
// engine (direct calls) and amqplib against a URL (RabbitMQ today, Warren's TCP server
// later). Observations are plain data: delivered bodies in order, redelivered flags,
// message counts, error reply codes.
import amqp from 'amqplib';
import type { Broker } from '../../src/broker/broker.js';
import type { EngineChannel } from '../../src/broker/channel/channel.js';
import type { EngineConnection } from '../../src/broker/connection.js';
import type { FieldTable } from '../../src/protocol/field-value.js';
import { RecordingSink } from './engine.js';

export interface Seen {
  body: string;
  redelivered: boolean;
  deliveryTag: number;
  consumerTag: string;
}

export interface QueueOpts {
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  arguments?: FieldTable;
  passive?: boolean;
}

export interface ScenarioChannel {
  readonly deliveries: Seen[];
  declareQueue(
    name: string,
    opts?: QueueOpts,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }>;
  declareExchange(
    name: string,
    type: string,
    opts?: { autoDelete?: boolean; durable?: boolean; internal?: boolean; arguments?: FieldTable },
  ): Promise<void>;
  bindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void>;
  bindExchange(dest: string, source: string, routingKey: string, args?: FieldTable): Promise<void>;
  publish(
    exchange: string,
    routingKey: string,
    body: string,
    props?: { headers?: FieldTable; priority?: number; expiration?: string },
  ): Promise<void>;
  get(
    queue: string,
    noAck?: boolean,
  ): Promise<{ body: string; redelivered: boolean; deliveryTag: number; messageCount: number } | null>;
  consume(
    queue: string,
    opts?: { noAck?: boolean; exclusive?: boolean; consumerTag?: string },
  ): Promise<string>;
  qos(prefetch: number, global?: boolean): Promise<void>;
  ack(tag: number, multiple?: boolean): Promise<void>;
  nack(tag: number, multiple?: boolean, requeue?: boolean): Promise<void>;
  reject(tag: number, requeue?: boolean): Promise<void>;
  recover(): Promise<void>;
  cancel(tag: string): Promise<void>;
  purge(queue: string): Promise<number>;
  deleteQueue(queue: string, opts?: { ifUnused?: boolean; ifEmpty?: boolean }): Promise<number>;
  deleteExchange(name: string): Promise<void>;
  /** Waits until at least `n` deliveries arrived (or a short quiet period passes). */
  waitDeliveries(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface ScenarioConnection {
  channel(): Promise<ScenarioChannel>;
  close(): Promise<void>;
}

export interface ScenarioBackend {
  readonly name: string;
  connect(): Promise<ScenarioConnection>;
}

/** Runs `op` and returns the reply code it failed with, or 0. */
export async function codeOf(op: () => Promise<unknown>): Promise<number> {
  try {
    await op();
    return 0;
  } catch (e) {
    const err = e as { replyCode?: number; code?: number };
    return err.replyCode ?? err.code ?? -1;
  }
}

// ---- engine backend ----

class EngineScenarioChannel implements ScenarioChannel {
  readonly sink = new RecordingSink();
  constructor(readonly ch: (sink: RecordingSink) => EngineChannel) {
    this.channel = ch(this.sink);
  }
  private readonly channel: EngineChannel;
  get deliveries(): Seen[] {
    return this.sink.deliveries.map((d) => ({
      body: d.body,
      redelivered: d.redelivered,
      deliveryTag: d.deliveryTag,
      consumerTag: d.consumerTag,
    }));
  }
  private async call<T>(fn: () => T): Promise<T> {
    await Promise.resolve();
    return fn();
  }
  declareQueue(name: string, o: QueueOpts = {}) {
    return this.call(() => this.channel.queueDeclare({ queue: name, ...o }));
  }
  declareExchange(
    name: string,
    type: string,
    o: { autoDelete?: boolean; durable?: boolean; internal?: boolean; arguments?: FieldTable } = {},
  ) {
    return this.call(() => this.channel.exchangeDeclare({ exchange: name, type, ...o }));
  }
  bindQueue(queue: string, exchange: string, routingKey: string, args: FieldTable = {}) {
    return this.call(() => this.channel.queueBind({ queue, exchange, routingKey, arguments: args }));
  }
  bindExchange(destination: string, source: string, routingKey: string, args: FieldTable = {}) {
    return this.call(() => this.channel.exchangeBind({ destination, source, routingKey, arguments: args }));
  }
  publish(exchange: string, routingKey: string, body: string, props = {}) {
    return this.call(() =>
      this.channel.basicPublish(exchange, routingKey, false, false, props, Buffer.from(body)),
    );
  }
  get(queue: string, noAck = false) {
    return this.call(() => {
      const r = this.channel.basicGet(queue, noAck);
      return r === null
        ? null
        : {
            body: r.message.body.toString(),
            redelivered: r.redelivered,
            deliveryTag: r.deliveryTag,
            messageCount: r.messageCount,
          };
    });
  }
  consume(queue: string, o: { noAck?: boolean; exclusive?: boolean; consumerTag?: string } = {}) {
    return this.call(() => this.channel.basicConsume({ queue, ...o }));
  }
  qos(prefetchCount: number, global = false) {
    return this.call(() => this.channel.basicQos({ prefetchCount, global }));
  }
  ack(tag: number, multiple = false) {
    return this.call(() => this.channel.basicAck(tag, multiple));
  }
  nack(tag: number, multiple = false, requeue = true) {
    return this.call(() => this.channel.basicNack(tag, multiple, requeue));
  }
  reject(tag: number, requeue = true) {
    return this.call(() => this.channel.basicReject(tag, requeue));
  }
  recover() {
    return this.call(() => this.channel.basicRecover(true));
  }
  cancel(tag: string) {
    return this.call(() => void this.channel.basicCancel(tag));
  }
  purge(queue: string) {
    return this.call(() => this.channel.queuePurge(queue));
  }
  deleteQueue(queue: string, o: { ifUnused?: boolean; ifEmpty?: boolean } = {}) {
    return this.call(() => this.channel.queueDelete({ queue, ...o }));
  }
  deleteExchange(exchange: string) {
    return this.call(() => this.channel.exchangeDelete({ exchange }));
  }
  async waitDeliveries(): Promise<void> {}
  close() {
    return this.call(() => this.channel.close());
  }
}

export function engineBackend(broker: Broker): ScenarioBackend {
  return {
    name: 'engine',
    connect(): Promise<ScenarioConnection> {
      const conn: EngineConnection = broker.connect();
      let next = 1;
      return Promise.resolve({
        channel: () => Promise.resolve(new EngineScenarioChannel((sink) => conn.openChannel(next++, sink))),
        close: () => Promise.resolve(conn.close()),
      });
    },
  };
}

// ---- amqplib backend ----

class AmqplibScenarioChannel implements ScenarioChannel {
  readonly deliveries: Seen[] = [];
  private failure: Error | null = null;
  constructor(private readonly ch: amqp.Channel) {
    ch.on('error', (e: Error) => {
      this.failure = e;
    });
  }
  private async call<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.failure !== null) throw this.failure;
    return await fn();
  }
  async declareQueue(name: string, o: QueueOpts = {}) {
    const r =
      o.passive === true
        ? await this.call(() => this.ch.checkQueue(name))
        : await this.call(() => this.ch.assertQueue(name, { durable: false, ...o }));
    return { queue: r.queue, messageCount: r.messageCount, consumerCount: r.consumerCount };
  }
  async declareExchange(
    name: string,
    type: string,
    o: { autoDelete?: boolean; durable?: boolean; internal?: boolean; arguments?: FieldTable } = {},
  ) {
    await this.call(() => this.ch.assertExchange(name, type, { durable: false, ...o }));
  }
  async bindQueue(queue: string, exchange: string, routingKey: string, args: FieldTable = {}) {
    await this.call(() => this.ch.bindQueue(queue, exchange, routingKey, args));
  }
  async bindExchange(dest: string, source: string, routingKey: string, args: FieldTable = {}) {
    await this.call(() => this.ch.bindExchange(dest, source, routingKey, args));
  }
  async publish(exchange: string, routingKey: string, body: string, props = {}) {
    await this.call(() => this.ch.publish(exchange, routingKey, Buffer.from(body), props));
  }
  async get(queue: string, noAck = false) {
    const m = await this.call(() => this.ch.get(queue, { noAck }));
    if (m === false) return null;
    return {
      body: m.content.toString(),
      redelivered: m.fields.redelivered,
      deliveryTag: m.fields.deliveryTag,
      messageCount: m.fields.messageCount ?? 0,
    };
  }
  async consume(queue: string, o: { noAck?: boolean; exclusive?: boolean; consumerTag?: string } = {}) {
    const r = await this.call(() =>
      this.ch.consume(
        queue,
        (m) => {
          if (m !== null)
            this.deliveries.push({
              body: m.content.toString(),
              redelivered: m.fields.redelivered,
              deliveryTag: m.fields.deliveryTag,
              consumerTag: m.fields.consumerTag,
            });
        },
        o,
      ),
    );
    return r.consumerTag;
  }
  async qos(n: number, global = false) {
    await this.call(() => this.ch.prefetch(n, global));
  }
  private fake(tag: number) {
    return { fields: { deliveryTag: tag } } as unknown as amqp.Message;
  }
  async ack(tag: number, multiple = false) {
    await this.call(() => this.ch.ack(this.fake(tag), multiple));
  }
  async nack(tag: number, multiple = false, requeue = true) {
    await this.call(() => this.ch.nack(this.fake(tag), multiple, requeue));
  }
  async reject(tag: number, requeue = true) {
    await this.call(() => this.ch.reject(this.fake(tag), requeue));
  }
  async recover() {
    await this.call(() => this.ch.recover());
  }
  async cancel(tag: string) {
    await this.call(() => this.ch.cancel(tag));
  }
  async purge(queue: string) {
    return (await this.call(() => this.ch.purgeQueue(queue))).messageCount;
  }
  async deleteQueue(queue: string, o: { ifUnused?: boolean; ifEmpty?: boolean } = {}) {
    return (await this.call(() => this.ch.deleteQueue(queue, o))).messageCount;
  }
  async deleteExchange(name: string) {
    await this.call(() => this.ch.deleteExchange(name));
  }
  async waitDeliveries(n: number): Promise<void> {
    const deadline = Date.now() + 2000;
    let quiet = 0;
    while (Date.now() < deadline) {
      const before = this.deliveries.length;
      await new Promise((r) => setTimeout(r, 20));
      if (this.deliveries.length >= n && this.deliveries.length === before && ++quiet >= 3) return;
      if (this.deliveries.length !== before) quiet = 0;
    }
  }
  async close() {
    try {
      await this.ch.close();
    } catch {
      /* already closed by an error */
    }
  }
}

export function amqplibBackend(url: string): ScenarioBackend {
  return {
    name: `amqplib ${url}`,
    async connect(): Promise<ScenarioConnection> {
      const conn = await amqp.connect(url, { timeout: 5000 });
      conn.on('error', () => {});
      return {
        channel: async () => new AmqplibScenarioChannel(await conn.createChannel()),
        close: async () => {
          try {
            await conn.close();
          } catch {
            /* already closed */
          }
        },
      };
    },
  };
}
