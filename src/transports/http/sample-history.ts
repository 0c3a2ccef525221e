/**
 * Chart history kept server-side: for a few keys (the overview, pinned; and queues whose
 * history a client asked for), the sampler's samples of a fixed set of fields, each in a
 * ring of `capacity` samples (an hour at the sampling interval, as RabbitMQ's retention of
 * an hour), stored in Float64Arrays so a series costs a fixed ~(fields + 1) × 8 × capacity
 * bytes.
 *
 * Memory is bounded however many queues there are: a queue's series exists only while it is
 * watched (asked for in the last `idleMs`), and at most `maxSeries` are watched at once (the
 * least recently asked for goes first). Its history therefore starts when it is first asked
 * for (seeded with the latest sample), not when the queue was declared.
 */
import type { Counters, Sample } from './sample.js';

export interface SampleHistoryOptions {
  /** Samples kept per series (ring size). */
  capacity: number;
  /** Unpinned series kept at once (least recently watched evicted first). Default 50. */
  maxSeries?: number;
  /** An unpinned series not watched for this long is dropped. Default one hour. */
  idleMs?: number;
  /** Keys always kept (the overview). */
  pinned?: readonly string[];
}

class Ring {
  readonly t: Float64Array;
  readonly v: Float64Array;
  head = 0;
  length = 0;
  watchedAt = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity * width);
  }

  push(t: number, values: Counters, fields: readonly string[]): void {
    if (this.length > 0 && this.t[(this.head + this.length - 1) % this.capacity]! >= t) return;
    const at = (this.head + this.length) % this.capacity;
    this.t[at] = t;
    for (let f = 0; f < fields.length; f++) this.v[at * this.width + f] = values[fields[f]!] ?? 0;
    if (this.length < this.capacity) this.length++;
    else this.head = (this.head + 1) % this.capacity;
  }
}

export class SampleHistory {
  private readonly series = new Map<string, Ring>();
  private readonly pinned: Set<string>;
  private readonly maxSeries: number;
  private readonly idleMs: number;

  constructor(
    private readonly fields: readonly string[],
    private readonly options: SampleHistoryOptions,
  ) {
    this.pinned = new Set(options.pinned ?? []);
    this.maxSeries = options.maxSeries ?? 50;
    this.idleMs = options.idleMs ?? 3_600_000;
    for (const key of this.pinned) this.series.set(key, this.newRing());
  }

  /** Keys with a series now (pinned ones included). */
  keys(): IterableIterator<string> {
    return this.series.keys();
  }

  get size(): number {
    return this.series.size;
  }

  /** Keeps (or starts keeping) `key`'s history; `latest` seeds a new series. */
  watch(key: string, now: number, latest?: Sample): void {
    let ring = this.series.get(key);
    if (ring === undefined) {
      ring = this.newRing();
      if (latest !== undefined) ring.push(latest.t, latest.values, this.fields);
      this.evictFor();
    } else this.series.delete(key);
    ring.watchedAt = now;
    this.series.set(key, ring);
  }

  /** Appends a sample of `key` (ignored when `key` is not kept or the time did not advance). */
  record(key: string, sample: Sample): void {
    this.series.get(key)?.push(sample.t, sample.values, this.fields);
  }

  /** Drops unpinned series not watched since `now - idleMs`, and those of `gone` keys. */
  prune(now: number, gone: (key: string) => boolean): void {
    for (const [key, ring] of this.series) {
      if (this.pinned.has(key)) continue;
      if (now - ring.watchedAt > this.idleMs || gone(key)) this.series.delete(key);
    }
  }

  /** The kept samples of `key` no older than `ageMs`, oldest first. */
  since(key: string, ageMs: number, now: number): Sample[] {
    const ring = this.series.get(key);
    if (ring === undefined) return [];
    const from = now - ageMs;
    const out: Sample[] = [];
    for (let i = 0; i < ring.length; i++) {
      const at = (ring.head + i) % ring.capacity;
      const t = ring.t[at]!;
      if (t < from) continue;
      const values: Counters = {};
      for (let f = 0; f < this.fields.length; f++) values[this.fields[f]!] = ring.v[at * ring.width + f]!;
      out.push({ t, values });
    }
    return out;
  }

  private newRing(): Ring {
    return new Ring(this.options.capacity, this.fields.length);
  }

  private evictFor(): void {
    let unpinned = this.series.size - this.pinned.size;
    for (const key of this.series.keys()) {
      if (unpinned < this.maxSeries) return;
      if (this.pinned.has(key)) continue;
      this.series.delete(key);
      unpinned--;
    }
  }
}
