/**
 * The memory alarm: polls what the process really has to live within and flips when either
 * crosses its high watermark, so publishers are blocked long before Node runs out:
 * - the V8 heap (message records, indexes, everything JavaScript): used heap against
 *   DEFAULT_HEAP_FRACTION of v8's heap_size_limit (what --max-old-space-size sets) — a Node
 *   process dies with "JavaScript heap out of memory" at that limit, whatever RAM is free;
 * - the resident set (heap plus message bodies, which live in Buffers outside the heap):
 *   RabbitMQ's vm_memory_high_watermark, 40% of the RAM the process may use (the smaller of
 *   physical RAM and a cgroup limit).
 * Polling two cheap counters ten times a second keeps the per-message path free of checks.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

export const DEFAULT_MEMORY_FRACTION = 0.4;
/** Share of the V8 heap limit in use at which publishers are blocked (GC needs headroom). */
export const DEFAULT_HEAP_FRACTION = 0.5;
const POLL_MS = 100;

/** 40% of the RAM this process may use (physical, or its cgroup limit when lower). */
export function defaultMemoryHighWatermark(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const ram = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return Math.floor(ram * DEFAULT_MEMORY_FRACTION);
}

/** Half of the V8 heap limit (set by --max-old-space-size, or V8's default for this machine). */
export function defaultHeapHighWatermark(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_HEAP_FRACTION);
}

export interface MemorySample {
  rss: number;
  heap: number;
}

const sampleProcess = (): MemorySample => ({
  rss: process.memoryUsage.rss(),
  heap: getHeapStatistics().used_heap_size,
});

export class MemoryMonitor {
  private timer: NodeJS.Timeout | undefined;
  private over = false;
  /** The sample that last flipped the alarm (for the log line). */
  last: MemorySample = { rss: 0, heap: 0 };

  constructor(
    private readonly highWatermark: number,
    private readonly onChange: (alarm: boolean) => void,
    private readonly heapHighWatermark: number = defaultHeapHighWatermark(),
    private readonly sample: () => MemorySample = sampleProcess,
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
    const s = this.sample();
    const over = s.rss > this.highWatermark || s.heap > this.heapHighWatermark;
    if (over === this.over) return;
    this.over = over;
    this.last = s;
    this.onChange(over);
  }
}
