/**
 * TransportChannel over an EngineChannel: each method is one synchronous engine call, with
 * the result or the thrown AmqpError turned into a promise. Always in confirm mode.
 *
 * Ordering: consumer callbacks, onCancel notifications, the 'close' event and the
 * resolution of cancel()/close() all go through one FIFO (delivery-queue.ts), so a
 * cancel() or close() resolves only after every delivery the engine made before it was
 * handed to the callback, as on a network connection (RabbitMQ sends cancel-ok / close-ok
 * after in-flight deliveries).
 *
 * Errors: a thrown ChannelError means the engine already closed the channel; a
 * ConnectionError, the connection (reported to the transport, which closes every channel).
 * Once closed, calls reject with the error that closed the channel, or TransportClosedError
 * after a clean close; ack/nack become no-ops (the engine requeued those deliveries).
 * Unconfirmed publishes reject with the same error. A callback that throws does not stop
 * the queue; the error is rethrown asynchronously (an uncaught exception, like a throwing
 * event listener).
 */
import { EventEmitter } from 'node:events';
import type { EngineChannel, EngineConnection } from '../../broker/index.js';
import { ChannelError, ConnectionError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { TransportClosedError } from '../errors.js';
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
import { ConfirmTracker } from './confirm-tracker.js';
import { getMessage, toBasicProperties, toConsumeArgs } from './convert.js';
import { DeliveryQueue } from './delivery-queue.js';
import { EmbeddedSink } from './embedded-sink.js';

/** What a channel needs from its transport. */
export interface ChannelHost {
  channelClosed(channel: EmbeddedChannel): void;
  /** The broker store's sync, if it persists first deliveries (see EmbeddedSink). */
  deliveriesRecorded?: () => Promise<void>;
  /** The engine connection closed (hard error, or behind our back when `error` is absent). */
  connectionFailed(error?: Error): void;
}

interface ConsumerEntry {
  onMessage: (message: TransportMessage) => void;
  onCancel: ((consumerTag: string) => void) | undefined;
}

export class EmbeddedChannel implements TransportChannel {
  readonly #events = new EventEmitter();
  readonly #confirms = new ConfirmTracker();
  readonly #consumers = new Map<string, ConsumerEntry>();
  readonly #queue: DeliveryQueue;
  readonly #engine: EngineChannel;
  readonly #host: ChannelHost;
  readonly #connection: EngineConnection;
  #closed = false;
  #closeError: Error | undefined;

  /** Opens channel `id` on `connection`; throws the engine's ConnectionError if it cannot. */
  constructor(connection: EngineConnection, id: number, host: ChannelHost) {
    this.#host = host;
    this.#connection = connection;
    this.#queue = new DeliveryQueue(
      (tag) => this.#consumers.get(tag)?.onMessage,
      () => this.#engine.resumeDelivery(),
      rethrowAsync,
    );
    const sink = new EmbeddedSink(
      this.#queue,
      this.#confirms,
      {
        serverCancelled: (tag) => this.#serverCancelled(tag),
        engineClosed: (error) => this.shutdown(error),
      },
      host.deliveriesRecorded,
    );
    this.#engine = connection.openChannel(id, sink);
    this.#engine.confirmSelect();
  }

  get closed(): boolean {
    return this.#closed;
  }

  assertExchange(name: string, type: ExchangeType, options: AssertExchangeOptions = {}): Promise<void> {
    return this.#durableCall(() =>
      this.#engine.exchangeDeclare({
        exchange: name,
        type,
        durable: options.durable ?? true,
        autoDelete: options.autoDelete ?? false,
        internal: options.internal ?? false,
        arguments: options.arguments ?? {},
      }),
    );
  }

  checkExchange(name: string): Promise<void> {
    return this.#call(() => this.#engine.exchangeDeclare({ exchange: name, passive: true }));
  }

  deleteExchange(name: string, options: { ifUnused?: boolean } = {}): Promise<void> {
    return this.#durableCall(() =>
      this.#engine.exchangeDelete({ exchange: name, ifUnused: options.ifUnused ?? false }),
    );
  }

  assertQueue(name: string, options: AssertQueueOptions = {}): Promise<AssertQueueResult> {
    return this.#durableCall(() =>
      this.#engine.queueDeclare({
        queue: name,
        durable: options.durable ?? true,
        exclusive: options.exclusive ?? false,
        autoDelete: options.autoDelete ?? false,
        arguments: options.arguments ?? {},
      }),
    );
  }

  checkQueue(name: string): Promise<AssertQueueResult> {
    return this.#call(() => this.#engine.queueDeclare({ queue: name, passive: true }));
  }

  deleteQueue(name: string, options: DeleteQueueOptions = {}): Promise<number> {
    return this.#durableCall(() => this.#engine.queueDelete({ queue: name, ...options }));
  }

  purgeQueue(name: string): Promise<number> {
    return this.#call(() => this.#engine.queuePurge(name));
  }

  bindQueue(queue: string, exchange: string, routingKey: string, args: FieldTable = {}): Promise<void> {
    return this.#durableCall(() => this.#engine.queueBind({ queue, exchange, routingKey, arguments: args }));
  }

  unbindQueue(queue: string, exchange: string, routingKey: string, args: FieldTable = {}): Promise<void> {
    return this.#durableCall(() =>
      this.#engine.queueUnbind({ queue, exchange, routingKey, arguments: args }),
    );
  }

  bindExchange(
    destination: string,
    source: string,
    routingKey: string,
    args: FieldTable = {},
  ): Promise<void> {
    return this.#call(() => this.#engine.exchangeBind({ destination, source, routingKey, arguments: args }));
  }

  prefetch(count: number, global = false): Promise<void> {
    return this.#call(() => this.#engine.basicQos({ prefetchCount: count, global }));
  }

  publish(exchange: string, routingKey: string, body: Buffer, properties?: PublishProperties): Promise<void> {
    if (this.#closed || !this.#engine.open) return this.#rejectClosed();
    const confirms = this.#confirms;
    confirms.begin();
    try {
      const mandatory = properties?.mandatory === true;
      this.#engine.basicPublish(exchange, routingKey, mandatory, false, toBasicProperties(properties), body);
    } catch (e) {
      confirms.abort();
      return Promise.reject(this.#failed(e));
    }
    return confirms.end(exchange, routingKey);
  }

  consume(
    queue: string,
    onMessage: (message: TransportMessage) => void,
    options: ConsumeOptions = {},
  ): Promise<string> {
    return this.#call(() => {
      // Deliveries the engine makes inside basicConsume are queued and looked up by tag
      // only when the queue runs, after this registration.
      const tag = this.#engine.basicConsume(toConsumeArgs(queue, options));
      this.#consumers.set(tag, { onMessage, onCancel: options.onCancel });
      return tag;
    });
  }

  cancel(consumerTag: string): Promise<void> {
    if (this.#closed || !this.#engine.open) return this.#rejectClosed();
    try {
      this.#engine.basicCancel(consumerTag);
    } catch (e) {
      return Promise.reject(this.#failed(e));
    }
    const entry = this.#consumers.get(consumerTag);
    return new Promise((resolve) =>
      this.#queue.control(() => {
        if (this.#consumers.get(consumerTag) === entry) this.#consumers.delete(consumerTag);
        resolve();
      }),
    );
  }

  ack(message: TransportMessage, allUpTo = false): void {
    if (this.#closed || !this.#engine.open) return;
    try {
      this.#engine.basicAck(message.fields.deliveryTag, allUpTo);
    } catch (e) {
      this.#failed(e);
    }
  }

  nack(message: TransportMessage, requeue = true, allUpTo = false): void {
    if (this.#closed || !this.#engine.open) return;
    try {
      this.#engine.basicNack(message.fields.deliveryTag, allUpTo, requeue);
    } catch (e) {
      this.#failed(e);
    }
  }

  /**
   * Like a consumer's first delivery of a persistent message (EmbeddedSink), a got one is
   * returned once the store wrote what it appended so far (this channel's earlier acks too):
   * code that kills the process on it takes the broker along, and after the restart the
   * message must come back redelivered, and a message acked before it must not come back.
   */
  async get(queue: string, options: { noAck?: boolean } = {}): Promise<TransportMessage | null> {
    const message = await this.#call(() => {
      const ok = this.#engine.basicGet(queue, options.noAck ?? false);
      return ok === null ? null : getMessage(ok);
    });
    const recorded = this.#host.deliveriesRecorded;
    if (message?.properties.deliveryMode === 2 && !message.fields.redelivered && recorded) await recorded();
    return message;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#engine.close();
    this.shutdown(undefined);
    return new Promise((resolve) => this.#queue.control(resolve));
  }

  on<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Marks the channel closed (the engine side is already gone or closing): rejects
   * unconfirmed publishes and queues the 'close' event behind pending deliveries.
   * Idempotent; called by the transport when the connection goes.
   */
  shutdown(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#confirms.failAll(error ?? new TransportClosedError('channel closed'));
    this.#host.channelClosed(this);
    this.#queue.control(() => this.#events.emit('close', error));
  }

  #serverCancelled(consumerTag: string): void {
    const entry = this.#consumers.get(consumerTag);
    this.#queue.control(() => {
      if (this.#consumers.get(consumerTag) === entry) this.#consumers.delete(consumerTag);
      entry?.onCancel?.(consumerTag);
    });
  }

  /**
   * A call that may change durable definitions: resolves only once they are on disk (a
   * persistent broker), as the TCP server answers declare-ok; rejects if the save failed.
   */
  async #durableCall<T>(fn: () => T): Promise<T> {
    const result = await this.#call(fn);
    await this.#connection.vhost.definitionsSaved();
    return result;
  }

  #call<T>(fn: () => T): Promise<T> {
    if (this.#closed || !this.#engine.open) return this.#rejectClosed();
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(this.#failed(e));
    }
  }

  #rejectClosed(): Promise<never> {
    // The engine released the channel without telling us: its connection was closed from
    // the broker side (Broker.close(), vhost deleted). Let the transport find out why.
    if (!this.#closed) this.#host.connectionFailed();
    return Promise.reject(this.#closeError ?? new TransportClosedError('channel is closed'));
  }

  /** Applies what a thrown engine error means to this channel; returns it as an Error. */
  #failed(e: unknown): Error {
    if (e instanceof ChannelError) this.shutdown(e);
    else if (e instanceof ConnectionError) this.#host.connectionFailed(e);
    return e instanceof Error ? e : new Error(String(e));
  }
}

function rethrowAsync(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}
