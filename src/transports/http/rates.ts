/**
 * Rates for the management API, as RabbitMQ's `*_details.rate`: every `intervalMs` the
 * sampler records the counters of the whole broker, each vhost and each queue; a rate is
 * the change between the last two samples per second. The timer is unref'd and stopped by
 * the management server's close().
 */
export type Counters = Record<string, number>;

interface Sample {
  t: number;
  values: Counters;
}

export class RateSampler {
  private previous = new Map<string, Sample>();
  private latest = new Map<string, Sample>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly collect: () => Map<string, Counters>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(now = Date.now()): void {
    const next = new Map<string, Sample>();
    for (const [key, values] of this.collect()) next.set(key, { t: now, values });
    this.previous = this.latest;
    this.latest = next;
  }

  /** Per-second change of `field` of `key` over the last sampling interval (0 when unknown). */
  rate(key: string, field: string): number {
    const a = this.previous.get(key);
    const b = this.latest.get(key);
    if (a === undefined || b === undefined || b.t <= a.t) return 0;
    const delta = (b.values[field] ?? 0) - (a.values[field] ?? 0);
    return Math.round((delta * 1000 * 10) / (b.t - a.t)) / 10;
  }

  /** `{ field: value, field_details: { rate } }` for each field, as RabbitMQ's stats objects. */
  details(key: string, values: Counters): Record<string, number | { rate: number }> {
    const out: Record<string, number | { rate: number }> = {};
    for (const [field, value] of Object.entries(values)) {
      out[field] = value;
      out[`${field}_details`] = { rate: this.rate(key, field) };
    }
    return out;
  }
}
