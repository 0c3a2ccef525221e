/**
 * AMQP heartbeats, both ways. With a negotiated interval of H seconds:
 * - we send a heartbeat frame when we have sent nothing for H/2 seconds, so the peer always
 *   hears from us well within its own timeout;
 * - we declare the peer dead when nothing at all has arrived for 2×H seconds (RabbitMQ's rule:
 *   two missed heartbeats), and the connection is torn down without a close handshake.
 * Activity is recorded by the connection on every chunk read and every flush, so the timer
 * does no per-frame work. H = 0 disables both directions. While the connection has paused
 * reading (memory alarm, output backlog) the peer cannot be heard, so it is not judged.
 */
export interface HeartbeatHooks {
  sendHeartbeat(): void;
  peerDead(): void;
  /** True while we deliberately stopped reading (flow control): silence is then ours, not the peer's. */
  readingPaused(): boolean;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private seconds = 0;

  constructor(private readonly hooks: HeartbeatHooks) {}

  /** Starts (or restarts) with the negotiated interval in seconds; 0 disables. */
  start(intervalSeconds: number): void {
    this.stop();
    this.seconds = intervalSeconds;
    if (intervalSeconds <= 0) return;
    const intervalMs = intervalSeconds * 1000;
    const tickMs = Math.max(intervalMs / 2, 50);
    this.lastReceived = this.lastSent = Date.now();
    this.timer = setInterval(() => this.tick(intervalMs), tickMs);
    this.timer.unref();
  }

  /** The negotiated interval in seconds (0 = off). */
  get intervalSeconds(): number {
    return this.seconds;
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
    if (this.hooks.readingPaused()) this.lastReceived = now;
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
