/**
 * The finished jobs of one task in one final state, in the order they got there: what the
 * in-process store applies retention to. The oldest leaves from the front in O(1); a job that
 * leaves the state early (re-driven, deleted, replaced) is taken out in O(1) through the slot
 * it carries, leaving a hole that the front skips. Holes and popped slots are compacted away
 * once they outnumber the jobs, so memory follows the jobs held, not the jobs ever finished.
 */
import { RETENTION_SLOT, type StoredJobRecord } from './job-record.js';

/** Slots that may go unused before a compaction even when few jobs are held. */
const SLACK = 1024;

export class FinishedIndex {
  /** Jobs in finishing order from #head on; undefined where one left. */
  #items: (StoredJobRecord | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** Jobs held. */
  get size(): number {
    return this.#size;
  }

  /** Adds `record` as the newest. */
  add(record: StoredJobRecord): void {
    record[RETENTION_SLOT] = this.#items.length;
    this.#items.push(record);
    this.#size++;
  }

  /** Takes `record` out wherever it is; a record this index does not hold is left alone. */
  remove(record: StoredJobRecord): void {
    const slot = record[RETENTION_SLOT];
    if (slot < this.#head || this.#items[slot] !== record) return;
    this.#items[slot] = undefined;
    record[RETENTION_SLOT] = -1;
    this.#size--;
    this.#compactIfSparse();
  }

  /** The oldest job held. */
  oldest(): StoredJobRecord | undefined {
    const items = this.#items;
    while (this.#head < items.length && items[this.#head] === undefined) this.#head++;
    return items[this.#head];
  }

  /** Takes out the oldest job held and returns it. */
  dropOldest(): StoredJobRecord | undefined {
    const record = this.oldest();
    if (record === undefined) return undefined;
    this.#items[this.#head++] = undefined;
    record[RETENTION_SLOT] = -1;
    this.#size--;
    this.#compactIfSparse();
    return record;
  }

  /** The jobs held, oldest first. */
  values(): StoredJobRecord[] {
    const out: StoredJobRecord[] = [];
    const items = this.#items;
    for (let i = this.#head; i < items.length; i++) {
      const r = items[i];
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Rewrites the slots densely once unused ones outnumber the jobs (amortised O(1) per change). */
  #compactIfSparse(): void {
    if (this.#items.length - this.#size <= this.#size + SLACK) return;
    const items = this.values();
    for (let i = 0; i < items.length; i++) (items[i] as StoredJobRecord)[RETENTION_SLOT] = i;
    this.#items = items;
    this.#head = 0;
  }
}
