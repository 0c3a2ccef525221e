/**
 * The publishes of a confirm channel still waiting for the broker's basic.ack / basic.nack.
 * Delivery tags count up from 1 in publish order, so a publish's entry sits at position
 * `tag - first` of a deque: an ack of one tag (in any order) and an ack of every tag up to
 * one (`multiple`) are both O(1) per publish settled.
 */
import { Deque } from '../../util/deque.js';

export class PublisherConfirms<E> {
  /** Entries from tag #first on; undefined where a tag was settled out of order. */
  readonly #entries = new Deque<E | undefined>();
  #first = 1;
  #next = 1;
  #size = 0;

  /** Publishes not settled yet. */
  get size(): number {
    return this.#size;
  }

  /** Records the next publish; returns its delivery tag. */
  add(entry: E): number {
    this.#entries.push(entry);
    this.#size++;
    return this.#next++;
  }

  /** Takes the entries `tag` settles (every one up to it when `multiple`) and passes each to `settle`. */
  take(tag: number, multiple: boolean, settle: (entry: E) => void): void {
    const entries = this.#entries;
    if (multiple) {
      while (this.#first <= tag && entries.length > 0) this.#shift(settle);
      return;
    }
    const i = tag - this.#first;
    const entry = entries.get(i);
    if (entry === undefined) return;
    entries.set(i, undefined);
    this.#size--;
    settle(entry);
    while (entries.length > 0 && entries.peek() === undefined) {
      entries.shift();
      this.#first++;
    }
  }

  /** Takes every entry left (the channel closed). */
  takeAll(settle: (entry: E) => void): void {
    while (this.#entries.length > 0) this.#shift(settle);
  }

  #shift(settle: (entry: E) => void): void {
    const entry = this.#entries.shift();
    this.#first++;
    if (entry === undefined) return;
    this.#size--;
    settle(entry);
  }
}
