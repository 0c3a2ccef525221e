/**
 * The per-channel FIFO between the engine's sink and user code. The engine delivers from
 * its drain loop, possibly inside the caller's own engine call (a publish that routes to a
 * consumer on the same connection); running consumer callbacks there would let user code
 * observe a delivery before the call that caused it returned, which no network transport
 * can do (an RPC reply arriving before the caller registered its correlation id). So the
 * sink only enqueues, and the queue runs callbacks from a microtask, in order.
 *
 * Invariants: entries are (target, argument) pairs stored flat in one deque (no per-entry
 * allocation); a target is a consumer tag (resolved through `lookup` at run time, so a
 * cancel queued behind deliveries sees them through) or a control function. At most
 * BATCH entries run per turn; the rest continue on setImmediate so a deep queue with a
 * synchronously acking consumer cannot starve I/O. `writable` goes false at HIGH_WATER
 * entries (it only matters for no-ack consumers; prefetch bounds the others), and `resume`
 * is called once a stalled queue is down to HIGH_WATER / 2 entries.
 *
 * `hold(barrier)` pauses the queue until the barrier settles (the broker's store has recorded
 * the first deliveries queued so far): nothing queued runs before it, order is kept.
 */
import { Deque } from '../../util/deque.js';
import type { TransportMessage } from '../transport.js';

export type Control = () => void;
type Target = string | Control;

const HIGH_WATER = 1024;
const BATCH = 4096;

export class DeliveryQueue {
  readonly #items = new Deque<Target | TransportMessage | undefined>(64);
  #scheduled = false;
  #stalled = false;
  #held: Promise<void> | undefined;

  constructor(
    /** Finds the callback of a consumer tag; undefined drops the message. */
    private readonly lookup: (consumerTag: string) => ((m: TransportMessage) => void) | undefined,
    /** Called after a stall (writable went false) once there is room again. */
    private readonly resume: () => void,
    /** Receives errors thrown by user callbacks. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Read by the engine before every delivery. */
  get writable(): boolean {
    if (this.#items.length < HIGH_WATER * 2) return true;
    this.#stalled = true;
    return false;
  }

  delivery(consumerTag: string, message: TransportMessage): void {
    this.#items.push(consumerTag);
    this.#items.push(message);
    this.#schedule();
  }

  control(fn: Control): void {
    this.#items.push(fn);
    this.#items.push(undefined);
    this.#schedule();
  }

  /** Runs nothing more until `barrier` settled (a hold already pending covers this one). */
  hold(barrier: () => Promise<void>): void {
    if (this.#held !== undefined) return;
    const release = (): void => {
      if (this.#held !== held) return;
      this.#held = undefined;
      if (this.#items.length > 0) this.#schedule();
    };
    const held = barrier().then(release, release);
    this.#held = held;
  }

  #schedule(): void {
    if (this.#scheduled || this.#held !== undefined) return;
    this.#scheduled = true;
    queueMicrotask(this.#run);
  }

  readonly #run = (): void => {
    const items = this.#items;
    let budget = BATCH;
    while (items.length > 0 && budget-- > 0) {
      if (this.#held !== undefined) {
        this.#scheduled = false;
        return;
      }
      const target = items.shift() as Target;
      const arg = items.shift();
      try {
        if (typeof target === 'function') target();
        else this.lookup(target)?.(arg as TransportMessage);
      } catch (err) {
        this.onError(err);
      }
      if (this.#stalled && items.length < HIGH_WATER) {
        this.#stalled = false;
        this.resume();
      }
    }
    if (items.length > 0) setImmediate(this.#run);
    else this.#scheduled = false;
  };
}
