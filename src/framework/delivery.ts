/**
 * One received message and the right to settle it, exactly once. Settling twice (a handler
 * that finishes after shutdown already nacked it back) is a no-op, so nothing is ever acked
 * that was not done, nor settled twice.
 */
import type { PublishProperties, TransportChannel, TransportMessage } from '../transports/transport.js';

export class Delivery {
  readonly message: TransportMessage;
  readonly #channel: TransportChannel;
  /**
   * Created on first use: most handlers never read their signal and most deliveries are never
   * aborted, and an AbortController (with its signal) per message is measurable.
   */
  #controller: AbortController | undefined;
  #settled = false;
  #lost = false;
  /** Taken over by shutdown (claim()): the handler's outcome no longer settles it. */
  #claimed = false;

  constructor(message: TransportMessage, channel: TransportChannel) {
    this.message = message;
    this.#channel = channel;
  }

  /** Aborted on handler timeout or when shutdown gives up on the handler. */
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** False once acked, nacked, abandoned or claimed: its handler's outcome no longer matters. */
  get active(): boolean {
    return !this.#settled && !this.#claimed;
  }

  /**
   * Shutdown takes over a delivery whose handler is still running, to settle it itself (a
   * hand-back): the handler's outcome is ignored from now on, while ack/nack still work.
   */
  claim(): void {
    this.#claimed = true;
  }

  abort(reason: unknown): void {
    (this.#controller ??= new AbortController()).abort(reason);
  }

  ack(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#channel.ack(this.message);
  }

  nack(requeue: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#channel.nack(this.message, requeue);
  }

  /**
   * Resolves after one round trip on the delivery's channel (basic.qos with the consumer's
   * unchanged `prefetch`): the broker has then processed this delivery's ack, which was sent
   * before it on the same channel. Never rejects (a dead channel requeued it anyway).
   */
  roundTrip(prefetch: number): Promise<void> {
    return this.#channel.prefetch(prefetch).catch(() => undefined);
  }

  /** True once its channel died: the broker requeues it, it comes back redelivered. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Publishes on the channel this message came in on (an RPC reply): it reaches the broker
   * ahead of this delivery's ack, and needs no channel of its own.
   */
  publishOnChannel(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: PublishProperties,
  ): Promise<void> {
    return this.#channel.publish(exchange, routingKey, body, properties);
  }

  /** The channel died: the broker requeues the message itself; forget it. */
  lose(): void {
    if (!this.#settled) this.#lost = true;
    this.#settled = true;
  }
}
