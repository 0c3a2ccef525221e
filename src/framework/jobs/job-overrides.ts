/**
 * Per-enqueue overrides that travel in the task message's headers, so every worker applies
 * them without reading the job store.
 */
import type { FieldTable } from '../../protocol/field-value.js';

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
