/**
 * A consumer, seen from both sides: the queue picks consumers with capacity and hands them
 * messages; the channel (the ConsumerHost) numbers deliveries, tracks unacked ones and
 * calls its sink. The interfaces here keep queue code independent of channel code.
 *
 * Invariants: `unacked` counts this consumer's deliveries not yet settled (always 0 for
 * no-ack consumers); `prefetch` 0 means unlimited.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Message } from '../message.js';

/** What a channel offers its consumers' queues. */
export interface ConsumerHost {
  /** Channel-wide capacity: flow active, transport writable, global prefetch not reached. */
  canDeliver(noAck: boolean): boolean;
  /** Delivers `message` (already removed from the queue) to `consumer`. */
  deliver(consumer: Consumer, message: Message): void;
  /** The queue went away: the channel forgets the consumer and tells its sink. */
  cancelledByServer(consumer: Consumer): void;
}

/** What a channel needs from a queue to settle deliveries it holds. */
export interface QueueHandle {
  readonly name: string;
  readonly deleted: boolean;
  /** Acknowledged: forget the message (the 'ack' Settlement). */
  ack(message: Message): void;
  /**
   * Back to the queue at its original position, marked redelivered. `returned` says a
   * consumer gave it back (nack/reject/recover/close), which counts towards delivery limits.
   */
  requeue(message: Message, returned: boolean): void;
  /** Rejected without requeue: dead-letter (reason rejected) or drop. */
  discard(message: Message): void;
  /** Removes a consumer (basic.cancel, channel close). */
  removeConsumer(consumer: Consumer): void;
  /** Capacity was freed: schedule a dispatch if there is work. */
  wake(): void;
}

export class Consumer {
  unacked = 0;

  constructor(
    readonly tag: string,
    readonly queue: QueueHandle,
    readonly host: ConsumerHost,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    readonly priority: number,
    readonly args: FieldTable,
    /** Per-consumer prefetch (basic.qos global=false at consume time); 0 = unlimited. */
    readonly prefetch: number,
  ) {}

  /** True when the consumer (and its channel) can take one more delivery. */
  hasCapacity(): boolean {
    if (this.noAck) return this.host.canDeliver(true);
    return (this.prefetch === 0 || this.unacked < this.prefetch) && this.host.canDeliver(false);
  }
}
