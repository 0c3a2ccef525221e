/**
 * A queue consumer with bounded concurrency and graceful stop, shared by task workers, the
 * RPC server and subscribers. Deliveries beyond `concurrency` (up to `prefetch`) wait locally;
 * stopping cancels the consumer, hands the waiting (never started) ones back to the queue,
 * lets running handlers finish until the deadline and then nacks the rest back (requeue).
 * Handing back is a nack with requeue unless the spec says otherwise: task workers count a
 * redelivered message as an interrupted attempt, so they hand back an uncharged copy instead.
 */
import type { TransportChannel, TransportMessage } from '../transports/transport.js';
import { Delivery } from './delivery.js';
import { ShutdownError } from './errors.js';
import type { SessionComponent } from './session.js';

export interface ConsumerSpec {
  /** For error reports. */
  name: string;
  prefetch: number;
  concurrency: number;
  /** Declares the topology on `channel`; resolves to the queue to consume. */
  setup(channel: TransportChannel): Promise<string>;
  /** Handles one delivery and settles it (ack/nack); must not throw. */
  handle(delivery: Delivery): Promise<void>;
  /** Returns a delivery that was never started to its queue; default: nack with requeue. */
  handBack?(delivery: Delivery): Promise<void>;
  /** The connection dropped with `delivery` unsettled; `started` if it was being handled. */
  lost?(delivery: Delivery, started: boolean): void;
}

export class HandlerConsumer implements SessionComponent {
  readonly #spec: ConsumerSpec;
  readonly #openChannel: () => Promise<TransportChannel>;
  readonly #onError: (err: unknown) => void;
  readonly #waiting: Delivery[] = [];
  readonly #running = new Map<Delivery, Promise<void>>();
  #channel: TransportChannel | undefined;
  #consumerTag: string | undefined;
  #stopping = false;
  /** The queue being consumed (server-named queues change on every start). */
  queue = '';

  constructor(
    spec: ConsumerSpec,
    openChannel: () => Promise<TransportChannel>,
    onError: (err: unknown) => void,
  ) {
    this.#spec = spec;
    this.#openChannel = openChannel;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    if (this.#stopping) return;
    const channel = await this.#openChannel();
    this.#channel = channel;
    await channel.prefetch(this.#spec.prefetch);
    this.queue = await this.#spec.setup(channel);
    this.#consumerTag = await channel.consume(this.queue, (m) => this.#onMessage(channel, m));
  }

  onDisconnect(): void {
    const spec = this.#spec;
    for (const d of this.#waiting.splice(0)) {
      if (d.active) spec.lost?.(d, false);
      d.lose();
    }
    for (const d of this.#running.keys()) {
      if (d.active) spec.lost?.(d, true);
      d.lose();
    }
    this.#channel = undefined;
    this.#consumerTag = undefined;
  }

  /** Stops consuming and settles every delivery within `deadline` (epoch ms). */
  async stop(deadline: number): Promise<void> {
    this.#stopping = true;
    const channel = this.#channel;
    if (channel && this.#consumerTag !== undefined) {
      await channel.cancel(this.#consumerTag).catch(() => undefined);
    }
    await Promise.all(this.#waiting.splice(0).map((d) => this.#handBack(d)));
    const remaining = deadline - Date.now();
    if (this.#running.size > 0 && remaining > 0) {
      await Promise.race([Promise.allSettled(this.#running.values()), sleep(remaining)]);
    }
    for (const d of this.#running.keys()) {
      d.abort(new ShutdownError('shutdown deadline passed; message requeued'));
      d.nack(true);
    }
    await channel?.close().catch(() => undefined);
  }

  #onMessage(channel: TransportChannel, message: TransportMessage): void {
    const delivery = new Delivery(message, channel);
    if (this.#stopping) {
      void this.#handBack(delivery);
      return;
    }
    this.#waiting.push(delivery);
    this.#pump();
  }

  #handBack(delivery: Delivery): Promise<void> {
    if (this.#spec.handBack === undefined) {
      delivery.nack(true);
      return Promise.resolve();
    }
    return this.#spec.handBack(delivery).catch((err: unknown) => {
      this.#onError(err);
      delivery.nack(true);
    });
  }

  #pump(): void {
    while (this.#running.size < this.#spec.concurrency && !this.#stopping) {
      const next = this.#waiting.shift();
      if (!next) return;
      // One reaction for both outcomes (no catch + finally chain): settled, it frees the slot.
      const run = this.#spec.handle(next).then(
        () => this.#finished(next),
        (err: unknown) => {
          try {
            this.#onError(err);
          } finally {
            this.#finished(next);
          }
        },
      );
      this.#running.set(next, run);
    }
  }

  #finished(delivery: Delivery): void {
    this.#running.delete(delivery);
    this.#pump();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
