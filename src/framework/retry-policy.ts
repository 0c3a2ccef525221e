/**
 * What a worker does with a failed task attempt: retry after a delay, or dead-letter.
 * Pure, so the rule is tested once and every worker applies it the same way.
 */
import { backoffDelay, type RandomSource } from './backoff.js';
import { FrameworkError } from './errors.js';
import type { ResolvedBackoff } from './options.js';
import type { DeadLetterReason } from './retry-headers.js';

export type FailureDecision =
  | { action: 'retry'; /** 1-based retry number */ retry: number; delayMs: number }
  | { action: 'dead'; reason: DeadLetterReason };

export interface FailureInput {
  /** 1-based number of the attempt that failed. */
  attempt: number;
  retries: number;
  backoff: ResolvedBackoff;
  error: unknown;
  random?: RandomSource;
}

/**
 * Decides the fate of a failed attempt. Framework errors marked not retryable (validation
 * errors, UnrecoverableError) go straight to the dead-letter queue; anything else is retried
 * until `retries` retries have been made.
 *
 * @example
 * decideFailure({ attempt: 1, retries: 3, backoff, error }); // { action: 'retry', retry: 1, delayMs: 1000 }
 */
export function decideFailure(input: FailureInput): FailureDecision {
  if (input.error instanceof FrameworkError && !input.error.retryable) {
    return { action: 'dead', reason: 'unrecoverable' };
  }
  if (input.attempt > input.retries) return { action: 'dead', reason: 'retries-exhausted' };
  return {
    action: 'retry',
    retry: input.attempt,
    delayMs: backoffDelay(input.backoff, input.attempt, input.random),
  };
}

/** What decideRedelivered needs: the attempt the redelivered message carries. */
export type RedeliveryInput = Omit<FailureInput, 'error'>;

/**
 * Decides the fate of a message the broker redelivered (its previous delivery was never
 * settled: the worker crashed or lost its connection mid-attempt). That attempt counts as
 * failed, so a message that kills its worker cannot loop forever: it is retried like any
 * failure and dead-lettered as 'redelivered-too-often' once it was the last attempt.
 *
 * @example
 * decideRedelivered({ attempt: 4, retries: 3, backoff }); // { action: 'dead', reason: 'redelivered-too-often' }
 */
export function decideRedelivered(input: RedeliveryInput): FailureDecision {
  if (input.attempt > input.retries) return { action: 'dead', reason: 'redelivered-too-often' };
  return {
    action: 'retry',
    retry: input.attempt,
    delayMs: backoffDelay(input.backoff, input.attempt, input.random),
  };
}
