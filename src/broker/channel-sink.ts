/**
 * The engine's asynchronous outputs for one channel. The TCP server implements it by writing
 * frames, the embedded transport by calling user callbacks directly.
 *
 * Reentrancy: the engine never calls a sink method while it is in the middle of mutating
 * its own state. Deliveries are made from a drain loop that runs when the outermost engine
 * call returns (see scheduler.ts), so a sink callback may call back into the engine
 * (basicAck inside deliver, basicPublish inside deliver, even close()); such nested calls
 * take effect immediately and any deliveries they cause are made by the same drain loop
 * after the current callback returns, never recursively.
 *
 * Backpressure: the engine reads `writable` before every delivery on this channel; when it
 * is false delivery stops (messages stay queued) until the transport calls
 * EngineChannel.resumeDelivery(). Client channel.flow is EngineChannel.channelFlow.
 */
import type { AmqpError } from '../protocol/errors.js';
import type { Message } from './message.js';

export interface ChannelSink {
  /** False while the transport cannot take more deliveries (socket buffer full). */
  readonly writable: boolean;
  /** basic.deliver; `message.exchange`/`routingKey` are repeated as arguments for convenience. */
  deliver(
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void;
  /** basic.return of an unroutable mandatory publish. */
  basicReturn(
    replyCode: number,
    replyText: string,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void;
  publisherAck(deliveryTag: number, multiple: boolean): void;
  publisherNack(deliveryTag: number, multiple: boolean): void;
  /** Server-initiated basic.cancel (queue deleted, consumer's queue gone, ...). */
  consumerCancelled(consumerTag: string): void;
  /**
   * The engine closed this channel on its own (consumer timeout). The engine has already
   * released the channel's resources; the transport sends channel.close with the error.
   */
  channelError(error: AmqpError): void;
}
