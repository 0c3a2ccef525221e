/**
 * The interface every job state store implements (memory, file, PostgreSQL, Redis). Transitions are
 * conditional on the current state (`from`), so a cancel and a worker's start cannot both win:
 * whichever the store applies first decides, on one process or on many sharing a database.
 */
import type { GroupRecord, MemberOutcome, MemberSettled } from './group-record.js';
import type { JobPatch, JobRecord, JobState } from './job-record.js';

/**
 * How long finished jobs are kept. Both limits apply (whichever removes first). Groups whose
 * members all ended are kept for `age`.
 */
export interface RetentionOptions {
  /** Keep at most this many finished jobs per task and final state (default 10 000). */
  count?: number;
  /** Keep finished jobs for this long, ms (default 24 h). */
  age?: number;
}

export const DEFAULT_RETENTION: Required<RetentionOptions> = { count: 10_000, age: 24 * 3600_000 };

export interface CreateResult {
  /** False when a job with this id already existed (inside the dedup window): nothing was written. */
  created: boolean;
  record: JobRecord;
}

export interface ListQuery {
  task: string;
  state?: JobState;
  /** At most this many, newest first (default 100). */
  limit?: number;
  /** Skip this many of the newest first (paging; default 0). */
  offset?: number;
}

export interface JobStore {
  /**
   * Inserts `record` unless a job with its id exists and was created less than `dedupWindow`
   * ms ago (or is still live), in which case that one is returned and nothing changes.
   */
  create(record: JobRecord, dedupWindow?: number): Promise<CreateResult>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Applies `patch` when the job's state is one of `from` (any state when absent) and, when
   * `attempt` is given, its `attempts` equals it (so a late report about attempt n cannot
   * overwrite attempt n + 1); resolves to the updated record, or undefined when the job is
   * unknown or the condition does not hold.
   */
  update(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Promise<JobRecord | undefined>;
  /** A task's jobs, newest first, optionally in one state. */
  list(query: ListQuery): Promise<JobRecord[]>;
  /** The task names with jobs recorded (optional: the dashboard lists them). */
  tasks?(): Promise<string[]>;
  /** Counts of a task's jobs per state. */
  counts(task: string): Promise<Partial<Record<JobState, number>>>;
  delete(id: string): Promise<void>;
  /**
   * Takes one slot of a fixed-window rate limit shared by everyone on this store: resolves to
   * 0 when taken, else to the ms until the current window (started by its first request)
   * ends. At most `max` takes succeed per window.
   */
  acquire(key: string, max: number, per: number): Promise<number>;
  /** Records a task as paused or not (read by workers when they start). */
  setPaused(task: string, paused: boolean): Promise<void>;
  /** The tasks recorded as paused. */
  pausedTasks(): Promise<string[]>;
  /**
   * Records a group (client.group) unless one with its id exists, in which case that one is
   * returned and nothing changes.
   */
  createGroup(group: GroupRecord): Promise<{ created: boolean; group: GroupRecord }>;
  getGroup(id: string): Promise<GroupRecord | undefined>;
  /**
   * Records that member `index` of group `id` ended with `outcome`, once: a member already
   * settled stays as it was (`applied: false`). Atomic across every process sharing the store:
   * of all the calls settling a group's members exactly one sees `last` (PostgreSQL: one
   * conditional UPDATE of the group's row; memory and file stores: one synchronous step).
   * Undefined when the group is unknown; RangeError for an index it does not have.
   */
  settleMember(id: string, index: number, outcome: MemberOutcome): Promise<MemberSettled | undefined>;
  deleteGroup(id: string): Promise<void>;
  /** Applies retention now (stores also apply it as jobs finish, possibly lazily). */
  prune(): Promise<void>;
  close(): Promise<void>;
}
