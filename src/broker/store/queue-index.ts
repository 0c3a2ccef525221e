/**
 * The in-memory index of one durable queue's messages in the log: per message its seq,
 * segment id, offset and length, and flags, in parallel typed arrays (21 bytes a message),
 * sorted by seq. This, not the Message objects, is what the store keeps per message, so a
 * backlog's bodies can live on disk only.
 *
 * Invariants: entries in [head, tail) are sorted by seq, strictly increasing; an entry whose
 * PUBLISH record is not on disk yet (or failed to be written) has seg = SEG_PENDING and its
 * PendingRecord in `pending` (which holds the message, so it can be served from memory);
 * dead entries (F_DEAD) are trimmed from the head.
 */
import type { Message } from '../message.js';

export const SEG_PENDING = 0xffffffff;
export const F_DEAD = 1;
export const F_DELIVERED = 2;

/** A PUBLISH record appended but not yet on disk. seg: -1 in flight, -2 failed, else written. */
export interface PendingRecord {
  message: Message;
  seg: number;
  off: number;
  len: number;
}

export class QueueIndex {
  seqs = new Float64Array(16);
  segs = new Uint32Array(16);
  offs = new Uint32Array(16);
  lens = new Uint32Array(16);
  flags = new Uint8Array(16);
  head = 0;
  tail = 0;
  /** Live (not dead) entries. */
  live = 0;
  /** Highest seq ever indexed (a restarted queue numbers on from it). */
  maxSeq = 0;
  readonly pending = new Map<number, PendingRecord>();

  constructor(readonly queueKey: string) {}

  private grow(): void {
    const n = this.tail - this.head;
    const cap = Math.max(16, n * 2);
    const move = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a.subarray(this.head, this.tail));
      return b;
    };
    this.seqs = move(this.seqs, new Float64Array(cap));
    this.segs = move(this.segs, new Uint32Array(cap));
    this.offs = move(this.offs, new Uint32Array(cap));
    this.lens = move(this.lens, new Uint32Array(cap));
    this.flags = move(this.flags, new Uint8Array(cap));
    this.head = 0;
    this.tail = n;
  }

  /** Appends an entry with a seq above every indexed one. */
  append(seq: number, seg: number, off: number, len: number, flags: number): void {
    if (this.tail === this.seqs.length) this.grow();
    const i = this.tail++;
    this.seqs[i] = seq;
    this.segs[i] = seg;
    this.offs[i] = off;
    this.lens[i] = len;
    this.flags[i] = flags;
    if ((flags & F_DEAD) === 0) this.live++;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /** Inserts or replaces the entry for `seq` (recovery replay: re-publish after compaction or restart). */
  upsert(seq: number, seg: number, off: number, len: number, flags: number): void {
    if (this.tail === this.head || seq > this.seqs[this.tail - 1]!) {
      this.append(seq, seg, off, len, flags);
      return;
    }
    let i = this.lowerBound(seq);
    if (this.seqs[i] !== seq) {
      if (this.tail === this.seqs.length) this.grow();
      i = this.lowerBound(seq);
      for (const a of [this.seqs, this.segs, this.offs, this.lens, this.flags])
        a.copyWithin(i + 1, i, this.tail);
      this.tail++;
    } else if ((this.flags[i]! & F_DEAD) === 0) {
      this.live--;
    }
    this.seqs[i] = seq;
    this.segs[i] = seg;
    this.offs[i] = off;
    this.lens[i] = len;
    this.flags[i] = flags;
    if ((flags & F_DEAD) === 0) this.live++;
  }

  /** First position in [head, tail) whose seq >= `seq`. */
  lowerBound(seq: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of `seq`, or -1. */
  find(seq: number): number {
    const i = this.lowerBound(seq);
    return i < this.tail && this.seqs[i] === seq ? i : -1;
  }

  /** Marks an entry dead; returns false when it was not live. */
  kill(i: number): boolean {
    const f = this.flags[i]!;
    if ((f & F_DEAD) !== 0) return false;
    this.flags[i] = f | F_DEAD;
    this.live--;
    if (i === this.head) this.trim();
    return true;
  }

  /** Drops dead entries from the head; compacts the arrays when mostly dead. */
  trim(): void {
    while (this.head < this.tail && (this.flags[this.head]! & F_DEAD) !== 0) this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > 4096 && this.head > (this.tail - this.head) * 2) {
      this.grow();
    }
  }

  /** Positions of live entries, in seq order. */
  *liveEntries(): IterableIterator<number> {
    for (let i = this.head; i < this.tail; i++) if ((this.flags[i]! & F_DEAD) === 0) yield i;
  }
}
