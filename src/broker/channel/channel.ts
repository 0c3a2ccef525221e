/**
 * EngineChannel: one method per AMQP channel-level method, synchronous, throwing
 * ChannelError / ConnectionError. A ChannelError closes the channel inside the engine
 * before it is thrown (unacked messages requeued, consumers cancelled) so the transport
 * only has to send channel.close; a ConnectionError closes the whole connection likewise.
 *
 * The channel is the ConsumerHost of its consumers (delivery numbering, prefetch and flow,
 * the unacked log and settlement) and composes the rest: declarations.ts (exchange.* and
 * queue.*), consumers.ts (basic.consume/cancel), publish.ts (routing), confirms.ts,
 * tx-buffer.ts, reply-to.ts (direct reply-to), settlement.ts and consumer-timeout.ts.
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
  preconditionFailed,
} from '../../protocol/errors.js';
import type { AmqpError, MethodRef } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/properties.js';
import type { ChannelSink } from '../channel-sink.js';
import type { Message } from '../message.js';
import { Method } from '../methods.js';
import type { Consumer } from '../queue/consumer.js';
import type { ConsumerHost } from '../queue/consumer.js';
import type { Dispatchable } from '../scheduler.js';
import type { DurableWaiter } from '../store/message-store.js';
import type { ReplyTarget, Vhost } from '../vhost.js';
import type {
  BasicConsumeArgs,
  BasicQosArgs,
  ExchangeBindArgs,
  ExchangeDeclareArgs,
  ExchangeDeleteArgs,
  GetOk,
  QueueBindArgs,
  QueueDeclareArgs,
  QueueDeclareResult,
  QueueDeleteArgs,
} from './channel-args.js';
export type { GetOk } from './channel-args.js';
import { Confirms } from './confirms.js';
import { ConsumerTimeout } from './consumer-timeout.js';
import { ChannelConsumers } from './consumers.js';
import * as decl from './declarations.js';
import { DIRECT_REPLY_TO } from './reply-to.js';
import { messageTtl } from './expiration.js';
import { PublishRouter, messageTooLarge, publishTarget } from './publish.js';
import { DirectReplyTo } from './reply-to.js';
import { applySettlement, settledUpTo, takeSettled } from './settlement.js';
import type { Settlement } from './settlement.js';
import { TxBuffer } from './tx-buffer.js';
import { UnackedLog } from './unacked-log.js';

/** What a channel needs from its connection. */
export interface ChannelContext {
  readonly vhost: Vhost;
  /** Identity owning exclusive queues (the connection). */
  readonly owner: object;
  /** Consumer acknowledgement timeout in ms (0 = none). */
  readonly consumerTimeout: number;
  /** Largest body accepted by basic.publish (bytes). */
  readonly maxMessageSize: number;
  channelClosed(channel: EngineChannel): void;
  connectionFailed(error: AmqpError): void;
}

export class EngineChannel implements ConsumerHost, DurableWaiter, ReplyTarget, Dispatchable {
  open = true;
  scheduled = false;
  private readonly vhost: Vhost;
  private nextDeliveryTag = 1;
  private readonly unacked = new UnackedLog();
  unackedCount = 0;
  private globalPrefetch = 0;
  private flowActive = true;
  private mode: 'none' | 'confirm' | 'tx' = 'none';
  private tx: TxBuffer | null = null;
  private lastQueue = '';
  private readonly consumers: ChannelConsumers;
  private readonly replyTo: DirectReplyTo;
  private readonly confirms: Confirms;
  private readonly router: PublishRouter;
  private readonly timeout: ConsumerTimeout;

  constructor(
    readonly id: number,
    private readonly ctx: ChannelContext,
    readonly sink: ChannelSink,
  ) {
    const vhost = (this.vhost = ctx.vhost);
    this.consumers = new ChannelConsumers(vhost, ctx.owner, this);
    this.replyTo = new DirectReplyTo(vhost.replyTargets);
    this.confirms = new Confirms(sink);
    this.router = new PublishRouter(vhost, id, ctx, sink, this, this.confirms);
    this.timeout = new ConsumerTimeout(
      vhost.clock,
      vhost.scheduler,
      this.unacked,
      ctx.consumerTimeout,
      id,
      (e) => this.timedOut(e),
    );
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

  /** The queue a name means: "" is the last declared queue (undefined when none was declared). */
  protected resolveQueue(name: string | undefined): string | undefined {
    if (name !== undefined && name !== '') return name;
    return this.lastQueue === '' ? undefined : this.lastQueue;
  }

  private queueName(name: string | undefined): string {
    const queue = this.resolveQueue(name);
    if (queue === undefined) throw notFound('no previously declared queue');
    return queue;
  }

  /** The name of the channel's vhost. */
  protected get vhostName(): string {
    return this.vhost.name;
  }

  // ---- exchange.* / queue.* (declarations.ts) ----

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

  queueDeclare(args: QueueDeclareArgs): QueueDeclareResult {
    return this.run(() => {
      // A passive declare of '' does not mean the last declared queue (RabbitMQ 3.10.8: 404 "no queue ''").
      const ok = decl.declareQueue(this.vhost, this.ctx.owner, args.queue ?? '', args);
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

  // ---- basic.qos / consume / cancel / flow (consumers.ts, reply-to.ts) ----

  basicQos(args: BasicQosArgs): void {
    this.run(() => {
      const size = args.prefetchSize ?? 0;
      if (size !== 0) throw notImplemented(`prefetch_size!=0 (${size})`, Method.basicQos);
      const count = args.prefetchCount ?? 0;
      if (args.global === true) {
        this.globalPrefetch = count;
        this.wakeConsumers();
      } else {
        this.consumers.prefetchCount = count;
      }
    });
  }

  basicConsume(args: BasicConsumeArgs): string {
    return this.run(() => {
      const name = this.queueName(args.queue);
      const tag = this.consumers.tagFor(args.consumerTag, this.replyTo.consumerTag);
      if (name === DIRECT_REPLY_TO) return this.replyTo.consume(tag, args.noAck ?? false, this);
      this.consumers.add(tag, name, args);
      return tag;
    });
  }

  basicCancel(consumerTag: string): string {
    return this.run(() => {
      if (consumerTag === this.replyTo.consumerTag) this.replyTo.drop();
      else this.consumers.cancel(consumerTag);
      return consumerTag;
    });
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
    this.consumers.wake();
    if (this.replyTo.pending.length > 0) this.vhost.scheduler.schedule(this);
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
      this.timeout.track();
    }
    this.vhost.monitor.delivered(this.id, this.ctx, consumer.queue.name, message);
    this.sink.deliver(consumer.tag, tag, message.redelivered, message.exchange, message.routingKey, message);
  }

  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.forget(consumer) && this.open) this.sink.consumerCancelled(consumer.tag);
  }

  // ---- direct reply-to (ReplyTarget, Dispatchable) ----

  deliverReply(message: Message): void {
    this.replyTo.pending.push(message);
    this.vhost.scheduler.schedule(this);
  }

  dispatch(): void {
    const r = this.replyTo;
    while (r.pending.length > 0 && r.consumerTag !== null && this.canDeliver(true)) {
      const m = r.pending.shift()!;
      this.sink.deliver(r.consumerTag, this.nextDeliveryTag++, false, m.exchange, m.routingKey, m);
    }
  }

  // ---- basic.publish (publish.ts) / confirms (confirms.ts) ----

  /**
   * `encodedProperties`: the property flags + list exactly as received for `properties`
   * (a transport that decoded them off the wire), kept on the message so deliveries forward
   * them instead of encoding them again; dropped when the engine changes the properties.
   */
  basicPublish(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    immediate: boolean,
    properties: BasicProperties,
    body: Buffer,
    encodedProperties?: Buffer,
  ): void {
    this.begin();
    try {
      if (body.length > this.ctx.maxMessageSize) throw messageTooLarge(body.length, this.ctx.maxMessageSize);
      const x = publishTarget(this.vhost, exchange, immediate);
      const ttl = messageTtl(properties);
      if (properties.replyTo === DIRECT_REPLY_TO) {
        properties = this.replyTo.rewrite(properties);
        encodedProperties = undefined;
      }
      if (this.tx !== null) {
        this.tx.ops.push({ kind: 'publish', exchange, routingKey, mandatory, properties, body });
        return;
      }
      const seq = this.mode === 'confirm' ? this.confirms.next() : 0;
      this.router.routeTo(x, routingKey, mandatory, properties, body, ttl, seq, encodedProperties);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  /** DurableWaiter: a persist the confirm for `token` waited on is durable. */
  durable(token: number): void {
    if (this.open) this.confirms.durable(token);
  }

  /** DurableWaiter: a persist for `token` failed (disk error): the publish is nacked. */
  failed(token: number): void {
    if (this.open) this.confirms.failed(token);
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
        this.timeout.track();
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

  // ---- acknowledgements (settlement.ts) ----

  basicAck(deliveryTag: number, multiple: boolean): void {
    this.settleMethod(deliveryTag, multiple, 'ack', Method.basicAck);
  }

  basicNack(deliveryTag: number, multiple: boolean, requeue: boolean): void {
    this.settleMethod(deliveryTag, multiple, requeue ? 'requeue' : 'discard', Method.basicNack);
  }

  basicReject(deliveryTag: number, requeue: boolean): void {
    this.settleMethod(deliveryTag, false, requeue ? 'requeue' : 'discard', Method.basicReject);
  }

  /** basic.recover / recover-async: requeue every unacked delivery (requeue=false unsupported, as RabbitMQ). */
  basicRecover(requeue: boolean): void {
    this.run(() => {
      if (!requeue) throw notImplemented('requeue=false', Method.basicRecover);
      for (const e of this.unacked.takeAll()) applySettlement('requeue', e.message, e.queue, e.consumer);
    });
  }

  /** basic.ack / nack / reject as an entry point (no closure: run() would allocate one per ack). */
  private settleMethod(tag: number, multiple: boolean, how: Settlement, method: MethodRef): void {
    this.begin();
    try {
      this.settle(tag, multiple, how, method);
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.end();
    }
  }

  private settle(tag: number, multiple: boolean, how: Settlement, method: MethodRef): void {
    const log = this.unacked;
    tag = settledUpTo(log, tag, multiple, method);
    if (this.tx !== null) {
      const entries = takeSettled(log, tag, multiple);
      for (const e of entries) this.release1(e.consumer);
      this.tx.ops.push({ kind: how, entries });
      return;
    }
    if (!multiple) this.settleAt(log.indexOf(tag), how);
    else while (log.slots > 0 && log.tagAt(0) <= tag) this.settleAt(0, how);
    if (log.size === 0) this.timeout.clear();
  }

  /** Settles the live log entry at position `i` (the ack hot path: no entry object). */
  private settleAt(i: number, how: Settlement): void {
    const log = this.unacked;
    const m = log.messageAt(i);
    const q = log.queueAt(i);
    const c = log.consumerAt(i);
    log.remove(i);
    this.release1(c);
    applySettlement(how, m, q, c);
  }

  /** Frees the prefetch slot a delivery held. */
  private release1(consumer: Consumer | null): void {
    if (consumer === null) return;
    consumer.unacked--;
    this.unackedCount--;
    if (this.globalPrefetch > 0) this.wakeConsumers();
  }

  // ---- confirm / tx (tx-buffer.ts) ----

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
      this.tx.commit(this.router);
    });
  }

  txRollback(): void {
    this.run(() => {
      if (this.tx === null) throw preconditionFailed('channel is not transactional', Method.txRollback);
      this.unackedCount += this.tx.rollback(this.unacked);
    });
  }

  // ---- consumer timeout (consumer-timeout.ts) / close ----

  private timedOut(error: ChannelError): void {
    this.release();
    this.sink.channelError(error);
  }

  /** channel.close from the client (or the transport tearing down). Idempotent. */
  close(): void {
    if (!this.open) return;
    this.vhost.scheduler.run(() => this.release());
  }

  /** Releases everything the channel holds: consumers, unacked deliveries, reply-to, timers. */
  release(): void {
    if (!this.open) return;
    this.open = false;
    this.timeout.stop();
    this.replyTo.drop();
    const consumers = this.consumers.takeAll();
    const entries = this.unacked.takeAll();
    if (this.tx !== null) entries.push(...this.tx.settledEntries());
    entries.sort((a, b) => a.tag - b.tag);
    for (const c of consumers) c.queue.removeConsumer(c);
    for (const e of entries) e.queue.requeue(e.message, true);
    this.tx = null;
    this.confirms.clear();
    this.ctx.channelClosed(this);
  }
}
