/**
 * Chains: a → b → c, each step enqueued with the previous step's result as its payload. The
 * rest of the chain travels in the step's message (header x-warren-chain), so no coordinator
 * holds it; the worker that completes a step enqueues the next one with a precomputed job id
 * (`<chainId>.<i>`), which the job store deduplicates, so a continuation sent twice runs once.
 * A step that ends failed, dead or cancelled ends the chain: later steps are never enqueued
 * and the chain's result rejects with that step's error.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import { UnknownJobError } from '../errors.js';
import type { JobAccess, WaitOptions } from './job-handle.js';

export const CHAIN_HEADER = 'x-warren-chain';

/** What a chain or group needs of the client (structural: contract.ts imports this module's types). */
export interface Enqueuer {
  enqueue(task: string, payload: unknown, options: { jobId: string; headers: FieldTable }): Promise<unknown>;
}

/** One step of `client.chain`: the first step's payload is given, later ones get the previous result. */
export interface ChainStep {
  task: string;
  payload?: unknown;
}

interface Continuation {
  task: string;
  id: string;
}

/** A chain's steps by job id; its result is the last step's. */
export class ChainHandle {
  readonly id: string;
  /** The job id of each step, in order (later ones exist once their turn comes). */
  readonly steps: readonly string[];
  readonly #jobs: JobAccess;

  constructor(id: string, steps: readonly string[], jobs: JobAccess) {
    this.id = id;
    this.steps = steps;
    this.#jobs = jobs;
  }

  /**
   * Waits for every step in turn and resolves with the last one's result; rejects with the
   * first step that failed (JobFailedError / JobCancelledError) or JobWaitTimeoutError.
   */
  async result(options: WaitOptions = {}): Promise<unknown> {
    const deadline = Date.now() + (options.timeout ?? Infinity);
    let result: unknown;
    for (const id of this.steps) {
      const left = (): number => Math.max(0, deadline - Date.now());
      // The next step is recorded by the worker that finished the previous one, just after.
      for (let i = 0; ; i++) {
        try {
          result = await this.#jobs.wait(id, { ...options, timeout: left() });
          break;
        } catch (err) {
          if (!(err instanceof UnknownJobError) || id === this.steps[0] || left() === 0) throw err;
          await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** Math.min(i, 6), left())));
        }
      }
    }
    return result;
  }
}

/** Enqueues the first step carrying the rest of the chain. */
export async function enqueueChain(
  client: Enqueuer,
  steps: readonly ChainStep[],
  chainId: string,
  jobs: JobAccess,
): Promise<ChainHandle> {
  if (steps.length === 0) throw new TypeError('a chain needs at least one step');
  const ids = steps.map((_, i) => `${chainId}.${i}`);
  const rest: Continuation[] = steps.slice(1).map((s, i) => ({ task: s.task, id: ids[i + 1] as string }));
  const first = steps[0] as ChainStep;
  await client.enqueue(first.task, first.payload, { jobId: `${chainId}.0`, headers: chainHeaders(rest) });
  return new ChainHandle(chainId, ids, jobs);
}

/** A step completed with `result`: enqueues the next step, if the message carried one. */
export async function continueChain(
  client: Enqueuer,
  headers: Readonly<FieldTable> | undefined,
  result: unknown,
): Promise<void> {
  const raw = headers?.[CHAIN_HEADER];
  if (typeof raw !== 'string') return;
  const [next, ...after] = JSON.parse(raw) as Continuation[];
  if (next === undefined) return;
  await client.enqueue(next.task, result, { jobId: next.id, headers: chainHeaders(after) });
}

function chainHeaders(rest: readonly Continuation[]): FieldTable {
  return rest.length === 0 ? {} : { [CHAIN_HEADER]: JSON.stringify(rest) };
}
