/**
 * EngineChannel: one method per AMQP channel-level method, synchronous, throwing
 * ChannelError / ConnectionError. A ChannelError closes the channel inside the engine
 * before it is thrown (unacked messages requeued, consumers cancelled) so the transport
 * only has to send channel.close; a ConnectionError closes the whole connection likewise.
 *
 * Invariants: delivery tags start at 1 and increase by one per delivery (consumers,
 * basic.get and direct reply-to share the counter); `unackedCount` counts consumer
 * deliveries awaiting ack (the global prefetch limit); publishes in confirm mode are
 * numbered from 1 and each gets exactly one ack or nack.
 */
import {
  ChannelError,
  channelErrorHard,
  notFound,
  notImplemented,
  notAllowed,
  preconditionFailed,
  accessRefused,
} from '../../protocol/errors.js';
import type { AmqpError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { Deque } from '../../util/deque.js';
import type { TimerHandle } from '../../util/clock.js';
import { generatedName, randomToken } from '../../util/random-name.js';
import type { ChannelSink } from '../channel-sink.js';
import { Message } from '../message.js';
import { Method } from '../methods.js';
import { Consumer } from '../queue/consumer.js';
import type { ConsumerHost, QueueHandle } from '../queue/consumer.js';
import { EnqueueResult } from '../queue/queue.js';
import type { Queue } from '../queue/queue.js';
import type { Dispatchable } from '../scheduler.js';
import type { DurableWaiter } from '../store/message-store.js';
import type { ReplyTarget, Vhost } from '../vhost.js';
import type {
  BasicConsumeArgs,
  BasicQosArgs,
  ExchangeBindArgs,
  ExchangeDeclareArgs,
  ExchangeDeleteArgs,
  QueueBindArgs,
  QueueDeclareArgs,
  QueueDeclareOk,
  QueueDeleteArgs,
} from './channel-args.js';
import * as decl from './declarations.js';
import { REPLY_TO } from './declarations.js';
import { TxBuffer } from './tx-buffer.js';
import type { UnackedEntry } from './unacked-log.js';
import { UnackedLog } from './unacked-log.js';
import { parseExpiration } from './expiration.js';

/** What a channel needs from its connection. */
export interface ChannelContext {
  readonly vhost: Vhost;
  /** Identity owning exclusive queues (the connection). */
  readonly owner: object;
  /** Consumer acknowledgement timeout in ms (0 = none). */
  readonly consumerTimeout: number;
  channelClosed(channel: EngineChannel): void;
  connectionFailed(error: AmqpError): void;
}

export interface GetOk {
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  messageCount: number;
  message: Message;
}

const REPLY_PREFIX = 'amq.rabbitmq.reply-to.';

export class EngineChannel implements ConsumerHost, DurableWaiter, ReplyTarget, Dispatchable {
  open = true;
  scheduled = false;
  private readonly vhost: Vhost;
  private nextDeliveryTag = 1;
  private readonly unacked = new UnackedLog();
  unackedCount = 0;
  private readonly consumers = new Map<string, Consumer>();
  private prefetchCount = 0;
  private globalPrefetch = 0;
  private flowActive = true;
  private mode: 'none' | 'confirm' | 'tx' = 'none';
  private publishSeq = 0;
  private readonly pendingConfirms = new Map<number, number>();
  private tx: TxBuffer | null = null;
  private lastQueue = '';
  private replyConsumerTag: string | null = null;
  private replyName = '';
  private readonly replies = new Deque<Message>(16);
  private timeoutTimer: TimerHandle | undefined;

  constructor(
    readonly id: number,
    private readonly ctx: ChannelContext,
    readonly sink: ChannelSink,
  ) {
    this.vhost = ctx.vhost;
  }

  // ---- plumbing ----

  private begin(): void {
    if (!this.open) throw channelErrorHard(`channel ${this.id} is closed`);
    this.vhost.scheduler.enter();
  }

  private end(): void {
    this.vhost.scheduler.exit();
  }

  /** Closes what an error closes, then returns it for rethrowing. */
  private fail(e: unknown): unknown {
    if (e instanceof ChannelError) this.release();
    else if (e !== null && typeof e === 'object' && 'scope' in e && e.scope === 'connection') {
      this.ctx.connectionFailed(e as AmqpError);
    }
    return e;
  }

  private run<T>(fn: () => T): T {
    this.begin();
    try {
      return fn();
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  private queueName(name: string | undefined): string {
    if (name !== undefined && name !== '') return name;
    if (this.lastQueue === '') throw notFound('no previously declared queue');
    return this.lastQueue;
  }

  // ---- exchange.* / queue.* ----

  exchangeDeclare(args: ExchangeDeclareArgs): void {
    this.run(() => void decl.declareExchange(this.vhost, args));
  }

  exchangeDelete(args: ExchangeDeleteArgs): void {
    this.run(() => this.vhost.deleteExchange(args.exchange, args.ifUnused ?? false));
  }

  exchangeBind(args: ExchangeBindArgs): void {
    this.run(() => decl.bindExchange(this.vhost, args, false));
  }

  exchangeUnbind(args: ExchangeBindArgs): void {
    this.run(() => decl.bindExchange(this.vhost, args, true));
  }

  queueDeclare(args: QueueDeclareArgs): QueueDeclareOk {
    return this.run(() => {
      const name = args.passive === true ? this.queueName(args.queue) : (args.queue ?? '');
      const ok = decl.declareQueue(this.vhost, this.ctx.owner, name, args);
      this.lastQueue = ok.queue;
      return ok;
    });
  }

  queueBind(args: QueueBindArgs): void {
    this.run(() => decl.bindQueue(this.vhost, this.ctx.owner, this.queueName(args.queue), args));
  }

  queueUnbind(args: QueueBindArgs): void {
    this.run(() => decl.unbindQueue(this.vhost, this.ctx.owner, this.queueName(args.queue), args));
  }

  queuePurge(queue: string): number {
    return this.run(() =>
      this.vhost.getQueue(this.queueName(queue), this.ctx.owner, Method.queuePurge).purge(),
    );
  }

  queueDelete(args: QueueDeleteArgs): number {
    return this.run(() =>
      decl.deleteQueue(
        this.vhost,
        this.ctx.owner,
        this.queueName(args.queue),
        args.ifUnused ?? false,
        args.ifEmpty ?? false,
      ),
    );
  }

  // ---- basic.qos / consume / cancel / flow ----

  basicQos(args: BasicQosArgs): void {
    this.run(() => {
      const size = args.prefetchSize ?? 0;
      if (size !== 0) throw notImplemented(`prefetch_size!=0 (${size})`, Method.basicQos);
      const count = args.prefetchCount ?? 0;
      if (args.global === true) {
        this.globalPrefetch = count;
        this.wakeConsumers();
      } else {
        this.prefetchCount = count;
      }
    });
  }

  basicConsume(args: BasicConsumeArgs): string {
    return this.run(() => {
      const method = Method.basicConsume;
      const name = this.queueName(args.queue);
      let tag = args.consumerTag ?? '';
      if (tag === '') tag = generatedName('amq.ctag-');
      else if (this.consumers.has(tag) || tag === this.replyConsumerTag) {
        throw notAllowed(`attempt to reuse consumer tag '${tag}'`, method);
      }
      if (name === REPLY_TO) return this.consumeReplyTo(tag, args.noAck ?? false);
      const q = this.vhost.getQueue(name, this.ctx.owner, method);
      const exclusive = args.exclusive ?? false;
      if (q.consumers.exclusive !== undefined || (exclusive && q.consumerCount > 0)) {
        throw accessRefused(`${this.vhost.describeQueue(q.name)} in exclusive use`, method);
      }
      const cargs: FieldTable = args.arguments ?? {};
      const p = cargs['x-priority'];
      const priority = typeof p === 'number' ? p : 0;
      const c = new Consumer(
        tag,
        q,
        this,
        args.noAck ?? false,
        exclusive,
        priority,
        cargs,
        this.prefetchCount,
      );
      this.consumers.set(tag, c);
      q.addConsumer(c);
      return tag;
    });
  }

  private consumeReplyTo(tag: string, noAck: boolean): string {
    const method = Method.basicConsume;
    if (!noAck) throw preconditionFailed('reply consumer cannot acknowledge', method);
    if (this.replyConsumerTag !== null) throw preconditionFailed('reply consumer already set', method);
    this.replyConsumerTag = tag;
    this.replyName = REPLY_PREFIX + randomToken(18);
    this.vhost.replyTargets.set(this.replyName, this);
    return tag;
  }

  basicCancel(consumerTag: string): string {
    return this.run(() => {
      if (consumerTag === this.replyConsumerTag) {
        this.dropReplyConsumer();
        return consumerTag;
      }
      const c = this.consumers.get(consumerTag);
      if (c !== undefined) {
        this.consumers.delete(consumerTag);
        c.queue.removeConsumer(c);
      }
      return consumerTag;
    });
  }

  private dropReplyConsumer(): void {
    if (this.replyConsumerTag === null) return;
    this.vhost.replyTargets.delete(this.replyName);
    this.replyConsumerTag = null;
    this.replies.clear();
  }

  /** channel.flow from the client: returns the new state (flow-ok's `active`). */
  channelFlow(active: boolean): boolean {
    this.run(() => {
      this.flowActive = active;
      if (active) this.wakeConsumers();
    });
    return active;
  }

  /** The transport can write again: restart deliveries stopped by `sink.writable`. */
  resumeDelivery(): void {
    if (!this.open) return;
    this.vhost.scheduler.run(() => this.wakeConsumers());
  }

  private wakeConsumers(): void {
    for (const c of this.consumers.values()) c.queue.wake();
    if (this.replies.length > 0) this.vhost.scheduler.schedule(this);
  }

  // ---- ConsumerHost ----

  canDeliver(noAck: boolean): boolean {
    return (
      this.open &&
      this.flowActive &&
      this.sink.writable &&
      (noAck || this.globalPrefetch === 0 || this.unackedCount < this.globalPrefetch)
    );
  }

  deliver(consumer: Consumer, message: Message): void {
    const tag = this.nextDeliveryTag++;
    if (!consumer.noAck) {
      this.unacked.push(tag, message, consumer.queue, consumer, this.vhost.clock.now());
      consumer.unacked++;
      this.unackedCount++;
      if (this.timeoutTimer === undefined && this.ctx.consumerTimeout > 0) this.armTimeout();
    }
    this.vhost.monitor.delivered(this.id, this.ctx, consumer.queue.name, message);
    this.sink.deliver(consumer.tag, tag, message.redelivered, message.exchange, message.routingKey, message);
  }

  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (this.open) this.sink.consumerCancelled(consumer.tag);
  }

  // ---- direct reply-to (ReplyTarget, Dispatchable) ----

  deliverReply(message: Message): void {
    this.replies.push(message);
    this.vhost.scheduler.schedule(this);
  }

  dispatch(): void {
    while (this.replies.length > 0 && this.replyConsumerTag !== null && this.canDeliver(true)) {
      const m = this.replies.shift()!;
      this.sink.deliver(this.replyConsumerTag, this.nextDeliveryTag++, false, m.exchange, m.routingKey, m);
    }
  }

  // ---- basic.publish ----

  basicPublish(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    immediate: boolean,
    properties: BasicProperties,
    body: Buffer,
  ): void {
    this.begin();
    try {
      if (immediate) throw notImplemented('immediate=true', Method.basicPublish);
      const x = this.vhost.exchanges.get(exchange);
      if (x === undefined) throw notFound(`no ${this.vhost.describeExchange(exchange)}`, Method.basicPublish);
      if (x.internal) {
        throw accessRefused(
          `cannot publish to internal ${this.vhost.describeExchange(exchange)}`,
          Method.basicPublish,
        );
      }
      const ttl = properties.expiration === undefined ? -1 : parseExpiration(properties.expiration);
      if (properties.replyTo === REPLY_TO) properties = this.rewriteReplyTo(properties);
      if (this.tx !== null) {
        this.tx.ops.push({ kind: 'publish', exchange, routingKey, mandatory, properties, body });
        return;
      }
      const seq = this.mode === 'confirm' ? ++this.publishSeq : 0;
      this.route(x.name, routingKey, mandatory, properties, body, ttl, seq);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  private rewriteReplyTo(properties: BasicProperties): BasicProperties {
    if (this.replyConsumerTag === null) {
      throw preconditionFailed('fast reply consumer does not exist', Method.basicPublish);
    }
    return { ...properties, replyTo: this.replyName };
  }

  private route(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    properties: BasicProperties,
    body: Buffer,
    ttl: number,
    seq: number,
  ): void {
    const x = this.vhost.exchanges.get(exchange);
    if (x === undefined) return;
    this.vhost.monitor.published(this.id, this.ctx, exchange, routingKey, properties, body);
    if (exchange === '' && routingKey.startsWith(REPLY_PREFIX)) {
      this.routeReply(routingKey, mandatory, properties, body, seq);
      return;
    }
    const headers = properties.headers;
    let queues: Set<Queue>;
    if (headers !== undefined && (headers['CC'] !== undefined || headers['BCC'] !== undefined)) {
      queues = this.routeSenderSelected(exchange, routingKey, headers);
      const rest: FieldTable = { ...headers };
      delete rest['BCC'];
      properties = { ...properties, headers: rest };
    } else {
      queues = this.vhost.routeScratch(x, routingKey, headers);
    }
    if (queues.size === 0) {
      if (mandatory)
        this.sink.basicReturn(
          312,
          'NO_ROUTE',
          exchange,
          routingKey,
          new Message(exchange, routingKey, properties, body),
        );
      if (seq !== 0) this.sink.publisherAck(seq, false);
      return;
    }
    const message = new Message(x.name, routingKey, properties, body);
    let first = true;
    let rejected = false;
    let pending = 0;
    const waiter = seq !== 0 ? this : null;
    for (const q of queues) {
      const r = q.enqueue(first ? message : message.cloneForQueue(), ttl, waiter, seq);
      first = false;
      if (r === EnqueueResult.Rejected) rejected = true;
      else if (r === EnqueueResult.Pending) pending++;
    }
    if (seq === 0) return;
    if (rejected) this.sink.publisherNack(seq, false);
    else if (pending > 0) this.pendingConfirms.set(seq, pending);
    else this.sink.publisherAck(seq, false);
  }

  private routeSenderSelected(exchange: string, routingKey: string, headers: FieldTable): Set<Queue> {
    const x = this.vhost.exchanges.get(exchange)!;
    const out = new Set<Queue>();
    const keys = [routingKey];
    for (const h of ['CC', 'BCC']) {
      const v = headers[h];
      if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') keys.push(k);
    }
    for (const k of keys) this.vhost.router.route(x, k, headers, out);
    return out;
  }

  private routeReply(
    routingKey: string,
    mandatory: boolean,
    properties: BasicProperties,
    body: Buffer,
    seq: number,
  ): void {
    const target = this.vhost.replyTargets.get(routingKey);
    const message = new Message('', routingKey, properties, body);
    if (target !== undefined) target.deliverReply(message);
    else if (mandatory) this.sink.basicReturn(312, 'NO_ROUTE', '', routingKey, message);
    if (seq !== 0) this.sink.publisherAck(seq, false);
  }

  /** DurableWaiter: a persist the confirm for `token` waited on is durable. */
  durable(token: number): void {
    const left = this.pendingConfirms.get(token);
    if (left === undefined || !this.open) return;
    if (left > 1) this.pendingConfirms.set(token, left - 1);
    else {
      this.pendingConfirms.delete(token);
      this.sink.publisherAck(token, false);
    }
  }

  /** DurableWaiter: a persist for `token` failed (disk error): the publish is nacked. */
  failed(token: number): void {
    if (!this.pendingConfirms.delete(token) || !this.open) return;
    this.sink.publisherNack(token, false);
  }

  // ---- basic.get ----

  basicGet(queue: string, noAck: boolean): GetOk | null {
    return this.run(() => {
      const q = this.vhost.getQueue(this.queueName(queue), this.ctx.owner, Method.basicGet);
      const m = q.get(noAck);
      if (m === undefined) return null;
      this.vhost.monitor.delivered(this.id, this.ctx, q.name, m);
      const tag = this.nextDeliveryTag++;
      if (!noAck) {
        this.unacked.push(tag, m, q, null, this.vhost.clock.now());
        if (this.timeoutTimer === undefined && this.ctx.consumerTimeout > 0) this.armTimeout();
      }
      return {
        deliveryTag: tag,
        redelivered: m.redelivered,
        exchange: m.exchange,
        routingKey: m.routingKey,
        messageCount: q.messageCount,
        message: m,
      };
    });
  }

  // ---- acknowledgements ----

  basicAck(deliveryTag: number, multiple: boolean): void {
    this.begin();
    try {
      this.settle(deliveryTag, multiple, 'ack', Method.basicAck);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  basicNack(deliveryTag: number, multiple: boolean, requeue: boolean): void {
    this.begin();
    try {
      this.settle(deliveryTag, multiple, requeue ? 'requeue' : 'discard', Method.basicNack);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  basicReject(deliveryTag: number, requeue: boolean): void {
    this.begin();
    try {
      this.settle(deliveryTag, false, requeue ? 'requeue' : 'discard', Method.basicReject);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  /** basic.recover / recover-async: requeue every unacked delivery (requeue=false unsupported, as RabbitMQ). */
  basicRecover(requeue: boolean): void {
    this.run(() => {
      if (!requeue) throw notImplemented('requeue=false', Method.basicRecover);
      for (const e of this.unacked.takeAll()) this.apply('requeue', e.message, e.queue, e.consumer);
    });
  }

  private settle(
    tag: number,
    multiple: boolean,
    how: 'ack' | 'requeue' | 'discard',
    method: typeof Method.basicAck,
  ): void {
    const log = this.unacked;
    if (multiple && tag === 0) tag = Number.MAX_SAFE_INTEGER;
    else if (log.indexOf(tag) < 0) throw preconditionFailed(`unknown delivery tag ${tag}`, method);
    if (this.tx !== null) {
      const entries: UnackedEntry[] = [];
      if (!multiple) entries.push(log.take(log.indexOf(tag)));
      else while (log.slots > 0 && log.tagAt(0) <= tag) entries.push(log.take(0));
      for (const e of entries) this.release1(e.consumer);
      this.tx.ops.push({ kind: how, entries });
      return;
    }
    if (!multiple) {
      const i = log.indexOf(tag);
      const m = log.messageAt(i);
      const q = log.queueAt(i);
      const c = log.consumerAt(i);
      log.remove(i);
      this.release1(c);
      this.apply(how, m, q, c);
    } else {
      while (log.slots > 0 && log.tagAt(0) <= tag) {
        const m = log.messageAt(0);
        const q = log.queueAt(0);
        const c = log.consumerAt(0);
        log.remove(0);
        this.release1(c);
        this.apply(how, m, q, c);
      }
    }
    if (log.size === 0) this.clearTimeout();
  }

  /** Frees the prefetch slot a delivery held. */
  private release1(consumer: Consumer | null): void {
    if (consumer === null) return;
    consumer.unacked--;
    this.unackedCount--;
    if (this.globalPrefetch > 0) this.wakeConsumers();
  }

  private apply(how: 'ack' | 'requeue' | 'discard', m: Message, q: QueueHandle, c: Consumer | null): void {
    if (how === 'ack') q.settle(m);
    else if (how === 'requeue') q.requeue(m, true);
    else q.discard(m);
    if (c !== null) c.queue.wake();
  }

  // ---- confirm / tx ----

  confirmSelect(): void {
    this.run(() => {
      if (this.mode === 'tx')
        throw preconditionFailed('cannot switch from tx to confirm mode', Method.confirmSelect);
      this.mode = 'confirm';
    });
  }

  txSelect(): void {
    this.run(() => {
      if (this.mode === 'confirm')
        throw preconditionFailed('cannot switch from confirm to tx mode', Method.txSelect);
      this.mode = 'tx';
      this.tx ??= new TxBuffer();
    });
  }

  txCommit(): void {
    this.run(() => {
      if (this.tx === null) throw preconditionFailed('channel is not transactional', Method.txCommit);
      for (const op of this.tx.take()) {
        if (op.kind === 'publish') {
          const ttl = op.properties.expiration === undefined ? -1 : parseExpiration(op.properties.expiration);
          this.route(op.exchange, op.routingKey, op.mandatory, op.properties, op.body, ttl, 0);
        } else {
          for (const e of op.entries) this.apply(op.kind, e.message, e.queue, e.consumer);
        }
      }
    });
  }

  txRollback(): void {
    this.run(() => {
      if (this.tx === null) throw preconditionFailed('channel is not transactional', Method.txRollback);
      const entries = this.tx.settledEntries();
      this.tx.take();
      for (const e of entries) {
        if (e.consumer !== null) {
          e.consumer.unacked++;
          this.unackedCount++;
        }
      }
      this.unacked.restore(entries);
    });
  }

  // ---- consumer timeout ----

  private armTimeout(): void {
    const clock = this.vhost.clock;
    const oldest = this.unacked.oldestTime();
    const wait = Math.max(0, oldest + this.ctx.consumerTimeout - clock.now());
    this.timeoutTimer = clock.setTimeout(() => {
      this.timeoutTimer = undefined;
      if (this.open) this.vhost.scheduler.run(() => this.checkTimeout());
    }, wait);
  }

  private clearTimeout(): void {
    if (this.timeoutTimer === undefined) return;
    this.vhost.clock.clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }

  private checkTimeout(): void {
    if (this.unacked.size === 0) return;
    const timeout = this.ctx.consumerTimeout;
    if (this.unacked.oldestTime() + timeout > this.vhost.clock.now()) {
      this.armTimeout();
      return;
    }
    const err = preconditionFailed(
      `delivery acknowledgement on channel ${this.id} timed out. Timeout value used: ${timeout} ms. This timeout value can be configured, see consumers doc guide to learn more`,
    );
    this.release();
    this.sink.channelError(err);
  }

  // ---- close ----

  /** channel.close from the client (or the transport tearing down). Idempotent. */
  close(): void {
    if (!this.open) return;
    this.vhost.scheduler.run(() => this.release());
  }

  /** Releases everything the channel holds: consumers, unacked deliveries, reply-to, timers. */
  release(): void {
    if (!this.open) return;
    this.open = false;
    this.clearTimeout();
    this.dropReplyConsumer();
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    const entries = this.unacked.takeAll();
    if (this.tx !== null) entries.push(...this.tx.settledEntries());
    entries.sort((a, b) => a.tag - b.tag);
    for (const c of consumers) c.queue.removeConsumer(c);
    for (const e of entries) e.queue.requeue(e.message, true);
    this.tx = null;
    this.pendingConfirms.clear();
    this.ctx.channelClosed(this);
  }
}
