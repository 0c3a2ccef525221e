/**
 * TransportChannel over an amqplib ConfirmChannel: a thin adapter. Publishes settle on the
 * broker's confirm (nack → PublishNackedError, returned mandatory message →
 * MessageReturnedError); on a channel opened without confirms they resolve once handed to
 * amqplib (after 'drain' when it is backed up) and returns are 'return' events; broker closes surface as ChannelError / ConnectionError with the
 * close's reply code, and operations on a dead channel reject with TransportClosedError.
 * ack/nack on a dead channel are no-ops: the broker already requeued those deliveries.
 */
import { EventEmitter } from 'node:events';
import type { Channel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import type { FieldTable } from '../../protocol/field-value.js';
import { MessageReturnedError, PublishNackedError, TransportClosedError } from '../errors.js';
import type {
  AssertExchangeOptions,
  AssertQueueOptions,
  AssertQueueResult,
  ConsumeOptions,
  DeleteQueueOptions,
  ExchangeType,
  PublishProperties,
  TransportChannel,
  TransportChannelEvents,
  TransportMessage,
} from '../transport.js';
import { asPublishOptions, mapAmqpError, str, toAmqplibRef, toTransportMessage } from './convert.js';
import { directPublisher, type DirectPublish } from './publish-fields.js';
import { ReturnTracker } from './return-tracker.js';

const RESOLVED: Promise<void> = Promise.resolve();

export class AmqpChannel implements TransportChannel {
  readonly #ch: ConfirmChannel;
  readonly #confirms: boolean;
  readonly #events = new EventEmitter();
  readonly #returns = new ReturnTracker();
  readonly #cancelHandlers = new Map<string, (tag: string) => void>();
  #closeError: Error | undefined;
  #closed = false;
  #drain: Promise<void> | undefined;
  /** Publishes without amqplib's prototype-chained headers copy (publish-fields.ts), if it can. */
  readonly #direct: DirectPublish | undefined;

  /** `confirms` false: `ch` is a plain amqplib Channel (no confirm.select). */
  constructor(ch: ConfirmChannel | Channel, confirms = true) {
    // A plain Channel has the same publish(); only the confirm callback is never called.
    this.#ch = ch as ConfirmChannel;
    this.#confirms = confirms;
    this.#direct = directPublisher(ch, confirms);
    ch.on('error', (err: Error) => {
      this.#closeError = mapAmqpError(err);
    });
    ch.on('close', () => {
      this.#closed = true;
      this.#events.emit('close', this.#closeError);
    });
    ch.on('return', (msg: Message) => this.#onReturn(msg));
    ch.on('drain', () => {
      this.#drain = undefined;
    });
    ch.on('cancel', (fields: { consumerTag: string }) => {
      const handler = this.#cancelHandlers.get(fields.consumerTag);
      this.#cancelHandlers.delete(fields.consumerTag);
      handler?.(fields.consumerTag);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async assertExchange(name: string, type: ExchangeType, options: AssertExchangeOptions = {}): Promise<void> {
    await this.#op(() => this.#ch.assertExchange(name, type, options));
  }

  async checkExchange(name: string): Promise<void> {
    await this.#op(() => this.#ch.checkExchange(name));
  }

  async deleteExchange(name: string, options: { ifUnused?: boolean } = {}): Promise<void> {
    await this.#op(() => this.#ch.deleteExchange(name, options));
  }

  async assertQueue(name: string, options: AssertQueueOptions = {}): Promise<AssertQueueResult> {
    const ok = await this.#op(() => this.#ch.assertQueue(name, options));
    return { queue: ok.queue, messageCount: ok.messageCount, consumerCount: ok.consumerCount };
  }

  async checkQueue(name: string): Promise<AssertQueueResult> {
    const ok = await this.#op(() => this.#ch.checkQueue(name));
    return { queue: ok.queue, messageCount: ok.messageCount, consumerCount: ok.consumerCount };
  }

  async deleteQueue(name: string, options: DeleteQueueOptions = {}): Promise<number> {
    return (await this.#op(() => this.#ch.deleteQueue(name, options))).messageCount;
  }

  async purgeQueue(name: string): Promise<number> {
    return (await this.#op(() => this.#ch.purgeQueue(name))).messageCount;
  }

  async bindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void> {
    await this.#op(() => this.#ch.bindQueue(queue, exchange, routingKey, args));
  }

  async unbindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void> {
    await this.#op(() => this.#ch.unbindQueue(queue, exchange, routingKey, args));
  }

  async bindExchange(
    destination: string,
    source: string,
    routingKey: string,
    args?: FieldTable,
  ): Promise<void> {
    await this.#op(() => this.#ch.bindExchange(destination, source, routingKey, args));
  }

  async prefetch(count: number, global = false): Promise<void> {
    await this.#op(() => this.#ch.prefetch(count, global));
  }

  publish(exchange: string, routingKey: string, body: Buffer, properties?: PublishProperties): Promise<void> {
    // Not async, and no await when the socket is not backed up: the common path makes one
    // promise and one confirm callback per publish (this is the framework's hottest call).
    if (this.#drain) return this.#drain.then(() => this.#publishNow(exchange, routingKey, body, properties));
    return this.#publishNow(exchange, routingKey, body, properties);
  }

  #publishNow(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties | undefined,
  ): Promise<void> {
    if (this.#closed) {
      return Promise.reject(this.#closeError ?? new TransportClosedError('channel is closed'));
    }
    if (!this.#confirms) return this.#publishUnconfirmed(exchange, routingKey, body, properties);
    if (properties?.mandatory) return this.#publishMandatory(exchange, routingKey, body, properties);
    // The confirm callback is written inline, not bound to a const: under tsx (keepNames) a
    // named closure is wrapped in __name() on every call, which cost more than the rest here.
    return new Promise<void>((resolve, reject) => {
      const sent = this.#send(exchange, routingKey, body, properties, (err: unknown) => {
        if (err) reject(this.#publishError(err, exchange, routingKey));
        else resolve();
      });
      if (sent !== undefined) reject(sent);
    });
  }

  /** No confirm to wait for: settled once amqplib took it (a return is a 'return' event). */
  #publishUnconfirmed(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties | undefined,
  ): Promise<void> {
    try {
      const options = asPublishOptions(properties);
      const direct = this.#direct;
      const ok =
        direct === undefined
          ? this.#ch.publish(exchange, routingKey, body, options)
          : direct(exchange, routingKey, body, options, undefined);
      if (!ok) {
        this.#drain ??= new Promise((r) => this.#ch.once('drain', () => r()));
      }
    } catch (err) {
      return Promise.reject(mapAmqpError(err));
    }
    return RESOLVED;
  }

  #onReturn(msg: Message): void {
    if (this.#confirms) return this.#returns.onReturn(msg);
    const f = msg.fields as unknown as Record<string, unknown>;
    this.#events.emit('return', toTransportMessage(msg), Number(f['replyCode'] ?? 312), str(f['replyText']));
  }

  /** A mandatory publish: its basic.return (if any) arrives before its confirm. */
  #publishMandatory(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties,
  ): Promise<void> {
    const tracked = this.#returns.track(exchange, routingKey, properties.messageId, properties.correlationId);
    return new Promise<void>((resolve, reject) => {
      const onConfirm = (err: unknown): void => {
        this.#returns.settle(tracked);
        if (err) reject(this.#publishError(err, exchange, routingKey));
        else if (tracked.returned) {
          const { replyCode, replyText } = tracked.returned;
          reject(new MessageReturnedError(exchange, routingKey, replyCode, replyText));
        } else resolve();
      };
      const sent = this.#send(exchange, routingKey, body, properties, onConfirm);
      if (sent !== undefined) {
        this.#returns.settle(tracked);
        reject(sent);
      }
    });
  }

  /** Hands one publish to amqplib; returns the mapped error if amqplib threw. */
  #send(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties | undefined,
    onConfirm: (err: unknown) => void,
  ): Error | undefined {
    try {
      const options = asPublishOptions(properties);
      const direct = this.#direct;
      const ok =
        direct === undefined
          ? this.#ch.publish(exchange, routingKey, body, options, onConfirm)
          : direct(exchange, routingKey, body, options, onConfirm);
      if (!ok) this.#drain ??= new Promise((r) => this.#ch.once('drain', () => r()));
      return undefined;
    } catch (err) {
      return mapAmqpError(err);
    }
  }

  async consume(
    queue: string,
    onMessage: (message: TransportMessage) => void,
    options: ConsumeOptions = {},
  ): Promise<string> {
    const { onCancel, ...rest } = options;
    const ok = await this.#op(() =>
      this.#ch.consume(
        queue,
        (msg: ConsumeMessage | null) => {
          if (msg) onMessage(toTransportMessage(msg));
        },
        rest,
      ),
    );
    if (onCancel) this.#cancelHandlers.set(ok.consumerTag, onCancel);
    return ok.consumerTag;
  }

  async cancel(consumerTag: string): Promise<void> {
    this.#cancelHandlers.delete(consumerTag);
    await this.#op(() => this.#ch.cancel(consumerTag));
  }

  ack(message: TransportMessage, allUpTo = false): void {
    if (this.#closed) return;
    try {
      this.#ch.ack(toAmqplibRef(message), allUpTo);
    } catch {
      // The channel died under us; the broker requeues unacked deliveries itself.
    }
  }

  nack(message: TransportMessage, requeue = true, allUpTo = false): void {
    if (this.#closed) return;
    try {
      this.#ch.nack(toAmqplibRef(message), allUpTo, requeue);
    } catch {
      // As for ack: a dead channel's deliveries are requeued by the broker.
    }
  }

  async get(queue: string, options: { noAck?: boolean } = {}): Promise<TransportMessage | null> {
    const msg = await this.#op(() => this.#ch.get(queue, options));
    return msg === false ? null : toTransportMessage(msg);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#ch.close();
    } catch {
      // Already closing or closed: closing is idempotent.
    }
  }

  on<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  async #op<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closeError ?? new TransportClosedError('channel is closed');
    try {
      return await fn();
    } catch (err) {
      throw this.#closeError ?? mapAmqpError(err);
    }
  }

  #publishError(err: unknown, exchange: string, routingKey: string): Error {
    if (err instanceof Error && err.message === 'message nacked') {
      return new PublishNackedError(exchange, routingKey);
    }
    return this.#closeError ?? mapAmqpError(err);
  }
}
