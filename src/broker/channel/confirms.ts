/**
 * Publisher confirms of one channel (confirm.select): numbers the channel's publishes and
 * acks or nacks each once it is settled — at once when every queue took it in memory (or it
 * was unroutable), after the store's durable() callbacks when persists are pending, a nack
 * when a queue rejected it (overflow reject-publish) or a persist failed.
 *
 * Invariants: publishes are numbered from 1 without gaps; each gets exactly one ack or
 * nack while the channel is open; `pending` maps a number to the persists it still waits
 * for (> 0) and is emptied when the channel closes.
 */
import type { ChannelSink } from '../channel-sink.js';

export class Confirms {
  private seq = 0;
  private readonly pending = new Map<number, number>();

  constructor(private readonly sink: ChannelSink) {}

  /** The number of the next confirmed publish. */
  next(): number {
    return ++this.seq;
  }

  /** Publish `seq` reached its queues: `rejected` by one, or waiting for `persists`. */
  routed(seq: number, rejected: boolean, persists: number): void {
    if (rejected) this.sink.publisherNack(seq, false);
    else if (persists > 0) this.pending.set(seq, persists);
    else this.sink.publisherAck(seq, false);
  }

  /** One persist publish `seq` waited on is durable: the last one acks it. */
  durable(seq: number): void {
    const left = this.pending.get(seq);
    if (left === undefined) return;
    if (left > 1) this.pending.set(seq, left - 1);
    else {
      this.pending.delete(seq);
      this.sink.publisherAck(seq, false);
    }
  }

  /** A persist of publish `seq` failed: it is nacked (once). */
  failed(seq: number): void {
    if (this.pending.delete(seq)) this.sink.publisherNack(seq, false);
  }

  /** The channel closed: outstanding confirms are dropped. */
  clear(): void {
    this.pending.clear();
  }
}
