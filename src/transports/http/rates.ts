/**
 * Rates for the management API, as RabbitMQ's `*_details.rate`: every `intervalMs` the
 * sampler records the counters of the whole broker, each vhost and each queue; a rate is the
 * change between a key's last two samples per second.
 *
 * A sweep is incremental: it reads at most `sliceSize` keys per event-loop turn and yields
 * (setImmediate) in between, so a broker with 100k queues keeps serving AMQP while it is
 * sampled; each key carries the time it was read, so rates stay exact however long a sweep
 * takes. A sweep still running when the next one is due is not started twice, and a slow
 * sweep delays the next (sweepSpacing: sampling keeps at most a tenth of the time). Keys not seen
 * in a finished sweep (deleted queues) are forgotten. The timer is unref'd and stopped by the
 * management server's close(). At the end of each sweep the latest samples of the keys a
 * SampleHistory keeps (the overview, watched queues) are appended to it (sample-history.ts).
 */
import type { SampleHistory } from './sample-history.js';
import type { Counters, Sample } from './sample.js';

export type { Counters, Sample } from './sample.js';

/** Every key with its counters, read lazily (a generator). */
export type CounterSource = () => Iterable<[string, Counters]>;

interface KeySamples {
  previous: Sample | undefined;
  latest: Sample;
}

/** At most this share of the time is spent sweeping in the background. */
export const MAX_SWEEP_SHARE = 0.1;

/**
 * How long after a sweep's start the next may start: the interval, or longer when sweeps are
 * slow (100k queues on a busy machine), so sampling takes at most MAX_SWEEP_SHARE of the
 * time and AMQP keeps the rest; rates stay exact (each sample carries its time).
 */
export function sweepSpacing(tookMs: number, intervalMs: number): number {
  return Math.max(intervalMs, Math.ceil(tookMs / MAX_SWEEP_SHARE));
}

/** Keys read per event-loop turn by a background sweep. */
export const DEFAULT_SLICE_SIZE = 2000;

export class RateSampler {
  private samples = new Map<string, KeySamples>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** The timer starts no sweep before this (ms since the epoch). */
  private nextSweepAt = 0;
  /** Completed sweeps (tests and the dashboard's history read it). */
  sweeps = 0;

  constructor(
    private readonly collect: CounterSource,
    private readonly intervalMs = 1000,
    private readonly sliceSize = DEFAULT_SLICE_SIZE,
    private readonly history: SampleHistory | undefined = undefined,
  ) {}

  /** The kept samples of `key` no older than `ageMs` (oldest first; [] when not kept). */
  historySince(key: string, ageMs: number, now = Date.now()): readonly Sample[] {
    return this.history?.since(key, ageMs, now) ?? [];
  }

  /** Keeps `key`'s history from now on (for an hour after the last call), seeded with its latest sample. */
  watch(key: string, now = Date.now()): void {
    this.history?.watch(key, now, this.samples.get(key)?.latest);
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.timedSweep();
    this.timer = setInterval(() => {
      if (Date.now() >= this.nextSweepAt) void this.timedSweep();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** A background sweep that spaces the next one by its own duration (see sweepSpacing). */
  private async timedSweep(): Promise<void> {
    if (this.sweeping) return;
    const started = Date.now();
    await this.sweep();
    const took = Date.now() - started;
    this.nextSweepAt = started + sweepSpacing(took, this.intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  get busy(): boolean {
    return this.sweeping;
  }

  /** Samples every key at once (tests; small brokers). */
  tick(now = Date.now()): void {
    const seen = new Set<string>();
    for (const [key, values] of this.collect()) this.record(key, values, now, seen);
    this.finish(seen, now);
  }

  /** Starts a background sweep unless one is running; resolves when it has finished. */
  sweep(): Promise<void> {
    if (this.sweeping) return Promise.resolve();
    this.sweeping = true;
    const entries = this.collect()[Symbol.iterator]();
    const seen = new Set<string>();
    return new Promise((resolve) => {
      const step = (): void => {
        const now = Date.now();
        for (let i = 0; i < this.sliceSize; i++) {
          const next = entries.next();
          if (next.done === true) {
            this.finish(seen, now);
            this.sweeping = false;
            resolve();
            return;
          }
          this.record(next.value[0], next.value[1], now, seen);
        }
        setImmediate(step);
      };
      step();
    });
  }

  /** The latest counters recorded for `key`. */
  latest(key: string): Counters | undefined {
    return this.samples.get(key)?.latest.values;
  }

  /** Per-second change of `field` of `key` over its last sampling interval (0 when unknown). */
  rate(key: string, field: string): number {
    const s = this.samples.get(key);
    const a = s?.previous;
    const b = s?.latest;
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

  private record(key: string, values: Counters, t: number, seen: Set<string>): void {
    seen.add(key);
    this.samples.set(key, { previous: this.samples.get(key)?.latest, latest: { t, values } });
  }

  private finish(seen: Set<string>, now: number): void {
    for (const key of this.samples.keys()) if (!seen.has(key)) this.samples.delete(key);
    this.sweeps++;
    const h = this.history;
    if (h === undefined) return;
    h.prune(now, (key) => !this.samples.has(key));
    for (const key of h.keys()) {
      const sample = this.samples.get(key)?.latest;
      if (sample !== undefined) h.record(key, sample);
    }
  }
}
