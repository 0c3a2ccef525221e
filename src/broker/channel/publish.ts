/**
 * basic.publish after the channel's checks: routing a message to its queues and telling the
 * publisher what became of it. Besides exchange routing this handles sender-selected
 * distribution (CC/BCC headers: extra routing keys, BCC stripped from what is delivered)
 * and direct reply-to keys on the default exchange (reply-to.ts). Used for immediate
 * publishes and for those a tx.commit releases.
 *
 * Invariants: a routed message is one record per queue (the first queue gets the original,
 * the others clones); an unroutable mandatory publish is returned (312 NO_ROUTE) before its
 * confirm; with confirms on (`seq` > 0) every call settles `seq` through Confirms or the
 * sink exactly once. This is the publish hot path: no closures, one Message per queue.
 */
import { accessRefused, notFound, notImplemented, preconditionFailed } from '../../protocol/errors.js';
import type { ChannelError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type { BasicProperties } from '../../protocol/properties.js';
import type { ChannelSink } from '../channel-sink.js';
import type { Exchange } from '../exchange/exchange-record.js';
import { DELAYED_EXCHANGE_TYPE, messageDelay } from '../delayed/delayed-args.js';
import { Message } from '../message.js';
import { Method } from '../methods.js';
import { EnqueueOutcome } from '../queue/queue.js';
import type { Queue } from '../queue/queue.js';
import type { DurableWaiter } from '../store/message-store.js';
import type { Vhost } from '../vhost.js';
import type { Confirms } from './confirms.js';
import { REPLY_PREFIX, routeReply } from './reply-to.js';

/** RabbitMQ's hard cap on max_message_size (512 MiB): its text then omits "configured". */
const HARD_MAX_MESSAGE_SIZE = 512 * 1024 * 1024;

/** A body over max_message_size: 406 with RabbitMQ 3.10's text (checked side by side). */
export function messageTooLarge(size: number, max: number): ChannelError {
  const limit = max === HARD_MAX_MESSAGE_SIZE ? 'max size' : 'configured max size';
  return preconditionFailed(`message size ${size} is larger than ${limit} ${max}`, Method.basicPublish);
}

/** basic.publish's checks before anything is routed: the exchange to publish to. */
export function publishTarget(vhost: Vhost, exchange: string, immediate: boolean): Exchange {
  if (immediate) throw notImplemented('immediate=true', Method.basicPublish);
  const x = vhost.exchanges.get(exchange);
  if (x === undefined) throw notFound(`no ${vhost.describeExchange(exchange)}`, Method.basicPublish);
  if (x.internal) {
    throw accessRefused(
      `cannot publish to internal ${vhost.describeExchange(exchange)}`,
      Method.basicPublish,
    );
  }
  return x;
}

export class PublishRouter {
  constructor(
    private readonly vhost: Vhost,
    private readonly channelId: number,
    /** The connection identity the monitor reports publishes under. */
    private readonly connection: object,
    private readonly sink: ChannelSink,
    /** Who the store tells when a confirmed persistent publish is durable (the channel). */
    private readonly waiter: DurableWaiter,
    private readonly confirms: Confirms,
  ) {}

  /**
   * Routes a publish to the exchange named `exchange` (a tx.commit: it may be gone by now);
   * `ttl` is its expiration in ms (-1 = none), `seq` its confirm number (0 = none).
   */
  route(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    properties: BasicProperties,
    body: Buffer,
    ttl: number,
    seq: number,
  ): void {
    const x = this.vhost.exchanges.get(exchange);
    if (x !== undefined) this.routeTo(x, routingKey, mandatory, properties, body, ttl, seq);
  }

  /**
   * Routes a publish to `x`, which publishTarget just looked up (the immediate path).
   * `encoded`: the received bytes of `properties` (EngineChannel.basicPublish).
   */
  routeTo(
    x: Exchange,
    routingKey: string,
    mandatory: boolean,
    properties: BasicProperties,
    body: Buffer,
    ttl: number,
    seq: number,
    encoded?: Buffer,
  ): void {
    const vhost = this.vhost;
    const exchange = x.name;
    vhost.monitor.published(this.channelId, this.connection, exchange, routingKey, properties, body);
    if (exchange === '' && routingKey.startsWith(REPLY_PREFIX)) {
      routeReply(vhost.replyTargets, this.sink, routingKey, mandatory, properties, body, seq);
      return;
    }
    const headers = properties.headers;
    const delay = x.type === DELAYED_EXCHANGE_TYPE ? messageDelay(headers) : 0;
    if (delay > 0) {
      this.hold(x, new Message(x.name, routingKey, properties, body), delay, seq);
      return;
    }
    let queues: Set<Queue>;
    if (headers !== undefined && (headers['CC'] !== undefined || headers['BCC'] !== undefined)) {
      queues = this.senderSelected(x, routingKey, headers);
      const rest: FieldTable = { ...headers };
      delete rest['BCC'];
      properties = { ...properties, headers: rest };
      encoded = undefined;
    } else {
      queues = vhost.routeScratch(x, routingKey, headers);
    }
    if (queues.size === 0) {
      if (mandatory) {
        const returned = new Message(exchange, routingKey, properties, body);
        this.sink.basicReturn(312, 'NO_ROUTE', exchange, routingKey, returned);
      }
      if (seq !== 0) this.sink.publisherAck(seq, false);
      return;
    }
    const message = new Message(x.name, routingKey, properties, body);
    // A copy: the received bytes are a view into a socket chunk the message must not pin.
    if (encoded !== undefined) message.contentHeader = Buffer.from(encoded);
    this.enqueue(queues, message, ttl, seq);
  }

  private enqueue(queues: Set<Queue>, message: Message, ttl: number, seq: number): void {
    let first = true;
    let rejected = false;
    let pending = 0;
    const waiter = seq !== 0 ? this.waiter : null;
    for (const q of queues) {
      const r = q.enqueue(first ? message : message.cloneForQueue(), ttl, waiter, seq);
      first = false;
      if (r === EnqueueOutcome.Rejected) rejected = true;
      else if (r === EnqueueOutcome.Pending) pending++;
    }
    if (seq !== 0) this.confirms.routed(seq, rejected, pending);
  }

  /** A delayed-message exchange keeps the publish until it is due (delayed/delayed-hold.ts). */
  private hold(x: Exchange, message: Message, delay: number, seq: number): void {
    const hold = this.vhost.delayed.get(x);
    if (hold === undefined) return;
    const durable = hold.hold(message, delay, seq !== 0 ? this.waiter : null, seq);
    if (seq !== 0) this.confirms.routed(seq, false, durable ? 0 : 1);
  }

  /** CC/BCC: the routing key and each header key, routed into one set. */
  private senderSelected(x: Exchange, routingKey: string, headers: FieldTable): Set<Queue> {
    const out = new Set<Queue>();
    const keys = [routingKey];
    for (const h of ['CC', 'BCC']) {
      const v = headers[h];
      if (Array.isArray(v)) for (const k of v) if (typeof k === 'string') keys.push(k);
    }
    for (const k of keys) this.vhost.router.route(x, k, headers, out);
    return out;
  }
}
