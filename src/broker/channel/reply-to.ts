/**
 * Direct reply-to (amq.rabbitmq.reply-to): a channel's pseudo-consumer for RPC replies.
 * Consuming registers the channel under a random `amq.rabbitmq.reply-to.<token>` name in the
 * vhost; a request published with reply_to = amq.rabbitmq.reply-to carries that name
 * instead, and a reply published to the default exchange with it as routing key goes
 * straight to the channel (no queue), which delivers it from its own dispatch().
 *
 * Invariants: a channel has at most one reply consumer; it is registered in the vhost
 * exactly while `consumerTag` is set; `pending` holds replies not yet delivered and is
 * emptied when the consumer goes.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { Deque } from '../../util/deque.js';
import { randomToken } from '../../util/random-name.js';
import type { ChannelSink } from '../channel-sink.js';
import { Message } from '../message.js';
import { Method } from '../methods.js';
import type { ReplyTarget } from '../vhost.js';

/** The pseudo-queue a client consumes from, and names as reply_to, for direct reply-to. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** Routing keys (on the default exchange) that address a reply consumer. */
export const REPLY_PREFIX = `${DIRECT_REPLY_TO}.`;

export class DirectReplyTo {
  /** The reply consumer's tag, or null when the channel has none. */
  consumerTag: string | null = null;
  /** Replies waiting for the channel's dispatch(). */
  readonly pending = new Deque<Message>(16);
  private name = '';

  constructor(private readonly targets: Map<string, ReplyTarget>) {}

  /** basic.consume on amq.rabbitmq.reply-to: `target` receives the replies. */
  consume(tag: string, noAck: boolean, target: ReplyTarget): string {
    const method = Method.basicConsume;
    if (!noAck) throw preconditionFailed('reply consumer cannot acknowledge', method);
    if (this.consumerTag !== null) throw preconditionFailed('reply consumer already set', method);
    this.consumerTag = tag;
    this.name = REPLY_PREFIX + randomToken(18);
    this.targets.set(this.name, target);
    return tag;
  }

  /** basic.cancel of the reply consumer, or the channel closing. */
  drop(): void {
    if (this.consumerTag === null) return;
    this.targets.delete(this.name);
    this.consumerTag = null;
    this.pending.clear();
  }

  /** A request with reply_to = amq.rabbitmq.reply-to: its properties naming this channel. */
  rewrite(properties: BasicProperties): BasicProperties {
    if (this.consumerTag === null) {
      throw preconditionFailed('fast reply consumer does not exist', Method.basicPublish);
    }
    return { ...properties, replyTo: this.name };
  }
}

/** A publish to the default exchange with a reply-to name: straight to that channel. */
export function routeReply(
  targets: Map<string, ReplyTarget>,
  sink: ChannelSink,
  routingKey: string,
  mandatory: boolean,
  properties: BasicProperties,
  body: Buffer,
  seq: number,
): void {
  const target = targets.get(routingKey);
  const message = new Message('', routingKey, properties, body);
  if (target !== undefined) target.deliverReply(message);
  else if (mandatory) sink.basicReturn(312, 'NO_ROUTE', '', routingKey, message);
  if (seq !== 0) sink.publisherAck(seq, false);
}
