/**
 * Injectable time. The broker reads time and arms timers only through a Clock so that TTL,
 * x-expires and consumer-timeout behaviour can be tested without wall-clock sleeps
 * (ManualClock), while production uses the real clock (systemClock).
 *
 * Invariant: ManualClock fires due timers in due-time order (ties in arming order), and
 * only from advance()/tick(), never on its own.
 */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    // Node fires waits above 2^31-1 ms at once; capped, the owner re-checks and re-arms.
    const t = setTimeout(callback, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    // Broker timers must never keep a process alive on their own.
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  due: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private time: number;
  private order = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = {
      due: this.time + Math.max(0, ms),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as ManualTimer).cancelled = true;
  }

  /** Number of armed, uncancelled timers. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.time = Math.max(this.time, next.due);
      next.cancelled = true;
      next.callback();
    }
    this.time = target;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.due > limit) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.order < best.order)) best = t;
    }
    return best;
  }
}
