/**
 * A channel's deliveries awaiting acknowledgement, in delivery-tag order. Stored as
 * parallel ring arrays (no object per delivery): tag, message, queue, consumer, time.
 * Acks usually come in order, so settling the front is O(1); an ack out of order is found
 * by binary search and leaves a tombstone that is compacted once it reaches the front.
 *
 * Invariants: tags strictly increase from front to back; the front entry is always live
 * (never a tombstone) unless the log is empty; `size` counts live entries.
 */
import type { Message } from '../message.js';
import type { Consumer, QueueHandle } from '../queue/consumer.js';

export interface UnackedEntry {
  tag: number;
  message: Message;
  queue: QueueHandle;
  consumer: Consumer | null;
  time: number;
}

export class UnackedLog {
  private tags: number[] = new Array<number>(16).fill(0);
  private msgs: (Message | null)[] = new Array<Message | null>(16).fill(null);
  private queues: (QueueHandle | null)[] = new Array<QueueHandle | null>(16).fill(null);
  private consumers: (Consumer | null)[] = new Array<Consumer | null>(16).fill(null);
  private times: number[] = new Array<number>(16).fill(0);
  private mask = 15;
  private head = 0;
  private count = 0;
  size = 0;

  push(tag: number, message: Message, queue: QueueHandle, consumer: Consumer | null, time: number): void {
    if (this.count === this.tags.length) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.tags[i] = tag;
    this.msgs[i] = message;
    this.queues[i] = queue;
    this.consumers[i] = consumer;
    this.times[i] = time;
    this.count++;
    this.size++;
  }

  /** Position (from the front) of a live entry with `tag`, or -1. */
  indexOf(tag: number): number {
    let lo = 0;
    let hi = this.count - 1;
    if (hi < 0) return -1;
    if (this.tags[this.head] === tag) return this.msgs[this.head] === null ? -1 : 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.tags[(this.head + mid) & this.mask]!;
      if (t === tag) return this.msgs[(this.head + mid) & this.mask] === null ? -1 : mid;
      if (t < tag) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Number of slots (live or tombstone) from the front. */
  get slots(): number {
    return this.count;
  }

  tagAt(i: number): number {
    return this.tags[(this.head + i) & this.mask]!;
  }

  isLive(i: number): boolean {
    return this.msgs[(this.head + i) & this.mask] !== null;
  }

  /** Oldest live delivery time (the front), or 0 when empty. */
  oldestTime(): number {
    return this.count === 0 ? 0 : this.times[this.head]!;
  }

  /** Removes the live entry at position `i`, returning it. */
  take(i: number): UnackedEntry {
    const k = (this.head + i) & this.mask;
    const entry: UnackedEntry = {
      tag: this.tags[k]!,
      message: this.msgs[k]!,
      queue: this.queues[k]!,
      consumer: this.consumers[k]!,
      time: this.times[k]!,
    };
    this.clearSlot(k);
    this.compact();
    return entry;
  }

  messageAt(i: number): Message {
    return this.msgs[(this.head + i) & this.mask]!;
  }

  queueAt(i: number): QueueHandle {
    return this.queues[(this.head + i) & this.mask]!;
  }

  consumerAt(i: number): Consumer | null {
    return this.consumers[(this.head + i) & this.mask]!;
  }

  /** Removes the live entry at `i` without building an entry object (the ack hot path). */
  remove(i: number): void {
    this.clearSlot((this.head + i) & this.mask);
    this.compact();
  }

  /** Removes and returns every live entry, in tag order. */
  takeAll(): UnackedEntry[] {
    const out: UnackedEntry[] = [];
    while (this.count > 0) out.push(this.take(0));
    return out;
  }

  /** Puts entries back (tx.rollback of acks), keeping tag order. */
  restore(entries: UnackedEntry[]): void {
    const all = [...this.takeAll(), ...entries].sort((a, b) => a.tag - b.tag);
    for (const e of all) this.push(e.tag, e.message, e.queue, e.consumer, e.time);
  }

  private clearSlot(k: number): void {
    this.msgs[k] = null;
    this.queues[k] = null;
    this.consumers[k] = null;
    this.size--;
  }

  private compact(): void {
    while (this.count > 0 && this.msgs[this.head] === null) {
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
    if (this.count === 0) this.head = 0;
  }

  private grow(): void {
    const cap = this.tags.length * 2;
    const move = <T>(arr: T[], fill: T): T[] => {
      const next = new Array<T>(cap).fill(fill);
      for (let i = 0; i < this.count; i++) next[i] = arr[(this.head + i) & this.mask]!;
      return next;
    };
    this.tags = move(this.tags, 0);
    this.msgs = move(this.msgs, null);
    this.queues = move(this.queues, null);
    this.consumers = move(this.consumers, null);
    this.times = move(this.times, 0);
    this.head = 0;
    this.mask = cap - 1;
  }
}
