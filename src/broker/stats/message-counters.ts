/**
 * Monotonic message counters, as RabbitMQ's message_stats: the management API and /metrics
 * read them and derive rates by sampling. Kept on each queue (fed by the queue itself) and
 * on each vhost's monitor (publishes, fed by channels); plain fields so counting costs an
 * increment on the hot path.
 */
export class MessageCounters {
  /** Messages published (vhost: basic.publish calls; queue: messages enqueued). */
  publish = 0;
  /** Deliveries to consumers in ack mode. */
  deliver = 0;
  /** Deliveries to no-ack consumers. */
  deliverNoAck = 0;
  /** basic.get answered in ack mode. */
  get = 0;
  /** basic.get answered with no-ack. */
  getNoAck = 0;
  /** Deliveries that had been delivered before. */
  redeliver = 0;
  /** Acknowledged deliveries. */
  ack = 0;

  /** deliver + deliver_no_ack + get + get_no_ack (RabbitMQ's deliver_get). */
  get deliverGet(): number {
    return this.deliver + this.deliverNoAck + this.get + this.getNoAck;
  }

  /** Counts one delivery (consumer or basic.get). */
  delivered(noAck: boolean, viaGet: boolean, redelivered: boolean): void {
    if (viaGet) {
      if (noAck) this.getNoAck++;
      else this.get++;
    } else if (noAck) this.deliverNoAck++;
    else this.deliver++;
    if (redelivered) this.redeliver++;
  }

  /** Adds another set of counters into this one (totals over queues). */
  add(other: MessageCounters): this {
    this.publish += other.publish;
    this.deliver += other.deliver;
    this.deliverNoAck += other.deliverNoAck;
    this.get += other.get;
    this.getNoAck += other.getNoAck;
    this.redeliver += other.redeliver;
    this.ack += other.ack;
    return this;
  }
}
