/**
 * The ChannelSink an embedded channel hands to the engine. It never runs user code: a
 * delivery becomes a TransportMessage queued on the channel's DeliveryQueue, confirms and
 * returns go to the ConfirmTracker (which only settles promises), and cancels / engine-side
 * closes are passed to the owning channel, which queues their notifications. This is what
 * makes it safe for the engine to call the sink from inside any engine call.
 */
import type { ChannelSink, Message } from '../../broker/index.js';
import type { AmqpError } from '../../protocol/errors.js';
import type { ConfirmTracker } from './confirm-tracker.js';
import { deliveryMessage } from './convert.js';
import type { DeliveryQueue } from './delivery-queue.js';

export interface SinkOwner {
  /** basic.cancel from the broker (queue deleted, …). */
  serverCancelled(consumerTag: string): void;
  /** The engine closed the channel on its own (consumer ack timeout). */
  engineClosed(error: AmqpError): void;
}

export class EmbeddedSink implements ChannelSink {
  constructor(
    private readonly queue: DeliveryQueue,
    private readonly confirms: ConfirmTracker,
    private readonly owner: SinkOwner,
    /** The store's sync when it persists first deliveries (a broker with a data dir). */
    private readonly recorded: (() => Promise<void>) | undefined = undefined,
  ) {}

  get writable(): boolean {
    return this.queue.writable;
  }

  deliver(
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void {
    // A first delivery of a persistent message was just logged (DELIVERED): user code must not
    // see it before that record is on disk, or a handler crashing the process would make it
    // come back as a first delivery forever.
    if (this.recorded !== undefined && message.persistent && !redelivered) this.queue.hold(this.recorded);
    this.queue.delivery(
      consumerTag,
      deliveryMessage(
        consumerTag,
        deliveryTag,
        redelivered,
        exchange,
        routingKey,
        message.body,
        message.properties,
      ),
    );
  }

  basicReturn(replyCode: number, replyText: string): void {
    this.confirms.returned(replyCode, replyText);
  }

  publisherAck(deliveryTag: number, multiple: boolean): void {
    this.confirms.ack(deliveryTag, multiple);
  }

  publisherNack(deliveryTag: number, multiple: boolean): void {
    this.confirms.nack(deliveryTag, multiple);
  }

  consumerCancelled(consumerTag: string): void {
    this.owner.serverCancelled(consumerTag);
  }

  channelError(error: AmqpError): void {
    this.owner.engineClosed(error);
  }
}
