/**
 * TransportChannel over one channel of Warren's AMQP client connection (client-connection.ts).
 * Synchronous methods are pipelined: each is sent at once and its reply is matched to the
 * oldest one waiting (the broker answers a channel's methods in order). Publishes settle on
 * the broker's confirm (nack → PublishNackedError, a returned mandatory message →
 * MessageReturnedError); on a channel opened without confirms they resolve once encoded
 * (after the socket drained when it was backed up) and returns are 'return' events. A
 * broker's channel.close rejects everything in flight with the ChannelError it carries;
 * operations on a dead channel reject with it, or with TransportClosedError. ack/nack on a
 * dead channel are no-ops: the broker already requeued those deliveries.
 */
import { EventEmitter } from 'node:events';
import type { Command, ContentCommand } from '../../protocol/command.js';
import { amqpError, unexpectedFrame } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type { BasicDeliver, BasicReturn, Method, MethodName } from '../../protocol/generated/methods.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { Deque } from '../../util/deque.js';
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
import type { ChannelPeer, ClientConnection } from './client-connection.js';
import { PublisherConfirms } from './publisher-confirms.js';
import { ReturnTracker, type TrackedPublish } from './return-tracker.js';

const RESOLVED: Promise<void> = Promise.resolve();
const NO_ARGUMENTS: FieldTable = {};

/** A synchronous method waiting for its reply. */
interface Reply {
  expect: MethodName;
  /** basic.get's other answer. */
  orElse: MethodName | undefined;
  /** Runs as the reply is read, before any later frame (a consumer must exist before its first delivery). */
  resolve: (command: Command) => void;
  reject: (error: Error) => void;
}

/** A publish waiting for its confirm. */
interface Unconfirmed {
  resolve: () => void;
  reject: (error: Error) => void;
  exchange: string;
  routingKey: string;
  tracked: TrackedPublish | undefined;
}

interface Consumer {
  onMessage: (message: TransportMessage) => void;
  onCancel: ((consumerTag: string) => void) | undefined;
}

/** PublishProperties → the content properties on the wire (`persistent` → deliveryMode). */
function wireProperties(p: PublishProperties | undefined): BasicProperties {
  if (p === undefined) return {};
  if (p.persistent === undefined && p.mandatory === undefined) return p;
  const out: BasicProperties = {};
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.contentEncoding !== undefined) out.contentEncoding = p.contentEncoding;
  if (p.headers !== undefined) out.headers = p.headers;
  if (p.persistent !== undefined) out.deliveryMode = p.persistent ? 2 : 1;
  if (p.priority !== undefined) out.priority = p.priority;
  if (p.correlationId !== undefined) out.correlationId = p.correlationId;
  if (p.replyTo !== undefined) out.replyTo = p.replyTo;
  if (p.expiration !== undefined) out.expiration = p.expiration;
  if (p.messageId !== undefined) out.messageId = p.messageId;
  if (p.timestamp !== undefined) out.timestamp = p.timestamp;
  if (p.type !== undefined) out.type = p.type;
  if (p.userId !== undefined) out.userId = p.userId;
  if (p.appId !== undefined) out.appId = p.appId;
  if (p.clusterId !== undefined) out.clusterId = p.clusterId;
  return out;
}

/** A consumer's exception must not break the connection's read loop: it surfaces as uncaught, as it would from a socket handler. */
function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

export class AmqpChannel implements TransportChannel, ChannelPeer {
  readonly #conn: ClientConnection;
  readonly #id: number;
  readonly #confirms: boolean;
  readonly #events = new EventEmitter();
  readonly #replies = new Deque<Reply>();
  readonly #unconfirmed = new PublisherConfirms<Unconfirmed>();
  readonly #returns = new ReturnTracker();
  readonly #consumers = new Map<string, Consumer>();
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closeError: Error | undefined;
  /** The broker's channel.close that crossed ours. */
  #crossedBy: Error | undefined;
  #closedWaiters: (() => void)[] = [];
  #drain: Promise<void> | undefined;
  #resumeDrain: (() => void) | undefined;

  private constructor(conn: ClientConnection, confirms: boolean) {
    this.#conn = conn;
    this.#confirms = confirms;
    this.#id = conn.attach(this);
  }

  /** Opens a channel on `conn`, in confirm mode unless `confirms` is false. */
  static async open(conn: ClientConnection, confirms = true): Promise<AmqpChannel> {
    const ch = new AmqpChannel(conn, confirms);
    const opened = ch.#call({ name: 'channel.open', outOfBand: '' }, 'channel.open-ok');
    const selected = confirms
      ? ch.#call({ name: 'confirm.select', nowait: false }, 'confirm.select-ok')
      : RESOLVED;
    await Promise.all([opened, selected]);
    return ch;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  assertExchange(name: string, type: ExchangeType, options: AssertExchangeOptions = {}): Promise<void> {
    return this.#declareExchange(name, type, false, options);
  }

  checkExchange(name: string): Promise<void> {
    // Passive: the broker checks the name only; the other fields are sent as amqplib sends them.
    return this.#declareExchange(name, '', true, { durable: false });
  }

  async deleteExchange(name: string, options: { ifUnused?: boolean } = {}): Promise<void> {
    await this.#call(
      {
        name: 'exchange.delete',
        ticket: 0,
        exchange: name,
        ifUnused: options.ifUnused ?? false,
        nowait: false,
      },
      'exchange.delete-ok',
    );
  }

  assertQueue(name: string, options: AssertQueueOptions = {}): Promise<AssertQueueResult> {
    return this.#declareQueue(name, false, options);
  }

  checkQueue(name: string): Promise<AssertQueueResult> {
    return this.#declareQueue(name, true, {});
  }

  async deleteQueue(name: string, options: DeleteQueueOptions = {}): Promise<number> {
    const ok = await this.#call(
      {
        name: 'queue.delete',
        ticket: 0,
        queue: name,
        ifUnused: options.ifUnused ?? false,
        ifEmpty: options.ifEmpty ?? false,
        nowait: false,
      },
      'queue.delete-ok',
    );
    return ok.method.name === 'queue.delete-ok' ? ok.method.messageCount : 0;
  }

  async purgeQueue(name: string): Promise<number> {
    const ok = await this.#call(
      { name: 'queue.purge', ticket: 0, queue: name, nowait: false },
      'queue.purge-ok',
    );
    return ok.method.name === 'queue.purge-ok' ? ok.method.messageCount : 0;
  }

  async bindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void> {
    await this.#call(
      {
        name: 'queue.bind',
        ticket: 0,
        queue,
        exchange,
        routingKey,
        nowait: false,
        arguments: args ?? NO_ARGUMENTS,
      },
      'queue.bind-ok',
    );
  }

  async unbindQueue(queue: string, exchange: string, routingKey: string, args?: FieldTable): Promise<void> {
    await this.#call(
      { name: 'queue.unbind', ticket: 0, queue, exchange, routingKey, arguments: args ?? NO_ARGUMENTS },
      'queue.unbind-ok',
    );
  }

  async bindExchange(
    destination: string,
    source: string,
    routingKey: string,
    args?: FieldTable,
  ): Promise<void> {
    await this.#call(
      {
        name: 'exchange.bind',
        ticket: 0,
        destination,
        source,
        routingKey,
        nowait: false,
        arguments: args ?? NO_ARGUMENTS,
      },
      'exchange.bind-ok',
    );
  }

  async prefetch(count: number, global = false): Promise<void> {
    await this.#call({ name: 'basic.qos', prefetchSize: 0, prefetchCount: count, global }, 'basic.qos-ok');
  }

  publish(exchange: string, routingKey: string, body: Buffer, properties?: PublishProperties): Promise<void> {
    // Not async, and no await unless the socket is backed up: one promise per publish.
    if (this.#drain) return this.#drain.then(() => this.#publishNow(exchange, routingKey, body, properties));
    return this.#publishNow(exchange, routingKey, body, properties);
  }

  async consume(
    queue: string,
    onMessage: (message: TransportMessage) => void,
    options: ConsumeOptions = {},
  ): Promise<string> {
    const args: FieldTable =
      options.priority === undefined
        ? (options.arguments ?? NO_ARGUMENTS)
        : { ...options.arguments, 'x-priority': options.priority };
    const consumer: Consumer = { onMessage, onCancel: options.onCancel };
    const ok = await this.#call(
      {
        name: 'basic.consume',
        ticket: 0,
        queue,
        consumerTag: options.consumerTag ?? '',
        noLocal: false,
        noAck: options.noAck ?? false,
        exclusive: options.exclusive ?? false,
        nowait: false,
        arguments: args,
      },
      'basic.consume-ok',
      undefined,
      (reply) => {
        // Registered as consume-ok is read: the first delivery may follow in the same chunk.
        if (reply.method.name === 'basic.consume-ok') this.#consumers.set(reply.method.consumerTag, consumer);
      },
    );
    return ok.method.name === 'basic.consume-ok' ? ok.method.consumerTag : '';
  }

  async cancel(consumerTag: string): Promise<void> {
    await this.#call({ name: 'basic.cancel', consumerTag, nowait: false }, 'basic.cancel-ok');
    this.#consumers.delete(consumerTag);
  }

  ack(message: TransportMessage, allUpTo = false): void {
    this.#settle({ name: 'basic.ack', deliveryTag: message.fields.deliveryTag, multiple: allUpTo });
  }

  nack(message: TransportMessage, requeue = true, allUpTo = false): void {
    this.#settle({ name: 'basic.nack', deliveryTag: message.fields.deliveryTag, multiple: allUpTo, requeue });
  }

  async get(queue: string, options: { noAck?: boolean } = {}): Promise<TransportMessage | null> {
    const reply = await this.#call(
      { name: 'basic.get', ticket: 0, queue, noAck: options.noAck ?? false },
      'basic.get-ok',
      'basic.get-empty',
    );
    if (reply.content === undefined || reply.method.name !== 'basic.get-ok') return null;
    const m = reply.method;
    return {
      body: reply.content.body,
      properties: reply.content.properties,
      fields: {
        deliveryTag: m.deliveryTag,
        redelivered: m.redelivered,
        exchange: m.exchange,
        routingKey: m.routingKey,
        messageCount: m.messageCount,
      },
    };
  }

  /** channel.close, resolved on close-ok (or when the channel died anyway). Idempotent. */
  close(): Promise<void> {
    if (this.#state === 'closed') return RESOLVED;
    const closed = new Promise<void>((resolve) => this.#closedWaiters.push(resolve));
    if (this.#state === 'open') {
      this.#state = 'closing';
      const error = new TransportClosedError('channel closed');
      for (let r = this.#replies.shift(); r !== undefined; r = this.#replies.shift()) r.reject(error);
      this.#unconfirmed.takeAll((u) => this.#failPublish(u, error));
      try {
        this.#conn.send(this.#id, {
          name: 'channel.close',
          replyCode: 200,
          replyText: 'Goodbye',
          classId: 0,
          methodId: 0,
        });
        this.#conn.closing(this.#id);
      } catch {
        this.#finish(undefined);
      }
    }
    return closed;
  }

  on<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof TransportChannelEvents>(event: E, listener: TransportChannelEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  // ---- ChannelPeer: what the connection tells this channel ----

  receive(command: Command): void {
    const m = command.method;
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
    switch (m.name) {
      case 'basic.deliver':
        return this.#onDeliver(m, command as ContentCommand);
      case 'basic.ack':
        return this.#unconfirmed.take(m.deliveryTag, m.multiple, (u) => this.#confirmed(u));
      case 'basic.nack':
        return this.#unconfirmed.take(m.deliveryTag, m.multiple, (u) =>
          this.#failPublish(u, new PublishNackedError(u.exchange, u.routingKey)),
        );
      case 'basic.return':
        return this.#onReturn(m, command as ContentCommand);
      case 'basic.cancel':
        return this.#onServerCancel(m.consumerTag, m.nowait);
      case 'channel.close': {
        this.#trySend({ name: 'channel.close-ok' });
        const error = amqpError(m.replyCode, m.replyText, m);
        // Our own close crossed it: the broker answers that with close-ok, which ends the
        // channel (its number is not free before).
        if (this.#state === 'closing') this.#crossedBy = error;
        else this.#finish(error);
        return;
      }
      case 'channel.close-ok':
        return this.#finish(this.#crossedBy);
      case 'channel.flow':
        return this.#trySend({ name: 'channel.flow-ok', active: m.active });
      default:
        return this.#onReply(command);
    }
  }

  connectionLost(error: Error): void {
    this.#finish(error);
  }

  resume(): void {
    const resume = this.#resumeDrain;
    this.#drain = undefined;
    this.#resumeDrain = undefined;
    resume?.();
  }

  // ---- internals ----

  async #declareExchange(
    name: string,
    type: string,
    passive: boolean,
    options: AssertExchangeOptions,
  ): Promise<void> {
    await this.#call(
      {
        name: 'exchange.declare',
        ticket: 0,
        exchange: name,
        type,
        passive,
        durable: options.durable ?? true,
        autoDelete: options.autoDelete ?? false,
        internal: options.internal ?? false,
        nowait: false,
        arguments: options.arguments ?? NO_ARGUMENTS,
      },
      'exchange.declare-ok',
    );
  }

  #declareQueue(name: string, passive: boolean, options: AssertQueueOptions): Promise<AssertQueueResult> {
    return this.#call(
      {
        name: 'queue.declare',
        ticket: 0,
        queue: name,
        passive,
        durable: options.durable ?? true,
        exclusive: options.exclusive ?? false,
        autoDelete: options.autoDelete ?? false,
        nowait: false,
        arguments: options.arguments ?? NO_ARGUMENTS,
      },
      'queue.declare-ok',
    ).then((ok) => {
      const m = ok.method;
      return m.name === 'queue.declare-ok'
        ? { queue: m.queue, messageCount: m.messageCount, consumerCount: m.consumerCount }
        : { queue: name, messageCount: 0, consumerCount: 0 };
    });
  }

  /** Sends a synchronous method; resolves to its reply, rejects with the channel's close. */
  #call(
    method: Method,
    expect: MethodName,
    orElse?: MethodName,
    onReply?: (reply: Command) => void,
  ): Promise<Command> {
    if (this.#state !== 'open') return Promise.reject(this.#deadError());
    return new Promise<Command>((resolve, reject) => {
      const reply: Reply = {
        expect,
        orElse,
        resolve: (command) => {
          onReply?.(command);
          resolve(command);
        },
        reject,
      };
      this.#replies.push(reply);
      try {
        this.#conn.send(this.#id, method);
      } catch (err) {
        this.#replies.pop();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  #onReply(command: Command): void {
    const name = command.method.name;
    const waiting = this.#replies.peek();
    if (waiting === undefined || (name !== waiting.expect && name !== waiting.orElse)) {
      throw unexpectedFrame(
        `${name} on channel ${this.#id}, which waits for ${waiting?.expect ?? 'nothing'}`,
      );
    }
    this.#replies.shift();
    waiting.resolve(command);
  }

  #publishNow(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties | undefined,
  ): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#deadError());
    const mandatory = properties?.mandatory === true;
    const method: Method = {
      name: 'basic.publish',
      ticket: 0,
      exchange,
      routingKey,
      mandatory,
      immediate: false,
    };
    const content = { properties: wireProperties(properties), body };
    if (!this.#confirms) {
      try {
        this.#conn.send(this.#id, method, content);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      this.#watchBackpressure();
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const tracked = mandatory
        ? this.#returns.track(exchange, routingKey, properties?.messageId, properties?.correlationId)
        : undefined;
      try {
        this.#conn.send(this.#id, method, content);
      } catch (err) {
        if (tracked) this.#returns.settle(tracked);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.#unconfirmed.add({ resolve, reject, exchange, routingKey, tracked });
      this.#watchBackpressure();
    });
  }

  /** The socket is backed up: later publishes wait for resume(). */
  #watchBackpressure(): void {
    if (this.#drain === undefined && !this.#conn.writable) {
      this.#drain = new Promise<void>((resolve) => (this.#resumeDrain = resolve));
    }
  }

  #confirmed(u: Unconfirmed): void {
    const tracked = u.tracked;
    if (tracked === undefined) return u.resolve();
    this.#returns.settle(tracked);
    const returned = tracked.returned;
    if (returned === undefined) return u.resolve();
    u.reject(new MessageReturnedError(u.exchange, u.routingKey, returned.replyCode, returned.replyText));
  }

  #failPublish(u: Unconfirmed, error: Error): void {
    if (u.tracked) this.#returns.settle(u.tracked);
    u.reject(error);
  }

  #onDeliver(m: BasicDeliver, command: ContentCommand): void {
    const consumer = this.#consumers.get(m.consumerTag);
    // A delivery for no consumer of ours (a broker's mistake): back to its queue, not held.
    if (consumer === undefined)
      return this.#settle({ name: 'basic.nack', deliveryTag: m.deliveryTag, multiple: false, requeue: true });
    const message: TransportMessage = {
      body: command.content.body,
      properties: command.content.properties,
      fields: {
        deliveryTag: m.deliveryTag,
        redelivered: m.redelivered,
        exchange: m.exchange,
        routingKey: m.routingKey,
        consumerTag: m.consumerTag,
      },
    };
    try {
      consumer.onMessage(message);
    } catch (err) {
      rethrowLater(err);
    }
  }

  #onReturn(m: BasicReturn, command: ContentCommand): void {
    const { properties, body } = command.content;
    if (this.#confirms) {
      this.#returns.onReturn({
        exchange: m.exchange,
        routingKey: m.routingKey,
        messageId: properties.messageId,
        correlationId: properties.correlationId,
        replyCode: m.replyCode,
        replyText: m.replyText,
      });
      return;
    }
    const message: TransportMessage = {
      body,
      properties,
      fields: { deliveryTag: 0, redelivered: false, exchange: m.exchange, routingKey: m.routingKey },
    };
    this.#events.emit('return', message, m.replyCode, m.replyText);
  }

  /** The broker cancelled a consumer (its queue was deleted, a node went down). */
  #onServerCancel(consumerTag: string, nowait: boolean): void {
    const consumer = this.#consumers.get(consumerTag);
    this.#consumers.delete(consumerTag);
    if (!nowait) this.#trySend({ name: 'basic.cancel-ok', consumerTag });
    try {
      consumer?.onCancel?.(consumerTag);
    } catch (err) {
      rethrowLater(err);
    }
  }

  /** ack / nack: nothing to do once the channel is gone (the broker requeued the delivery). */
  #settle(method: Method): void {
    if (this.#state !== 'open') return;
    this.#trySend(method);
  }

  #trySend(method: Method): void {
    try {
      this.#conn.send(this.#id, method);
    } catch {
      // The connection is gone: its close reaches this channel through connectionLost().
    }
  }

  /** The channel is closed (by the broker with `error`, by us, or with its connection). */
  #finish(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeError = error;
    this.#conn.detach(this.#id);
    const failure = error ?? new TransportClosedError('channel closed');
    for (let r = this.#replies.shift(); r !== undefined; r = this.#replies.shift()) r.reject(failure);
    this.#unconfirmed.takeAll((u) => this.#failPublish(u, failure));
    this.#consumers.clear();
    this.resume();
    for (const done of this.#closedWaiters.splice(0)) done();
    this.#events.emit('close', error);
  }

  #deadError(): Error {
    return this.#closeError ?? new TransportClosedError('channel is closed');
  }
}
