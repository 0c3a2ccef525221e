/**
 * Per-enqueue overrides that travel in the task message's headers, so every worker applies
 * them without reading the job store: attempts (capped at the task's) and backoff.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import { resolveBackoff } from '../backoff.js';
import { checkBackoff } from '../decorators/check-options.js';
import { InvalidBackoffError } from '../errors.js';
import type { BackoffOptions, ResolvedBackoff } from '../options.js';

/** Header carrying a per-enqueue attempts override (retries + 1). */
export const MAX_ATTEMPTS_HEADER = 'x-warren-max-attempts';

/**
 * Retries for one message: the header's attempts - 1 when present, else the task's. Capped at
 * the task's own retries: its delay queues are declared per retry, so more retries than the
 * task has would have no queue to wait in.
 */
export function retriesOf(headers: FieldTable | undefined, taskRetries: number): number {
  const raw = headers?.[MAX_ATTEMPTS_HEADER];
  const n = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return taskRetries;
  return Math.min(n - 1, taskRetries);
}

/** Header carrying a per-enqueue backoff (JSON: type, delay, maxDelay, jitter). */
export const BACKOFF_HEADER = 'x-warren-backoff';

/**
 * Checks an enqueue's `backoff` as `@Task` checks its own (type, delay up to 2^31 - 1 ms,
 * maxDelay ≥ delay, jitter 0–1) and resolves it to the header's value; InvalidBackoffError
 * when it is not a backoff.
 */
export function backoffHeader(value: unknown): string {
  try {
    checkBackoff('enqueue', value);
  } catch (err) {
    throw new InvalidBackoffError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  return JSON.stringify(resolveBackoff(value as BackoffOptions));
}

/**
 * The backoff a message carries, checked again (any client may have written it): undefined
 * when absent or not a valid backoff, and the task's own applies.
 */
export function backoffOf(headers: FieldTable | undefined): ResolvedBackoff | undefined {
  const raw = headers?.[BACKOFF_HEADER];
  if (typeof raw !== 'string') return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    checkBackoff('header', value);
    return resolveBackoff(value as BackoffOptions);
  } catch {
    return undefined;
  }
}
