/**
 * What `client.enqueue` resolves to and `client.job(id)` returns: a handle on one job, read
 * from the job store. It holds no state of its own, so a handle made in another process (from
 * the id alone) sees the same job.
 */
import type { JobRecord, JobState } from './job-record.js';

/** What a handle needs from the app's job service. */
export interface JobAccess {
  get(id: string): Promise<JobRecord | undefined>;
  wait(id: string, options: WaitOptions): Promise<unknown>;
  cancel(id: string): Promise<boolean>;
}

export interface WaitOptions {
  /** Give up after this many ms with JobWaitTimeoutError (default: wait as long as it takes). */
  timeout?: number;
  /** Stop waiting when aborted (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export class JobHandle {
  /** The job id, which is also the task message's messageId. */
  readonly id: string;
  /** True when enqueue found this id already enqueued (inside the dedup window) and published nothing. */
  readonly duplicate: boolean;
  readonly #jobs: JobAccess;

  constructor(id: string, jobs: JobAccess, duplicate = false) {
    this.id = id;
    this.duplicate = duplicate;
    this.#jobs = jobs;
  }

  /** The message id (the same as `id`; kept from the result enqueue used to return). */
  get messageId(): string {
    return this.id;
  }

  /** A snapshot of the job: state, attempts, progress, result or error, timestamps. */
  get(): Promise<JobRecord | undefined> {
    return this.#jobs.get(this.id);
  }

  /** The job's current state (undefined when the store does not know it). */
  async state(): Promise<JobState | undefined> {
    return (await this.#jobs.get(this.id))?.state;
  }

  /**
   * Waits until the job is finished: resolves with the handler's result, rejects with
   * JobFailedError (failed or dead), JobCancelledError, JobWaitTimeoutError or UnknownJobError.
   */
  result(options: WaitOptions = {}): Promise<unknown> {
    return this.#jobs.wait(this.id, options);
  }

  /**
   * Cancels the job: a waiting or delayed job never runs (its message is dropped when a worker
   * takes it), a running one has its `ctx.signal` aborted with JobCancelledError. Resolves to
   * false when the job had already finished (or is unknown).
   */
  cancel(): Promise<boolean> {
    return this.#jobs.cancel(this.id);
  }

  toJSON(): { id: string; messageId: string; duplicate: boolean } {
    return { id: this.id, messageId: this.id, duplicate: this.duplicate };
  }
}
