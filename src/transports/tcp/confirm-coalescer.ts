/**
 * Publisher acks of one channel, coalesced per socket flush as RabbitMQ coalesces them: the
 * acks the engine produced since the last flush go out as one basic.ack multiple=true for the
 * longest run that completes every tag below it, plus single acks for tags left above a gap
 * (a publish still waiting on a persist, or nacked). 2,000 confirmed publishes in one burst
 * cost a handful of ack frames instead of 2,000.
 *
 * Invariants: a multiple=true ack for tag T is only written when every tag <= T has been
 * acked or nacked on the wire (`floor` tracks the highest such tag, `ahead` the tags
 * confirmed individually above it); each tag is confirmed once; acks queued before a nack
 * or any other frame of the channel are written first (the owner calls `flush`).
 */
export type AckWriter = (deliveryTag: number, multiple: boolean) => void;

export class ConfirmCoalescer {
  /** Every tag <= floor has been acked or nacked on the wire. */
  private floor = 0;
  /** Tags above `floor` already confirmed on the wire (out of order). */
  private readonly ahead = new Set<number>();
  /** Acks not yet written, in the order the engine produced them. */
  private batch: number[] = [];

  constructor(private readonly writeAck: AckWriter) {}

  get pending(): boolean {
    return this.batch.length > 0;
  }

  /** Queues an ack; true when it is the first since the last flush (register for the flush). */
  add(deliveryTag: number): boolean {
    this.batch.push(deliveryTag);
    return this.batch.length === 1;
  }

  /** A tag confirmed on the wire some other way (a nack): call after `flush`. */
  confirmedElsewhere(deliveryTag: number): void {
    this.ahead.add(deliveryTag);
    this.advance();
  }

  /** Writes the queued acks: one multiple ack for the contiguous run, singles for the rest. */
  flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    if (!isAscending(batch)) batch.sort((a, b) => a - b);
    let i = 0;
    let covered = 0;
    let last = 0;
    for (;;) {
      if (i < batch.length && batch[i] === this.floor + 1) {
        last = this.floor = batch[i++]!;
        covered++;
      } else if (this.ahead.size > 0 && this.ahead.delete(this.floor + 1)) {
        this.floor++;
      } else break;
    }
    if (covered > 0) this.writeAck(last, covered > 1);
    for (; i < batch.length; i++) {
      this.writeAck(batch[i]!, false);
      this.ahead.add(batch[i]!);
    }
  }

  private advance(): void {
    while (this.ahead.size > 0 && this.ahead.delete(this.floor + 1)) this.floor++;
  }
}

function isAscending(a: number[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) return false;
  return true;
}
