/**
 * Retry delays. The nominal delay for retry n is what the retry topology declares a delay
 * queue for (its x-message-ttl); jitter only ever shortens it (sent as a per-message
 * expiration), so the queue's TTL stays an upper bound and messages never wait behind a
 * longer-lived one by more than the jitter fraction.
 */
import { DEFAULT_BACKOFF } from './defaults.js';
import type { BackoffOptions, ResolvedBackoff } from './options.js';

/** A source of uniform random numbers in [0, 1); injectable for tests. */
export type RandomSource = () => number;

/** Fills in maxDelay and jitter; an explicit fixed delay above the default cap raises the cap. */
export function resolveBackoff(backoff: BackoffOptions | undefined): ResolvedBackoff {
  if (backoff === undefined) return { ...DEFAULT_BACKOFF };
  return {
    type: backoff.type,
    delay: backoff.delay,
    maxDelay: backoff.maxDelay ?? Math.max(DEFAULT_BACKOFF.maxDelay, backoff.delay),
    jitter: backoff.jitter ?? 0,
  };
}

/**
 * The delay before retry `retry` (1 = the first retry) without jitter, in whole ms.
 *
 * @example
 * nominalDelay({ type: 'exponential', delay: 1000, maxDelay: 5000, jitter: 0 }, 3); // 4000
 */
export function nominalDelay(backoff: ResolvedBackoff, retry: number): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry number must be an integer ≥ 1, got ${retry}`);
  }
  if (backoff.type === 'fixed') return Math.round(backoff.delay);
  // 2 ** 1024 is Infinity, which Math.min caps, so large retry numbers are safe.
  return Math.round(Math.min(backoff.maxDelay, backoff.delay * 2 ** (retry - 1)));
}

/**
 * The delay to use for retry `retry`: the nominal delay minus a random share of at most
 * `jitter` of it.
 *
 * @example
 * backoffDelay({ type: 'fixed', delay: 1000, maxDelay: 1000, jitter: 0.2 }, 1); // 800–1000
 */
export function backoffDelay(
  backoff: ResolvedBackoff,
  retry: number,
  random: RandomSource = Math.random,
): number {
  const nominal = nominalDelay(backoff, retry);
  if (backoff.jitter <= 0) return nominal;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * (1 - backoff.jitter * r));
}
