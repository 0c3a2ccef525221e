/**
 * The interface the framework codes against to reach a broker. TYPES ONLY.
 *
 * Two implementations: an embedded transport that calls the in-process broker engine
 * directly, and an AMQP client transport (Warren's own client, src/transports/amqp) that talks
 * to Warren's server or to RabbitMQ. The shape follows amqplib's ConfirmChannel, which Node
 * users know: every channel is in confirm mode unless opened without, and `publish` settles on
 * the confirm.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { BasicProperties } from '../protocol/properties.js';

/** What a transport can do beyond the AMQP core. */
export interface TransportCapabilities {
  /**
   * The broker supports direct reply-to: consuming (no-ack) from the pseudo-queue
   * `amq.rabbitmq.reply-to` and publishing with `replyTo: 'amq.rabbitmq.reply-to'` on the same
   * channel, with no reply queue declared.
   */
  readonly directReplyTo: boolean;
  /** Queue arguments such as x-queue-type 'quorum' are honoured. */
  readonly quorumQueues: boolean;
  /**
   * The broker has the `x-delayed-message` exchange type (Warren's broker natively, RabbitMQ
   * with its delayed-message plugin). Absent or false: delays need TTL queues.
   */
  readonly delayedExchange?: boolean;
}

/** Events a transport emits. */
export interface TransportEvents {
  /** The connection was lost; every channel is dead. `error` is absent on a clean close. */
  disconnect: (error?: Error) => void;
  /** The connection is back after a disconnect; channels and consumers must be recreated. */
  reconnect: () => void;
  /** The broker is blocking publishers (connection.blocked, e.g. a memory alarm). */
  blocked: (reason: string) => void;
  unblocked: () => void;
}

/** A connection to a broker. */
export interface Transport {
  readonly capabilities: TransportCapabilities;
  /** True between a successful connect (or reconnect) and the next disconnect or close. */
  readonly connected: boolean;
  /** Opens the connection; rejects if the broker cannot be reached. */
  connect(): Promise<void>;
  /** Closes every channel and the connection; no reconnect follows. Idempotent. */
  close(): Promise<void>;
  /** Opens a channel, in publisher-confirm mode unless `options.confirms` is false. */
  createChannel(options?: ChannelOptions): Promise<TransportChannel>;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
  off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
}

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers' | 'x-delayed-message';

export interface AssertExchangeOptions {
  durable?: boolean;
  autoDelete?: boolean;
  internal?: boolean;
  arguments?: FieldTable;
}

export interface AssertQueueOptions {
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  /** x-message-ttl, x-dead-letter-exchange, x-queue-type, x-max-priority, … */
  arguments?: FieldTable;
}

/** queue.declare-ok. `queue` is the server-generated name when '' was asked for. */
export interface AssertQueueResult {
  queue: string;
  messageCount: number;
  consumerCount: number;
}

export interface DeleteQueueOptions {
  ifUnused?: boolean;
  ifEmpty?: boolean;
}

/**
 * Properties of a published message: the AMQP content properties, with `persistent` instead
 * of the raw deliveryMode, and `mandatory` (a publish-level flag, not a property).
 */
export interface PublishProperties extends Omit<BasicProperties, 'deliveryMode'> {
  /** deliveryMode 2 when true, 1 when false. */
  persistent?: boolean;
  /** Return the message (and reject the publish with UnroutableError) if no queue gets it. */
  mandatory?: boolean;
}

export interface ConsumeOptions {
  noAck?: boolean;
  exclusive?: boolean;
  /** x-priority of the consumer. */
  priority?: number;
  /** Chosen by the server when absent. */
  consumerTag?: string;
  arguments?: FieldTable;
  /** Called when the broker cancels the consumer (basic.cancel, e.g. the queue was deleted). */
  onCancel?: (consumerTag: string) => void;
}

/** Delivery information of a message (basic.deliver / basic.get-ok fields). */
export interface TransportMessageFields {
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  /** The consumer that received it; absent for basic.get. */
  consumerTag?: string;
  /** Messages left in the queue; basic.get only. */
  messageCount?: number;
}

/** A message received from a queue. Pass it back to ack/nack on the channel it came from. */
export interface TransportMessage {
  body: Buffer;
  properties: BasicProperties;
  fields: TransportMessageFields;
}

export interface ChannelOptions {
  /**
   * Publisher confirms (default true). Without them (RPC requests and replies, whose answer
   * or timeout is the acknowledgement) a transport may skip the broker's confirm round trip:
   * publish() then resolves once the message is handed to the connection, and a mandatory
   * message no queue took comes back as a 'return' event instead of a rejection. A transport
   * whose confirms cost nothing (embedded) may keep them.
   */
  confirms?: boolean;
}

export interface TransportChannelEvents {
  /** The channel closed; `error` (a ChannelError or ConnectionError) when the broker closed it. */
  close: (error?: Error) => void;
  /** A mandatory publish on a channel without confirms was unroutable (basic.return). */
  return: (message: TransportMessage, replyCode: number, replyText: string) => void;
}

/** A channel in confirm mode. Methods reject with the AmqpError the broker replied with. */
export interface TransportChannel {
  assertExchange(name: string, type: ExchangeType, options?: AssertExchangeOptions): Promise<void>;
  /** Passive declare: rejects (404) when the exchange does not exist. */
  checkExchange(name: string): Promise<void>;
  deleteExchange(name: string, options?: { ifUnused?: boolean }): Promise<void>;
  assertQueue(name: string, options?: AssertQueueOptions): Promise<AssertQueueResult>;
  /** Passive declare: rejects (404) when the queue does not exist. */
  checkQueue(name: string): Promise<AssertQueueResult>;
  /** Resolves to the number of messages deleted with the queue. */
  deleteQueue(name: string, options?: DeleteQueueOptions): Promise<number>;
  /** Resolves to the number of messages purged. */
  purgeQueue(name: string): Promise<number>;
  bindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void>;
  unbindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void>;
  /** exchange.bind: messages `source` routes with `routingKey` also go through `destination`. */
  bindExchange(destination: string, source: string, routingKey: string, args?: FieldTable): Promise<void>;
  /** basic.qos; `global` applies the limit to the whole channel (RabbitMQ semantics). */
  prefetch(count: number, global?: boolean): Promise<void>;
  /**
   * Publishes and resolves on the broker's confirm. Rejects on a nack, and with an
   * UnroutableError when `mandatory` is set and the message was returned.
   */
  publish(exchange: string, routingKey: string, body: Buffer, properties?: PublishProperties): Promise<void>;
  /** Starts a consumer; resolves to its consumer tag. */
  consume(
    queue: string,
    onMessage: (message: TransportMessage) => void,
    options?: ConsumeOptions,
  ): Promise<string>;
  cancel(consumerTag: string): Promise<void>;
  ack(message: TransportMessage, allUpTo?: boolean): void;
  /** Rejects a delivery; `requeue` defaults to true (amqplib's default). */
  nack(message: TransportMessage, requeue?: boolean, allUpTo?: boolean): void;
  /** basic.get: one message, or null when the queue is empty. */
  get(queue: string, options?: { noAck?: boolean }): Promise<TransportMessage | null>;
  close(): Promise<void>;
  on<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this;
  off<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this;
}
