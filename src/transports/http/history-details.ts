/**
 * RabbitMQ's sample series on a queue: `GET /api/queues/v/q?lengths_age=A&lengths_incr=I`
 * (and/or `msg_rates_age` / `msg_rates_incr`, seconds) adds to each `messages*_details`
 * (resp. `message_stats.*_details`) `samples: [{ sample, timestamp }]` (newest first, one
 * per I seconds back to A seconds ago, on I-aligned timestamps, each the value kept at or
 * before that time), `avg` (mean of the samples) and `avg_rate` (per second over them).
 *
 * Asking starts keeping that queue's history server-side (sample-history.ts), so a series
 * reaches back to the first request, at most an hour.
 */
import { badRequest } from './http-util.js';
import type { RateSampler, Sample } from './rates.js';
import { LENGTH_FIELDS, RATE_FIELDS } from './views.js';

/** Most points one series may ask for. */
const MAX_POINTS = 3600;

interface Window {
  ageMs: number;
  incrMs: number;
}

function window(query: URLSearchParams, prefix: string): Window | undefined {
  const age = query.get(`${prefix}_age`);
  const incr = query.get(`${prefix}_incr`);
  if (age === null && incr === null) return undefined;
  const a = Number(age);
  const i = Number(incr);
  if (!Number.isInteger(a) || !Number.isInteger(i) || a <= 0 || i <= 0)
    throw badRequest(`${prefix}_age and ${prefix}_incr must both be positive integers (seconds)`);
  if (a / i > MAX_POINTS) throw badRequest(`${prefix}_age / ${prefix}_incr must be at most ${MAX_POINTS}`);
  return { ageMs: a * 1000, incrMs: i * 1000 };
}

interface Point {
  sample: number;
  timestamp: number;
}

/** The I-aligned points of `field`, newest first, from the kept samples (oldest first). */
function points(kept: readonly Sample[], field: string, w: Window, now: number): Point[] {
  const out: Point[] = [];
  let i = kept.length - 1;
  for (let ts = Math.floor(now / w.incrMs) * w.incrMs; ts >= now - w.ageMs; ts -= w.incrMs) {
    while (i >= 0 && kept[i]!.t > ts) i--;
    if (i < 0) break;
    out.push({ sample: kept[i]!.values[field] ?? 0, timestamp: ts });
  }
  return out;
}

function summary(p: Point[]): { samples: Point[]; avg: number; avg_rate: number } {
  const round = (v: number) => Math.round(v * 10) / 10;
  if (p.length === 0) return { samples: p, avg: 0, avg_rate: 0 };
  const avg = p.reduce((s, x) => s + x.sample, 0) / p.length;
  const first = p[p.length - 1]!;
  const last = p[0]!;
  const seconds = (last.timestamp - first.timestamp) / 1000;
  return {
    samples: p,
    avg: round(avg),
    avg_rate: seconds > 0 ? round((last.sample - first.sample) / seconds) : 0,
  };
}

function addSeries(
  target: Record<string, unknown>,
  fields: readonly string[],
  kept: readonly Sample[],
  w: Window,
  now: number,
): void {
  for (const f of fields) {
    const key = `${f}_details`;
    const details = (target[key] ?? {}) as Record<string, unknown>;
    target[key] = { ...details, ...summary(points(kept, f, w, now)) };
  }
}

/** Adds the asked-for series to a queue view (in place); a no-op without the parameters. */
export function addQueueHistory(
  view: Record<string, unknown>,
  key: string,
  query: URLSearchParams,
  sampler: RateSampler,
  now = Date.now(),
): void {
  const lengths = window(query, 'lengths');
  const rates = window(query, 'msg_rates');
  if (lengths === undefined && rates === undefined) return;
  sampler.watch(key, now);
  const kept = sampler.historySince(key, Math.max(lengths?.ageMs ?? 0, rates?.ageMs ?? 0) + 60_000, now);
  if (lengths !== undefined) addSeries(view, LENGTH_FIELDS, kept, lengths, now);
  if (rates !== undefined)
    addSeries(view['message_stats'] as Record<string, unknown>, RATE_FIELDS, kept, rates, now);
}
