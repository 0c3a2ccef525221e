/**
 * AMQP heartbeats, both ways. With a negotiated interval of H seconds:
 * - we send a heartbeat frame when we have sent nothing for H/2 seconds, so the peer always
 *   hears from us well within its own timeout;
 * - we declare the peer dead when nothing at all has arrived for 2×H seconds (RabbitMQ's rule:
 *   two missed heartbeats), and the connection is torn down without a close handshake.
 * Activity is recorded by the connection on every chunk read and every flush, so the timer
 * does no per-frame work. H = 0 disables both directions.
 */
export interface HeartbeatHooks {
  sendHeartbeat(): void;
  peerDead(): void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private lastSent = Date.now();

  constructor(private readonly hooks: HeartbeatHooks) {}

  /** Starts (or restarts) with the negotiated interval in seconds; 0 disables. */
  start(intervalSeconds: number): void {
    this.stop();
    if (intervalSeconds <= 0) return;
    const intervalMs = intervalSeconds * 1000;
    const tickMs = Math.max(intervalMs / 2, 50);
    this.lastReceived = this.lastSent = Date.now();
    this.timer = setInterval(() => this.tick(intervalMs), tickMs);
    this.timer.unref();
  }

  received(): void {
    this.lastReceived = Date.now();
  }

  sent(): void {
    this.lastSent = Date.now();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(intervalMs: number): void {
    const now = Date.now();
    if (now - this.lastReceived >= 2 * intervalMs) {
      this.stop();
      this.hooks.peerDead();
      return;
    }
    if (now - this.lastSent >= intervalMs / 2) {
      this.hooks.sendHeartbeat();
      this.lastSent = now;
    }
  }
}
