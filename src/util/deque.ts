/**
 * A growable ring buffer used as a double-ended queue: O(1) push/shift/unshift/pop and
 * indexed reads. Queue storage and unacked-delivery logs are built on it because
 * Array.prototype.shift on a deep array is O(n).
 *
 * Invariants: capacity is a power of two; `head` indexes the first element; slots outside
 * [head, head+length) hold undefined so removed items can be garbage collected.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    let cap = 4;
    while (cap < initialCapacity) cap *= 2;
    this.items = new Array<T | undefined>(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  unshift(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head + this.count - 1) & this.mask;
    const item = this.items[i];
    this.items[i] = undefined;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  peekLast(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) & this.mask];
  }

  /** The item at position `index` from the front (undefined when out of range). */
  get(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & this.mask];
  }

  set(index: number, item: T): void {
    if (index < 0 || index >= this.count) throw new RangeError(`index ${index} out of range`);
    this.items[(this.head + index) & this.mask] = item;
  }

  /** Inserts at `index` (0 = front, length = back), moving the shorter side. O(min(i, n-i)). */
  insertAt(index: number, item: T): void {
    if (index <= 0) return this.unshift(item);
    if (index >= this.count) return this.push(item);
    if (this.count === this.items.length) this.grow();
    if (index < this.count / 2) {
      this.head = (this.head - 1) & this.mask;
      for (let i = 0; i < index; i++)
        this.items[(this.head + i) & this.mask] = this.items[(this.head + i + 1) & this.mask];
    } else {
      for (let i = this.count; i > index; i--)
        this.items[(this.head + i) & this.mask] = this.items[(this.head + i - 1) & this.mask];
    }
    this.items[(this.head + index) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the item at `index`, moving the items behind it. O(n-i). */
  removeAt(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    if (index === 0) return this.shift();
    const item = this.items[(this.head + index) & this.mask];
    for (let i = index; i < this.count - 1; i++)
      this.items[(this.head + i) & this.mask] = this.items[(this.head + i + 1) & this.mask];
    this.items[(this.head + this.count - 1) & this.mask] = undefined;
    this.count--;
    return item;
  }

  clear(): void {
    this.items = new Array<T | undefined>(16);
    this.mask = 15;
    this.head = 0;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & this.mask] as T;
  }

  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) & this.mask] as T;
    return out;
  }

  private grow(): void {
    const old = this.items;
    const cap = old.length * 2;
    const next = new Array<T | undefined>(cap);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = cap - 1;
  }
}
