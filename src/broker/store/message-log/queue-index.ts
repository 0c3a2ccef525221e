/**
 * The in-memory index of one durable queue's messages in the log: per message its seq,
 * where its PUBLISH record is (a Position once written; its AppendedPublish, which holds the
 * message, while the batch is in flight or after the write failed) and whether it was
 * delivered. This, not the Message objects, is what the store keeps per message, so a
 * backlog's bodies can live on disk only.
 *
 * Storage is private: parallel typed arrays sorted by seq (21 bytes a message), with a flag
 * for "not written yet" (the AppendedPublish is then in `appended`). Callers see Positions.
 *
 * Invariants: entries in [head, tail) are sorted by seq, strictly increasing; dead entries
 * are trimmed from the head; an entry flagged APPENDED has its publish in `appended`.
 */
import type { AppendedPublish, Held } from './log-batch.js';
import { Position } from './position.js';

const DEAD = 1;
const DELIVERED = 2;
const APPENDED = 4;

/** A live entry of the index (page reads, recovery). */
export interface IndexEntry {
  readonly seq: number;
  readonly at: Held;
  readonly delivered: boolean;
}

/** Live entries from a seq on: how many, their record bytes, and the first seq. */
export interface IndexTail {
  count: number;
  bytes: number;
  fromSeq: number;
}

export class QueueIndex {
  private seqs = new Float64Array(16);
  private segs = new Uint32Array(16);
  private offs = new Uint32Array(16);
  private lens = new Uint32Array(16);
  private flags = new Uint8Array(16);
  private head = 0;
  private tail = 0;
  private readonly appended = new Map<number, AppendedPublish>();
  /** Live (not dead) entries. */
  live = 0;
  /** Highest seq ever indexed (a restarted queue numbers on from it). */
  maxSeq = 0;

  constructor(readonly queueKey: string) {}

  /** Records `seq` at `at` (replacing an entry of the same seq: a restart may re-publish it). */
  put(seq: number, at: Held, delivered: boolean): void {
    const last = this.tail === this.head ? -1 : this.seqs[this.tail - 1]!;
    const i = seq > last ? this.appendSlot() : this.slotFor(seq);
    if (seq <= last && this.seqs[i] === seq && (this.flags[i]! & DEAD) === 0) this.live--;
    let f = delivered ? DELIVERED : 0;
    if (at instanceof Position) {
      this.segs[i] = at.segment;
      this.offs[i] = at.offset;
      this.lens[i] = at.length;
      this.appended.delete(seq);
    } else {
      f |= APPENDED;
      this.lens[i] = at.length;
      this.appended.set(seq, at);
    }
    this.seqs[i] = seq;
    this.flags[i] = f;
    this.live++;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /** The publish of `seq` was written: its entry now points at its Position (if still that publish). */
  placed(seq: number, p: AppendedPublish): void {
    const i = this.find(seq);
    if (i < 0 || this.appended.get(seq) !== p || p.position === undefined) return;
    this.appended.delete(seq);
    this.segs[i] = p.position.segment;
    this.offs[i] = p.position.offset;
    this.flags[i] = this.flags[i]! & ~APPENDED;
  }

  /** Marks `seq` dead; returns where its record was, or undefined when it was not live. */
  remove(seq: number): Held | undefined {
    const i = this.find(seq);
    if (i < 0 || (this.flags[i]! & DEAD) !== 0) return undefined;
    const at = this.heldAt(i);
    this.appended.delete(seq);
    this.flags[i] = this.flags[i]! | DEAD;
    this.live--;
    if (i === this.head) this.trim();
    return at;
  }

  /** Flags `seq` delivered; false when it is not live or was flagged already. */
  markDelivered(seq: number): boolean {
    const i = this.find(seq);
    if (i < 0 || (this.flags[i]! & (DEAD | DELIVERED)) !== 0) return false;
    this.flags[i] = this.flags[i]! | DELIVERED;
    return true;
  }

  /** Flags every live entry up to `seq` delivered (after a crash, below the delivery horizon). */
  markDeliveredUpTo(seq: number): void {
    for (let i = this.head; i < this.tail && this.seqs[i]! <= seq; i++)
      this.flags[i] = this.flags[i]! | DELIVERED;
  }

  /** Live entries with seq >= fromSeq, in seq order. */
  *entries(fromSeq = 0): IterableIterator<IndexEntry> {
    for (let i = this.lowerBound(fromSeq); i < this.tail; i++) {
      const f = this.flags[i]!;
      if ((f & DEAD) === 0)
        yield { seq: this.seqs[i]!, at: this.heldAt(i), delivered: (f & DELIVERED) !== 0 };
    }
  }

  /** Seqs of the live entries with seq >= fromSeq. */
  seqsFrom(fromSeq: number): number[] {
    const out: number[] = [];
    for (let i = this.lowerBound(fromSeq); i < this.tail; i++)
      if ((this.flags[i]! & DEAD) === 0) out.push(this.seqs[i]!);
    return out;
  }

  /** Count, record bytes and first seq of the live entries with seq >= fromSeq. */
  tailFrom(fromSeq: number): IndexTail {
    const tail: IndexTail = { count: 0, bytes: 0, fromSeq: 0 };
    for (let i = this.lowerBound(fromSeq); i < this.tail; i++) {
      if ((this.flags[i]! & DEAD) !== 0) continue;
      if (tail.count === 0) tail.fromSeq = this.seqs[i]!;
      tail.count++;
      tail.bytes += this.lens[i]!;
    }
    return tail;
  }

  /** Live written records per segment, and the live publishes not written yet. */
  holdings(): { segments: Map<number, number>; appended: AppendedPublish[] } {
    const segments = new Map<number, number>();
    for (let i = this.head; i < this.tail; i++) {
      const f = this.flags[i]!;
      if ((f & (DEAD | APPENDED)) === 0) segments.set(this.segs[i]!, (segments.get(this.segs[i]!) ?? 0) + 1);
    }
    return { segments, appended: [...this.appended.values()] };
  }

  private heldAt(i: number): Held {
    if ((this.flags[i]! & APPENDED) !== 0) return this.appended.get(this.seqs[i]!)!;
    return new Position(this.segs[i]!, this.offs[i]!, this.lens[i]!);
  }

  /** A new slot after every entry (the usual case: seqs only grow). */
  private appendSlot(): number {
    if (this.tail === this.seqs.length) this.grow();
    return this.tail++;
  }

  /** The slot for a seq at or below the last one: its entry, or a new one opened at its place. */
  private slotFor(seq: number): number {
    let i = this.lowerBound(seq);
    if (this.seqs[i] === seq) return i;
    if (this.tail === this.seqs.length) this.grow();
    i = this.lowerBound(seq);
    for (const a of [this.seqs, this.segs, this.offs, this.lens, this.flags])
      a.copyWithin(i + 1, i, this.tail);
    this.tail++;
    return i;
  }

  /** First slot in [head, tail) whose seq >= `seq`. */
  private lowerBound(seq: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Slot of `seq`, or -1. */
  private find(seq: number): number {
    const i = this.lowerBound(seq);
    return i < this.tail && this.seqs[i] === seq ? i : -1;
  }

  /** Drops dead entries from the head; compacts the arrays when mostly dead. */
  private trim(): void {
    while (this.head < this.tail && (this.flags[this.head]! & DEAD) !== 0) this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > 4096 && this.head > (this.tail - this.head) * 2) {
      this.grow();
    }
  }

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
}
