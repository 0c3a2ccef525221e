/**
 * The free-disk alarm (RabbitMQ's disk_free_limit): polls the free space of the data dir's
 * file system and flips when it falls below the limit (default 50 MB, as RabbitMQ) or rises
 * back above it. Transports block publishers while it is set, so a filling disk stops
 * intake before writes start failing instead of after.
 */
import { statfsSync } from 'node:fs';

/** RabbitMQ's default disk_free_limit: 50 MB. */
export const DEFAULT_DISK_FREE_LIMIT = 50_000_000;
const POLL_MS = 500;

export class DiskMonitor {
  private timer: NodeJS.Timeout | undefined;
  private over = false;
  /** Free bytes at the last check. */
  free = Number.POSITIVE_INFINITY;
  /** Called with the new state whenever the alarm flips. */
  readonly listeners = new Set<(alarm: boolean) => void>();

  constructor(
    readonly dir: string,
    readonly limit: number,
    private readonly warn: (text: string) => void,
    private readonly sample: () => number = () => freeBytes(dir),
  ) {}

  get alarm(): boolean {
    return this.over;
  }

  start(): void {
    if (this.timer !== undefined || this.limit <= 0) return;
    this.check();
    this.timer = setInterval(() => this.check(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    try {
      this.free = this.sample();
    } catch {
      return; // a failed statfs says nothing about space: keep the last state
    }
    const over = this.free < this.limit;
    if (over === this.over) return;
    this.over = over;
    const mb = (n: number): string => `${Math.round(n / 1e5) / 10} MB`;
    this.warn(
      `disk alarm ${over ? 'set' : 'cleared'}: ${mb(this.free)} free on ${this.dir}, limit ${mb(this.limit)}`,
    );
    for (const l of this.listeners) l(over);
  }
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
