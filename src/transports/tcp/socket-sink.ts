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
import type { FrameWriter } from './frame-writer.js';

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

export class SocketSink implements ChannelSink {
  constructor(
    private readonly channel: number,
    private readonly owner: SinkOwner,
  ) {}

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

  publisherAck(deliveryTag: number, multiple: boolean): void {
    this.send({ name: 'basic.ack', deliveryTag, multiple });
  }

  publisherNack(deliveryTag: number, multiple: boolean): void {
    this.send({ name: 'basic.nack', deliveryTag, multiple, requeue: false });
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
    w.out.command(this.channel, method, message === undefined ? undefined : contentOf(message));
    w.schedule();
  }
}
