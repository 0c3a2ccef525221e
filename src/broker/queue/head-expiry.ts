/**
 * A queue's head-expiry timer (message TTL): one timer for the earliest expiresAt among
 * the ready list's heads (one head per priority level), so expired messages are
 * dead-lettered even when no consumer takes them. The queue does the dead-lettering
 * (`expire`); this only tracks when it is due.
 *
 * Invariants: `active` turns true with the first expiring message and stays true (the
 * queue then checks heads against the clock); at most one timer is armed, for `due`.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Scheduler } from '../scheduler.js';
import type { ReadyList } from './ready-list.js';

export class HeadExpiry {
  /** Some message of the queue had an expiry: heads must be checked against the clock. */
  active = false;
  private timer: TimerHandle | undefined;
  private due = 0;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly ready: ReadyList,
    /** Dead-letters the expired heads, then calls arm(). */
    private readonly expire: () => void,
  ) {}

  /** A message expiring at `expiresAt` joined the ready list. */
  note(expiresAt: number): void {
    this.active = true;
    if (this.timer === undefined || expiresAt < this.due) this.arm();
  }

  /** Arms the timer for the earliest expiring head (or clears it when none expires). */
  arm(): void {
    let due = 0;
    for (const m of this.ready.heads())
      if (m.expiresAt !== 0 && (due === 0 || m.expiresAt < due)) due = m.expiresAt;
    if (due === this.due && this.timer !== undefined) return;
    this.clear();
    this.due = due;
    if (due === 0) return;
    const clock = this.clock;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.scheduler.run(this.expire);
    }, due - clock.now());
  }

  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
