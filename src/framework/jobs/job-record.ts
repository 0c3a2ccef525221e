/**
 * What Warren records about one enqueued task (a "job"): its state, attempts, progress and
 * outcome, with timestamps. One shape for every store, so a record read from PostgreSQL is the
 * same object the in-memory store hands out.
 */

/**
 * Where a job is. waiting: in its queue; delayed: waiting for a delay, `runAt` or a retry's
 * backoff; active: a handler runs it; completed: the handler resolved (`result`); failed: the
 * handler failed on its last attempt or with a final error (`error`; the message is in the
 * dead-letter queue); dead: dead-lettered without a handler verdict (unreadable or invalid
 * payload, or its worker died on the last attempt); cancelled: `job.cancel()` won the race.
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'dead',
  'cancelled',
];

/** States a job never leaves (retention applies to them). */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['completed', 'failed', 'dead', 'cancelled']);

/** States from which a job may still run. */
export const LIVE_STATES: readonly JobState[] = ['waiting', 'delayed', 'active'];

/** An error as recorded: enough to show and to rethrow as a JobFailedError. */
export interface RecordedError {
  name: string;
  message: string;
  code?: string;
}

/** Where a member job belongs (group-record.ts): recorded on its job record and carried in its message. */
export interface GroupRef {
  id: string;
  index: number;
}

export interface JobRecord {
  id: string;
  task: string;
  state: JobState;
  /** Attempts started so far (0 while it never ran). */
  attempts: number;
  /** Attempts allowed in all (retries + 1), when known. */
  maxAttempts?: number;
  /** The latest value passed to `ctx.progress(...)`. */
  progress?: unknown;
  /** What the handler resolved with (completed jobs). */
  result?: unknown;
  /** The latest failure (failed or dead jobs, and jobs waiting for a retry). */
  error?: RecordedError;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** When a delayed job is due, ms since the epoch. */
  runAt?: number;
  /** The group this job is a member of (client.group), and its place in it. */
  group?: GroupRef;
}

/** Fields a transition may change. */
export type JobPatch = Partial<Omit<JobRecord, 'id' | 'task' | 'createdAt'>>;

/** Records an error thrown by a handler (anything may be thrown). */
export function recordError(err: unknown): RecordedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

/**
 * Where the in-process store keeps a finished record's place in its retention order
 * (finished-index.ts), -1 elsewhere. Symbol-keyed, so copies made for callers
 * (withoutUndefined), JSON lines and for-in never see it.
 */
export const RETENTION_SLOT: unique symbol = Symbol('warren.retentionSlot');

/** A record as the in-process store keeps it. */
export type StoredJobRecord = JobRecord & { [RETENTION_SLOT]: number };

/**
 * `record` as an object of one fixed shape, every optional field present (undefined when
 * absent): the in-process store keeps these, so its hot paths see one hidden class and a
 * transition writes fields in place instead of adding properties.
 */
export function fixedShape(record: JobRecord): StoredJobRecord {
  return {
    id: record.id,
    task: record.task,
    state: record.state,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    progress: record.progress,
    result: record.result,
    error: record.error,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    runAt: record.runAt,
    group: record.group,
    [RETENTION_SLOT]: -1,
  };
}

/** A copy of `record` without its undefined fields (what stores hand out). */
export function withoutUndefined(record: JobRecord): JobRecord {
  const out = {} as Record<string, unknown>;
  for (const key in record) {
    const value = (record as unknown as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as unknown as JobRecord;
}

/** Writes `patch` into `record` in place: a field present in it with undefined is cleared. */
export function applyPatch(record: JobRecord, patch: JobPatch): void {
  if ('state' in patch) record.state = patch.state!;
  if ('attempts' in patch) record.attempts = patch.attempts!;
  if ('maxAttempts' in patch) record.maxAttempts = patch.maxAttempts;
  if ('progress' in patch) record.progress = patch.progress;
  if ('result' in patch) record.result = patch.result;
  if ('error' in patch) record.error = patch.error;
  if ('updatedAt' in patch) record.updatedAt = patch.updatedAt!;
  if ('startedAt' in patch) record.startedAt = patch.startedAt;
  if ('finishedAt' in patch) record.finishedAt = patch.finishedAt;
  if ('runAt' in patch) record.runAt = patch.runAt;
}
