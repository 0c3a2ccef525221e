/**
 * The memory alarm: polls the process's resident set size and flips when it crosses the
 * high watermark (RabbitMQ's vm_memory_high_watermark, default 40% of RAM). Polling a cheap
 * counter a few times a second keeps the per-message path free of checks.
 */
import { totalmem } from 'node:os';

export const DEFAULT_MEMORY_FRACTION = 0.4;
const POLL_MS = 250;

export function defaultMemoryHighWatermark(): number {
  return Math.floor(totalmem() * DEFAULT_MEMORY_FRACTION);
}

export class MemoryMonitor {
  private timer: NodeJS.Timeout | undefined;
  private over = false;

  constructor(
    private readonly highWatermark: number,
    private readonly onChange: (alarm: boolean) => void,
    private readonly sample: () => number = () => process.memoryUsage.rss(),
  ) {}

  get alarm(): boolean {
    return this.over;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.check();
    this.timer = setInterval(() => this.check(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    const over = this.sample() > this.highWatermark;
    if (over === this.over) return;
    this.over = over;
    this.onChange(over);
  }
}
