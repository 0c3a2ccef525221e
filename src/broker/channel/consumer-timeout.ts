/**
 * The consumer acknowledgement timeout of one channel (RabbitMQ's consumer_timeout): one
 * timer for the oldest unacked delivery, re-armed for the next oldest when it fires early.
 * When a delivery stays unacknowledged longer than the timeout, `expired` is called with
 * the 406 the channel is closed with.
 *
 * Invariants: at most one timer is armed; it is armed only while the timeout is > 0 and
 * the log holds deliveries (the channel clears it once the log empties); after stop() no
 * timer fires and none is armed again.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { ChannelError } from '../../protocol/errors.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Scheduler } from '../scheduler.js';
import type { UnackedLog } from './unacked-log.js';

export class ConsumerTimeout {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly log: UnackedLog,
    /** Timeout in ms (0 = none). */
    private readonly timeout: number,
    private readonly channelId: number,
    private readonly expired: (error: ChannelError) => void,
  ) {}

  /** A delivery joined the log: starts the countdown unless one runs. */
  track(): void {
    if (this.timer === undefined && this.timeout > 0) this.arm();
  }

  /** The log emptied: nothing to time out. */
  clear(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The channel closed: clears the timer for good. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private arm(): void {
    const clock = this.clock;
    const wait = Math.max(0, this.log.oldestTime() + this.timeout - clock.now());
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.scheduler.run(() => this.check());
    }, wait);
  }

  private check(): void {
    if (this.log.size === 0) return;
    const timeout = this.timeout;
    if (this.log.oldestTime() + timeout > this.clock.now()) {
      this.arm();
      return;
    }
    this.expired(
      preconditionFailed(
        `delivery acknowledgement on channel ${this.channelId} timed out. Timeout value used: ${timeout} ms. This timeout value can be configured, see consumers doc guide to learn more`,
      ),
    );
  }
}
