/**
 * What the management server needs to show jobs (the dashboard's Jobs page, /api/jobs). The
 * job store lives in the framework layer, above this one, so whoever starts the server (an
 * app with `management`, or `warren broker --jobs`) injects this view of it.
 */

/** One job as the framework records it (its JobRecord). */
export interface JobInfo {
  id: string;
  task: string;
  state: string;
  attempts: number;
  maxAttempts?: number;
  progress?: unknown;
  result?: unknown;
  error?: { name: string; message: string; code?: string };
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
  runAt?: number;
}

export interface JobsProvider {
  /** Every state a job may be in, in display order. */
  readonly states: readonly string[];
  /** The task names with jobs recorded (or run by the app). */
  tasks(): Promise<string[]>;
  /** A task's number of jobs per state (states without jobs may be absent). */
  counts(task: string): Promise<Partial<Record<string, number>>>;
  /** A task's jobs newest first, optionally in one state. */
  list(query: { task: string; state?: string; offset: number; limit: number }): Promise<JobInfo[]>;
  get(id: string): Promise<JobInfo | undefined>;
  /**
   * Cancels a waiting, delayed or active job (aborting it where it runs); false when it was
   * not live. Absent when this provider cannot cancel.
   */
  cancel?(id: string): Promise<boolean>;
}
