/**
 * The delay an enqueue asks for: `delay` (ms from now) or `runAt` (a time), never both; a
 * delay is rounded up to whole milliseconds (a job never runs before it was asked to), a
 * time already past is no delay. `ttl` with a delay is refused: on the plugin-free TTL
 * topology a per-message TTL would cut the wait short, so the two cannot behave alike
 * everywhere.
 */
import type { EnqueueOptions } from '../contract.js';
import { MAX_DELAY_MS } from './delay-levels.js';

export function enqueueDelay(options: EnqueueOptions, now: number): number {
  const { delay, runAt } = options;
  if (delay === undefined && runAt === undefined) return 0;
  if (delay !== undefined && runAt !== undefined) throw new TypeError('give either delay or runAt, not both');
  let ms: number;
  if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)
      throw new RangeError(`delay must be a finite number of ms >= 0, got ${String(delay)}`);
    ms = Math.ceil(delay);
  } else {
    const at = runAt instanceof Date ? runAt.getTime() : runAt;
    if (typeof at !== 'number' || !Number.isFinite(at))
      throw new TypeError(`runAt must be a Date or ms since the epoch, got ${String(runAt)}`);
    ms = Math.max(0, Math.ceil(at - now));
  }
  if (ms > MAX_DELAY_MS) throw new RangeError(`delay of ${ms} ms exceeds the maximum of ${MAX_DELAY_MS} ms`);
  if (ms > 0 && options.ttl !== undefined) throw new TypeError('ttl cannot be combined with delay or runAt');
  return ms;
}
