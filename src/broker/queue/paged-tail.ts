/**
 * The paged-out tail of a durable queue (larger-than-memory backlogs). Once the queue's
 * in-memory messages cost more than the store's pageThreshold, new messages go here instead
 * of the ready list: persistent ones (already appended to the log by persist()) keep only
 * their store index entry — the Message object is dropped once its record is written —,
 * transient ones wait in `transient`. Page-in reads the next few MiB ahead of consumers
 * and hands messages back in seq order, merging transient ones by seq. The queue keeps only
 * the decision of where a message goes; reading ahead, sync reads for basic.get and dropping
 * the region on purge/delete live here, calling back into the queue through the three
 * functions of the PageInTarget it passes once at construction (no closures per read).
 *
 * Invariants: every message of the paged region has a seq above every message in the ready
 * list or unacked; the paged persistent messages are exactly the store's live entries of
 * this queue with seq >= fromSeq; `gen` changes on purge/delete/sync read so an in-flight
 * async read is discarded rather than delivered twice.
 */
import { Deque } from '../../util/deque.js';
import type { Message } from '../message.js';
import type { MessageStore } from '../store/message-store.js';
import type { QueueConfig } from './queue-config.js';

/** Estimated in-memory cost of a queued message beyond its body (object, properties, deque slot). */
export const MESSAGE_OVERHEAD = 256;
/** Bytes of records read per page-in. */
const PAGE_BATCH = 4 * 1024 * 1024;

/** How a paged tail hands messages back to its queue. */
export interface PageInTarget {
  /** The queue's name (for warnings). */
  readonly name: string;
  /** A message paged back in (seq order): the queue appends it to its ready list. */
  push(m: Message): void;
  /** An async page-in pushed its batch: the queue wakes its consumers. */
  batchDone(): void;
  /** Runs `fn` as an engine entry point (the scheduler's run()). */
  run(fn: () => void): void;
}

export class PagedTail {
  /** Paged persistent messages (index entries only) and their body bytes. */
  count = 0;
  bytes = 0;
  /** Lowest seq of the paged region: the page-in cursor. */
  fromSeq = 0;
  readonly transient = new Deque<Message>(16);
  transientBytes = 0;
  reading = false;
  private gen = 0;

  /** The tail of a queue that pages (durable, no length limit, no priorities, a paging store). */
  static forQueue(
    store: MessageStore,
    key: string,
    durable: boolean,
    config: QueueConfig,
    target: PageInTarget,
  ): PagedTail | undefined {
    const threshold = store.pageThreshold;
    const limited = config.maxLength !== undefined || config.maxLengthBytes !== undefined;
    if (!durable || threshold === undefined || limited || config.maxPriority !== undefined) return undefined;
    return new PagedTail(store, key, threshold, target);
  }

  constructor(
    private readonly store: MessageStore,
    private readonly key: string,
    readonly threshold: number,
    private readonly target: PageInTarget,
  ) {}

  get active(): boolean {
    return this.count > 0 || this.transient.length > 0;
  }

  get length(): number {
    return this.count + this.transient.length;
  }

  /** Takes a message instead of the ready list (`stored`: persist() has it in the log). */
  add(m: Message, stored: boolean): void {
    if (stored) {
      if (this.count === 0) this.fromSeq = m.seq;
      this.count++;
      this.bytes += m.body.length;
    } else {
      this.transient.push(m);
      this.transientBytes += m.body.length;
    }
  }

  /** A paged-out message whose log write failed leaves the tail (its index entry goes too). */
  dropStored(m: Message): boolean {
    if (this.count === 0 || m.seq < this.fromSeq) return false;
    this.count--;
    this.bytes -= m.body.length;
    return true;
  }

  /** Recovery: `count` logged messages from `fromSeq` on stay on disk. */
  restorePaged(count: number, bytes: number, fromSeq: number): void {
    this.count = count;
    this.bytes = bytes;
    this.fromSeq = fromSeq;
  }

  /** basic.get on an empty ready list: pages in one batch synchronously. */
  readSync(): void {
    this.gen++;
    this.reading = false;
    if (this.count === 0) return this.flushTransient(Infinity);
    this.deliver(this.store.readPagedSync!(this.key, this.fromSeq, PAGE_BATCH));
  }

  /** Reads ahead of consumers while the queue's in-memory cost is under half the threshold. */
  pageIn(memoryCost: number): void {
    if (this.reading || memoryCost >= this.threshold / 2) return;
    if (this.count === 0) {
      this.flushTransient(Infinity);
      return this.target.batchDone();
    }
    this.reading = true;
    const gen = this.gen;
    this.store.readPaged!(this.key, this.fromSeq, PAGE_BATCH, (e, messages) =>
      this.target.run(() => {
        if (gen !== this.gen) return;
        this.reading = false;
        if (e !== null && e !== undefined) return this.warn(e);
        this.deliver(messages);
        this.target.batchDone();
      }),
    );
  }

  private warn(e: unknown): void {
    console.warn(`warren: paging in queue '${this.target.name}' failed: ${String(e)}`);
  }

  private deliver(messages: Message[]): void {
    for (const m of messages) {
      this.flushTransient(m.seq);
      this.target.push(m);
      this.count--;
      this.bytes -= m.body.length;
      this.fromSeq = m.seq + 1;
    }
    // Nothing found although messages were counted: the index lost them; stop paging.
    if (messages.length === 0) this.count = 0;
    if (this.count <= 0) {
      this.count = 0;
      this.bytes = 0;
      this.flushTransient(Infinity);
    }
  }

  private flushTransient(below: number): void {
    const t = this.transient;
    while (t.length > 0 && t.peek()!.seq < below) {
      const m = t.shift()!;
      this.transientBytes -= m.body.length;
      this.target.push(m);
    }
  }

  /**
   * Purge / delete: drops the region, returning how many messages it held. The stored
   * entries are removed unless the queue is deleted (the store then drops it whole).
   */
  discard(queueDeleted: boolean): number {
    if (!this.active) return 0;
    const stored =
      this.count > 0 && !queueDeleted ? (this.store.removeFrom?.(this.key, this.fromSeq) ?? 0) : this.count;
    this.gen++;
    this.reading = false;
    this.count = 0;
    this.bytes = 0;
    this.transientBytes = 0;
    const transient = this.transient.length;
    this.transient.clear();
    return stored + transient;
  }
}
