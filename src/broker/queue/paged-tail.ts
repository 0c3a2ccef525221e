/**
 * The paged-out tail of a durable queue (larger-than-memory backlogs). Once the queue's
 * in-memory messages cost more than the store's pageThreshold, new messages go here instead
 * of the ready list: persistent ones (already appended to the log by persist()) keep only
 * their store index entry — the Message object is dropped once its record is written —,
 * transient ones wait in `transient`. Page-in reads the next few MiB ahead of consumers
 * and hands messages back in seq order, merging transient ones by seq.
 *
 * Invariants: every message of the paged region has a seq above every message in the ready
 * list or unacked; the paged persistent messages are exactly the store's live entries of
 * this queue with seq >= fromSeq; `gen` changes on purge/delete/sync read so an in-flight
 * async read is discarded rather than delivered twice.
 */
import { Deque } from '../../util/deque.js';
import type { Message } from '../message.js';
import type { MessageStore } from '../store/message-store.js';

/** Estimated in-memory cost of a queued message beyond its body (object, properties, deque slot). */
export const MESSAGE_OVERHEAD = 256;
/** Bytes of records read per page-in. */
const PAGE_BATCH = 4 * 1024 * 1024;

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

  constructor(
    private readonly store: MessageStore,
    private readonly key: string,
    readonly threshold: number,
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

  /** Recovery: `count` logged messages from `fromSeq` on stay on disk. */
  restorePaged(count: number, bytes: number, fromSeq: number): void {
    this.count = count;
    this.bytes = bytes;
    this.fromSeq = fromSeq;
  }

  /** basic.get on an empty ready list: pages in one batch synchronously. */
  readSync(push: (m: Message) => void): void {
    this.gen++;
    this.reading = false;
    if (this.count === 0) return this.flushTransient(Infinity, push);
    this.deliver(this.store.readPagedSync!(this.key, this.fromSeq, PAGE_BATCH), push);
  }

  /** Starts an async page-in (no-op while one runs); `after` runs once messages were pushed. */
  readAsync(
    push: (m: Message) => void,
    after: () => void,
    run: (fn: () => void) => void,
    onError: (e: unknown) => void,
  ): void {
    if (this.reading) return;
    if (this.count === 0) {
      this.flushTransient(Infinity, push);
      return after();
    }
    this.reading = true;
    const gen = this.gen;
    this.store.readPaged!(this.key, this.fromSeq, PAGE_BATCH, (e, messages) =>
      run(() => {
        if (gen !== this.gen) return;
        this.reading = false;
        if (e !== null && e !== undefined) return onError(e);
        this.deliver(messages, push);
        after();
      }),
    );
  }

  private deliver(messages: Message[], push: (m: Message) => void): void {
    for (const m of messages) {
      this.flushTransient(m.seq, push);
      push(m);
      this.count--;
      this.bytes -= m.body.length;
      this.fromSeq = m.seq + 1;
    }
    // Nothing found although messages were counted: the index lost them; stop paging.
    if (messages.length === 0) this.count = 0;
    if (this.count <= 0) {
      this.count = 0;
      this.bytes = 0;
      this.flushTransient(Infinity, push);
    }
  }

  private flushTransient(below: number, push: (m: Message) => void): void {
    const t = this.transient;
    while (t.length > 0 && t.peek()!.seq < below) {
      const m = t.shift()!;
      this.transientBytes -= m.body.length;
      push(m);
    }
  }

  /** Purge / delete: forgets the region (the caller removes the stored entries). */
  clear(): Message[] {
    this.gen++;
    this.reading = false;
    this.count = 0;
    this.bytes = 0;
    this.transientBytes = 0;
    const out = this.transient.toArray();
    this.transient.clear();
    return out;
  }
}
