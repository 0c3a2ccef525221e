/**
 * Runs a task's suspects: messages a crash of some worker process sent back redelivered,
 * moved uncharged by task-worker.ts to `<queue>.quarantine`. Each is taken (basic.get, one at
 * a time) only once the app's isolation gate has emptied, and runs alone in its process; so a
 * quarantined message that comes back redelivered was running alone when its process died:
 * it is the culprit, and task-worker.ts charges it.
 *
 * Why basic.get and not a consumer: a consumer would hold a suspect while the gate empties,
 * and a crash during that wait (a normal task, or another task's suspect) would send it back
 * redelivered as if it had done it. A taken suspect is never waiting.
 *
 * The queue is checked every POLL_MS (a passive declare) and at once when this worker has just
 * quarantined a message. A suspect still running when the app closes is handed back as an
 * identical copy (not redelivered, so not charged), like a never-started delivery.
 */
import type { TransportChannel } from '../transports/transport.js';
import { Delivery } from './delivery.js';
import { ShutdownError } from './errors.js';
import type { IsolationGate } from './isolation-gate.js';

/** How often each worker looks for suspects others left in the quarantine queue. */
export const QUARANTINE_POLL_MS = 1000;

export interface QuarantineSpec {
  queue: string;
  gate: IsolationGate;
  openChannel: () => Promise<TransportChannel>;
  /** False while the task's consumer is paused, stopped or not started. */
  ready: () => boolean;
  /** Runs a suspect alone and settles it; must not throw. */
  run: (delivery: Delivery) => Promise<void>;
  /** Returns a suspect that shutdown interrupted, uncharged (an identical copy, then ack). */
  handBack: (delivery: Delivery) => Promise<void>;
  /** The connection dropped while `delivery` was running. */
  lost: (delivery: Delivery) => void;
  onError: (err: unknown) => void;
}

export class QuarantineRunner {
  readonly #spec: QuarantineSpec;
  #channel: Promise<TransportChannel> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #current: { delivery: Delivery; done: Promise<void> } | undefined;
  /** A basic.get in flight. */
  #taking: Promise<Delivery | undefined> | undefined;
  #stopped = false;

  constructor(spec: QuarantineSpec) {
    this.#spec = spec;
  }

  /** A suspect is running or being looked for (for app.idle()). */
  get pending(): number {
    return this.#current === undefined ? 0 : 1;
  }

  /** Starts looking for suspects (idempotent; again after a reconnect). */
  start(): void {
    if (this.#stopped) return;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.#poll(), QUARANTINE_POLL_MS);
      this.#timer.unref();
    }
    this.kick();
  }

  /** Looks for suspects now (this worker just quarantined one). */
  kick(): void {
    if (this.#draining !== undefined || this.#stopped) return;
    this.#draining = this.#drain().finally(() => (this.#draining = undefined));
  }

  onDisconnect(): void {
    this.#channel = undefined;
    const current = this.#current;
    if (current?.delivery.active) this.#spec.lost(current.delivery);
    current?.delivery.lose();
  }

  /** Stops taking suspects; a running one gets until `deadline`, then is handed back. */
  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    // A suspect being taken now either starts (then it is #current) or is handed back here.
    const taken = await this.#taking?.catch(() => undefined);
    if (taken?.active === true && this.#current?.delivery !== taken) await this.#handBack(taken);
    const current = this.#current;
    const remaining = deadline - Date.now();
    if (current !== undefined && remaining > 0) await Promise.race([current.done, sleep(remaining)]);
    if (current?.delivery.active === true) {
      current.delivery.claim();
      current.delivery.abort(new ShutdownError('shutdown deadline passed; suspect handed back'));
      await this.#handBack(current.delivery);
    }
    const channel = this.#channel;
    this.#channel = undefined;
    await channel?.then((c) => c.close()).catch(() => undefined);
  }

  async #poll(): Promise<void> {
    if (this.#draining !== undefined || this.#stopped || !this.#spec.ready()) return;
    try {
      const { messageCount } = await (await this.#open()).checkQueue(this.#spec.queue);
      if (messageCount > 0) this.kick();
    } catch (err) {
      this.#failed(err);
    }
  }

  async #drain(): Promise<void> {
    try {
      while (await this.#spec.gate.isolate(() => this.#runOne()));
    } catch (err) {
      this.#failed(err);
    }
  }

  /** Takes one suspect and runs it (the gate is empty); false when there was none. */
  async #runOne(): Promise<boolean> {
    if (this.#stopped || !this.#spec.ready()) return false;
    const taking = this.#take();
    this.#taking = taking;
    const delivery = await taking.finally(() => (this.#taking = undefined));
    if (delivery === undefined) return false;
    // stop() came while it was being taken, and handed it back.
    if (!delivery.active) return true;
    const done = this.#spec.run(delivery);
    this.#current = { delivery, done };
    try {
      await done;
    } finally {
      this.#current = undefined;
    }
    return true;
  }

  async #take(): Promise<Delivery | undefined> {
    const channel = await this.#open();
    const message = await channel.get(this.#spec.queue, { noAck: false });
    return message === null ? undefined : new Delivery(message, channel);
  }

  #handBack(delivery: Delivery): Promise<void> {
    return this.#spec.handBack(delivery).catch((err: unknown) => this.#spec.onError(err));
  }

  #open(): Promise<TransportChannel> {
    this.#channel ??= this.#spec.openChannel();
    return this.#channel;
  }

  /** A dead channel is replaced next time; a failure while connected is reported. */
  #failed(err: unknown): void {
    const channel = this.#channel;
    this.#channel = undefined;
    void channel?.then((c) => c.close()).catch(() => undefined);
    if (!this.#stopped && this.#spec.ready()) this.#spec.onError(err);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
