/**
 * ChannelSink over a socket: encodes the engine's asynchronous outputs for one channel
 * (deliveries, returns, publisher confirms, server-side cancels) into the connection's
 * FrameWriter. Deliveries use the codec's basic.deliver fast path; a message's encoded
 * property list is cached on Message.contentHeader (flags + list bytes, valid for
 * `message.properties`, cleared by the engine when properties change), so a message
 * delivered again (requeue, redelivery, other consumers) is not re-encoded.
 */
import type { ChannelSink } from '../../broker/channel-sink.js';
import type { Message } from '../../broker/message.js';
import type { OutgoingContent } from '../../protocol/command.js';
import type { AmqpError } from '../../protocol/errors.js';
import { encodeBasicProperties } from '../../protocol/generated/properties-codecs.js';
import { Writer } from '../../protocol/writer.js';
import { ConfirmCoalescer } from './confirm-coalescer.js';
import type { FrameWriter, PendingOutput } from './frame-writer.js';

const scratch = new Writer(4096);

/** The encoded property flags + list for a message, cached on the message. */
export function encodedProperties(message: Message): Buffer {
  let raw = message.contentHeader;
  if (raw === undefined) {
    encodeBasicProperties(scratch, message.properties);
    // A copy, so one cached header does not pin a whole scratch slab.
    raw = Buffer.from(scratch.take());
    message.contentHeader = raw;
  }
  return raw;
}

/** A message as the content of a basic.deliver or basic.return. */
function contentOf(message: Message): OutgoingContent {
  return { rawProperties: encodedProperties(message), body: message.body };
}

/** What a sink needs from its connection. */
export interface SinkOwner {
  readonly writer: FrameWriter;
  /** The engine closed the channel on its own (consumer timeout): send channel.close. */
  channelFailed(channel: number, error: AmqpError): void;
}

/**
 * Publisher acks are coalesced until the writer flushes (ConfirmCoalescer); anything else
 * this channel sends, except deliveries, writes the queued acks first so they keep their
 * place before nacks, returns, cancels and the channel's close.
 */
export class SocketSink implements ChannelSink, PendingOutput {
  private readonly confirms: ConfirmCoalescer;

  constructor(
    private readonly channel: number,
    private readonly owner: SinkOwner,
  ) {
    this.confirms = new ConfirmCoalescer((deliveryTag, multiple) =>
      this.owner.writer.out.command(this.channel, { name: 'basic.ack', deliveryTag, multiple }),
    );
  }

  get writable(): boolean {
    return this.owner.writer.writable;
  }

  deliver(
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void {
    const w = this.owner.writer;
    if (w.isClosed) return;
    const args = { consumerTag, deliveryTag, redelivered, exchange, routingKey };
    w.out.deliver(this.channel, args, contentOf(message));
    w.schedule();
  }

  basicReturn(
    replyCode: number,
    replyText: string,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void {
    this.send({ name: 'basic.return', replyCode, replyText, exchange, routingKey }, message);
  }

  /** The engine acks one publish at a time (multiple=false); coalesced until the flush. */
  publisherAck(deliveryTag: number): void {
    const w = this.owner.writer;
    if (w.isClosed) return;
    if (this.confirms.add(deliveryTag)) w.holdUntilFlush(this);
  }

  publisherNack(deliveryTag: number, multiple: boolean): void {
    this.send({ name: 'basic.nack', deliveryTag, multiple, requeue: false });
    this.confirms.confirmedElsewhere(deliveryTag);
  }

  /** PendingOutput: writes the coalesced acks (the writer is flushing, or another frame follows). */
  flushPending(): void {
    if (!this.owner.writer.isClosed) this.confirms.flush();
  }

  consumerCancelled(consumerTag: string): void {
    // RabbitMQ sends the server-side cancel with nowait set: no cancel-ok is expected.
    this.send({ name: 'basic.cancel', consumerTag, nowait: true });
  }

  channelError(error: AmqpError): void {
    this.owner.channelFailed(this.channel, error);
  }

  /** Writes `method`, with `message` as its content for a content method, unless closed. */
  private send(method: Parameters<FrameWriter['out']['command']>[1], message?: Message): void {
    const w = this.owner.writer;
    if (w.isClosed) return;
    if (this.confirms.pending) this.confirms.flush();
    w.out.command(this.channel, method, message === undefined ? undefined : contentOf(message));
    w.schedule();
  }
}
