/**
 * A queue's ready messages: FIFO by per-queue sequence number, one ring buffer per priority
 * level when x-max-priority is set (higher first, FIFO within a level).
 *
 * Invariants: within a level, messages are sorted by `seq` (requeue inserts at the original
 * position); `length` and `bytes` cover all levels.
 */
import { Deque } from '../../util/deque.js';
import type { Message } from '../message.js';

export class ReadyList {
  /** levels[p] holds priority p; a non-priority queue has only levels[0]. */
  private readonly levels: (Deque<Message> | undefined)[];
  private top = 0;
  length = 0;
  bytes = 0;

  constructor(readonly maxPriority: number | undefined) {
    this.levels = [new Deque<Message>(16)];
  }

  priorityOf(message: Message): number {
    if (this.maxPriority === undefined) return 0;
    const p = message.properties.priority ?? 0;
    return p > this.maxPriority ? this.maxPriority : p < 0 ? 0 : p;
  }

  private level(p: number): Deque<Message> {
    let d = this.levels[p];
    if (d === undefined) {
      d = new Deque<Message>(16);
      this.levels[p] = d;
    }
    if (p > this.top) this.top = p;
    return d;
  }

  push(message: Message): void {
    const p = this.maxPriority === undefined ? 0 : this.priorityOf(message);
    (p === 0 ? this.levels[0]! : this.level(p)).push(message);
    this.length++;
    this.bytes += message.body.length;
  }

  /** Puts a returned message back at its original position (by seq). */
  restore(message: Message): void {
    const d = this.level(this.priorityOf(message));
    const seq = message.seq;
    let i = 0;
    while (i < d.length && d.get(i)!.seq < seq) i++;
    d.insertAt(i, message);
    this.length++;
    this.bytes += message.body.length;
  }

  private headLevel(): Deque<Message> | undefined {
    if (this.length === 0) return undefined;
    for (let p = this.top; p >= 0; p--) {
      const d = this.levels[p];
      if (d !== undefined && d.length > 0) {
        this.top = p;
        return d;
      }
    }
    return undefined;
  }

  peek(): Message | undefined {
    return this.headLevel()?.peek();
  }

  shift(): Message | undefined {
    const m = this.headLevel()?.shift();
    if (m !== undefined) {
      this.length--;
      this.bytes -= m.body.length;
    }
    return m;
  }

  /** Heads of every non-empty level (for expiry: each level's head can expire). */
  *heads(): IterableIterator<Message> {
    for (let p = this.levels.length - 1; p >= 0; p--) {
      const m = this.levels[p]?.peek();
      if (m !== undefined) yield m;
    }
  }

  /** Removes and returns the head of the level holding `message` when it is that head. */
  shiftLevelOf(message: Message): void {
    const d = this.levels[this.priorityOf(message)];
    if (d?.peek() === message) {
      d.shift();
      this.length--;
      this.bytes -= message.body.length;
    }
  }

  /** Removes `message` wherever it is (searched from the tail, where unsynced ones sit). */
  remove(message: Message): boolean {
    const d = this.levels[this.priorityOf(message)];
    if (d === undefined) return false;
    for (let i = d.length - 1; i >= 0; i--) {
      if (d.get(i) !== message) continue;
      d.removeAt(i);
      this.length--;
      this.bytes -= message.body.length;
      return true;
    }
    return false;
  }

  /** Removes everything, returning the messages in order. */
  drain(): Message[] {
    const out: Message[] = [];
    for (let m = this.shift(); m !== undefined; m = this.shift()) out.push(m);
    return out;
  }
}
