/**
 * A queue consumer with bounded concurrency and graceful stop, shared by task workers, the
 * RPC server and subscribers. Deliveries beyond `concurrency` (up to `prefetch`) wait locally;
 * stopping cancels the consumer, hands the waiting (never started) ones back to the queue
 * (and those that arrive after the cancel, waiting for every hand-back before the channel
 * closes), lets running handlers finish until the deadline and then nacks the rest back.
 * Handing back is a nack with requeue unless the spec says otherwise: a redelivered task
 * message is a suspect (run alone, task-worker.ts), so task workers hand back a copy instead.
 *
 * When the broker cancels the consumer (basic.cancel: its queue was deleted, or on a cluster
 * the node holding a classic queue went down) it consumes again on a new channel, declaring
 * the queue anew (on a live node), after a short pause and a bounded number of tries.
 */
import type { TransportChannel, TransportMessage } from '../transports/transport.js';
import { Delivery } from './delivery.js';
import { ConsumerCancelledError, ShutdownError } from './errors.js';
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
  /** The connection dropped (called before `lost` for each delivery it held). */
  disconnected?(): void;
  /** The connection dropped with `delivery` unsettled; `started` if it was being handled. */
  lost?(delivery: Delivery, started: boolean): void;
  /** A queue whose messages this consumer's handler also runs (a task's quarantine queue). */
  sideQueue?: string;
  /** Deliveries held elsewhere for this consumer's handler (a task's quarantine run). */
  pendingElsewhere?(): number;
  /** Stopping: settles what is held elsewhere within `deadline` (epoch ms). */
  stopping?(deadline: number): Promise<void>;
}

/** Tries to consume again after a broker cancel, 200 ms apart and more each time. */
const RESUBSCRIBE_ATTEMPTS = 8;
const RESUBSCRIBE_DELAY_MS = 200;

export class HandlerConsumer implements SessionComponent {
  readonly #spec: ConsumerSpec;
  readonly #openChannel: () => Promise<TransportChannel>;
  readonly #onError: (err: unknown) => void;
  readonly #waiting: Delivery[] = [];
  readonly #running = new Map<Delivery, Promise<void>>();
  /** Hand-backs in progress: stop() waits for them before closing the channel. */
  readonly #handingBack = new Set<Promise<void>>();
  #channel: TransportChannel | undefined;
  #consumerTag: string | undefined;
  #stopping = false;
  /** stop() is closing the channel: a delivery arriving now is left to the close (requeued). */
  #closing = false;
  /** pause(): no basic.consume until resume() (kept across reconnects). */
  #paused = false;
  /** Channels whose consumer the broker cancelled: their deliveries settle there; closed on stop. */
  #retired: TransportChannel[] = [];
  /** Bumped on every disconnect, so a resubscribe loop from before it gives up. */
  #generation = 0;
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

  /** Deliveries received and not yet settled (running or waiting for a slot). */
  get pending(): number {
    return this.#running.size + this.#waiting.length + (this.#spec.pendingElsewhere?.() ?? 0);
  }

  /** See ConsumerSpec.sideQueue. */
  get sideQueue(): string | undefined {
    return this.#spec.sideQueue;
  }

  /** Consuming now: started, connected, neither paused nor stopping. */
  get consuming(): boolean {
    return this.#channel !== undefined && !this.#paused && !this.#stopping;
  }

  async start(): Promise<void> {
    if (this.#stopping) return;
    const channel = await this.#openChannel();
    this.#channel = channel;
    await channel.prefetch(this.#spec.prefetch);
    this.queue = await this.#spec.setup(channel);
    if (!this.#paused) await this.#subscribe(channel);
  }

  async #subscribe(channel: TransportChannel): Promise<void> {
    this.#consumerTag = await channel.consume(this.queue, (m) => this.#onMessage(channel, m), {
      onCancel: () => this.#onBrokerCancel(channel),
    });
  }

  /**
   * The broker cancelled the consumer (its queue was deleted, or the node holding it died):
   * report it, then consume again on a fresh channel, redeclaring the topology, retrying
   * while the queue is unavailable (a cluster electing a new leader).
   */
  #onBrokerCancel(channel: TransportChannel): void {
    if (this.#stopping || channel !== this.#channel) return;
    this.#onError(new ConsumerCancelledError(this.#spec.name, this.queue));
    this.#retired.push(channel);
    this.#channel = undefined;
    this.#consumerTag = undefined;
    void this.#resubscribe(this.#generation);
  }

  async #resubscribe(generation: number): Promise<void> {
    for (let attempt = 1; attempt <= RESUBSCRIBE_ATTEMPTS; attempt++) {
      await sleep(RESUBSCRIBE_DELAY_MS * attempt);
      // Stopped, or the connection dropped (the session's restart takes over).
      if (this.#stopping || generation !== this.#generation || this.#channel !== undefined) return;
      try {
        await this.start();
        return;
      } catch (err) {
        const failed = this.#channel as TransportChannel | undefined;
        this.#channel = undefined;
        await failed?.close().catch(() => undefined);
        if (attempt === RESUBSCRIBE_ATTEMPTS) this.#onError(err);
      }
    }
  }

  /**
   * Stops taking deliveries (the queue keeps them): cancels the consumer and hands back the
   * waiting ones; running handlers finish. Before start(), start() then does not consume.
   */
  async pause(): Promise<void> {
    if (this.#paused) return;
    this.#paused = true;
    const channel = this.#channel;
    const tag = this.#consumerTag;
    this.#consumerTag = undefined;
    if (channel && tag !== undefined) await channel.cancel(tag).catch(() => undefined);
    await Promise.all(this.#waiting.splice(0).map((d) => this.#handBack(d)));
  }

  /** Consumes again after pause(). */
  async resume(): Promise<void> {
    if (!this.#paused) return;
    this.#paused = false;
    const channel = this.#channel;
    if (channel && !this.#stopping && this.#consumerTag === undefined) await this.#subscribe(channel);
  }

  onDisconnect(): void {
    this.#generation++;
    this.#retired = [];
    const spec = this.#spec;
    spec.disconnected?.();
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
    await Promise.all([
      ...this.#waiting.splice(0).map((d) => this.#handBack(d)),
      this.#spec.stopping?.(deadline),
    ]);
    const remaining = deadline - Date.now();
    if (this.#running.size > 0 && remaining > 0) {
      await Promise.race([Promise.allSettled(this.#running.values()), sleep(remaining)]);
    }
    for (const d of this.#running.keys()) {
      d.abort(new ShutdownError('shutdown deadline passed; message requeued'));
      d.nack(true);
    }
    // Deliveries that arrived after the cancel are being handed back: their copies must be
    // published and their originals acked before the channel (and then the app) closes.
    while (this.#handingBack.size > 0) await Promise.all(this.#handingBack);
    this.#closing = true;
    await channel?.close().catch(() => undefined);
    await Promise.all(this.#retired.splice(0).map((c) => c.close().catch(() => undefined)));
  }

  #onMessage(channel: TransportChannel, message: TransportMessage): void {
    // A delivery read from the old connection after the disconnect was handled: that channel
    // is dead, so the broker requeues the message and it comes back redelivered. Running it
    // here would run it twice (and charge the redelivery as an interrupted attempt).
    if (channel !== this.#channel || this.#closing) return;
    const delivery = new Delivery(message, channel);
    if (this.#stopping || this.#paused) {
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
    const handing: Promise<void> = this.#spec
      .handBack(delivery)
      .catch((err: unknown) => {
        this.#onError(err);
        delivery.nack(true);
      })
      .finally(() => this.#handingBack.delete(handing));
    this.#handingBack.add(handing);
    return handing;
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
