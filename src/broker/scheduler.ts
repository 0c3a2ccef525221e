/**
 * Deferred dispatch. Every public engine entry point brackets its work in enter()/exit();
 * work that can deliver messages (a queue with ready messages and consumers, a channel with
 * pending direct-reply-to messages) is scheduled instead of being run in place, and the
 * outermost exit() drains the run queue. This makes sink callbacks safe to re-enter the
 * engine (see channel-sink.ts): a nested call only schedules, the outer loop delivers.
 *
 * Invariants: a Dispatchable is in the run queue at most once (its `scheduled` flag);
 * dispatch() is only ever called from drain(), never nested.
 */
import { Deque } from '../util/deque.js';

export interface Dispatchable {
  scheduled: boolean;
  dispatch(): void;
}

export class Scheduler {
  private depth = 0;
  private draining = false;
  private readonly runQueue = new Deque<Dispatchable>(64);

  enter(): void {
    this.depth++;
  }

  exit(): void {
    if (--this.depth === 0 && !this.draining) this.drain();
  }

  schedule(item: Dispatchable): void {
    if (item.scheduled) return;
    item.scheduled = true;
    this.runQueue.push(item);
  }

  /** Runs `fn` as an engine entry point (for timers and other cold paths). */
  run(fn: () => void): void {
    this.enter();
    try {
      fn();
    } finally {
      this.exit();
    }
  }

  private drain(): void {
    this.draining = true;
    this.depth++;
    try {
      for (;;) {
        const item = this.runQueue.shift();
        if (item === undefined) break;
        item.scheduled = false;
        item.dispatch();
      }
    } finally {
      this.depth--;
      this.draining = false;
    }
  }
}
