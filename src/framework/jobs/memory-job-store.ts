/**
 * The in-process job store: the default for the embedded broker without a data dir. A map by
 * id (O(1) lookups) and, per task, counts of its live jobs and one FinishedIndex per final
 * state, in finishing order, so retention drops from the front in O(1). Listing a live state
 * walks the map (the dashboard pages it); the two moves every job makes between live states
 * change only counts, and its end adds it to one index: four map operations per job in all.
 */
import { FinishedIndex } from './finished-index.js';
import {
  applyOutcome,
  copyGroup,
  settledResult,
  type GroupRecord,
  type MemberOutcome,
  type MemberSettled,
} from './group-record.js';
import {
  applyPatch,
  fixedShape,
  isFinal,
  LIVE_STATES,
  withoutUndefined,
  type JobPatch,
  type JobRecord,
  type JobState,
  type StoredJobRecord,
} from './job-record.js';
import {
  DEFAULT_RETENTION,
  type CreateResult,
  type JobStore,
  type ListQuery,
  type RetentionOptions,
} from './job-store.js';

/** One task's jobs: how many are in each live state, and each final state's index. */
class TaskJobs {
  readonly live: Record<string, number> = { waiting: 0, delayed: 0, active: 0 };
  readonly finished = new Map<JobState, FinishedIndex>();

  index(state: JobState): FinishedIndex {
    let index = this.finished.get(state);
    if (!index) this.finished.set(state, (index = new FinishedIndex()));
    return index;
  }
}

export class MemoryJobStore implements JobStore {
  readonly #byId = new Map<string, StoredJobRecord>();
  readonly #byTask = new Map<string, TaskJobs>();
  readonly #retention: Required<RetentionOptions>;
  readonly #now: () => number;

  constructor(options: { retention?: RetentionOptions; now?: () => number } = {}) {
    this.#retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.#now = options.now ?? Date.now;
  }

  /** Jobs held (all states). */
  get size(): number {
    return this.#byId.size;
  }

  create(record: JobRecord, dedupWindow = Infinity): Promise<CreateResult> {
    const created = this.createNow(fixedShape(record), dedupWindow);
    return Promise.resolve({ created, record: withoutUndefined(this.#byId.get(record.id) as JobRecord) });
  }

  get(id: string): Promise<JobRecord | undefined> {
    const r = this.#byId.get(id);
    return Promise.resolve(r && withoutUndefined(r));
  }

  update(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Promise<JobRecord | undefined> {
    const r = this.updateNow(id, patch, from, attempt);
    return Promise.resolve(r && withoutUndefined(r));
  }

  /*
   * Synchronous forms for the job service's hot path on this store (no promise, no copy: the
   * caller must not keep or change what they return). Same semantics as the async ones.
   */

  /**
   * create(), resolving to whether it was created. Keeps `record` itself (made by
   * fixedShape(), for one hidden class): the caller must not change it afterwards.
   */
  createNow(record: StoredJobRecord, dedupWindow = Infinity): boolean {
    const existing = this.#byId.get(record.id);
    if (existing && (!isFinal(existing.state) || existing.createdAt + dedupWindow > this.#now()))
      return false;
    if (existing) this.#remove(existing);
    this.#byId.set(record.id, record);
    this.#enter(record);
    this.changed(record);
    return true;
  }

  /** The stored record itself (read only). */
  getNow(id: string): Readonly<JobRecord> | undefined {
    return this.#byId.get(id);
  }

  /** update(), returning the stored record itself (read only). */
  updateNow(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Readonly<JobRecord> | undefined {
    const current = this.#byId.get(id);
    if (!current || (from !== undefined && !from.includes(current.state))) return undefined;
    if (attempt !== undefined && current.attempts !== attempt) return undefined;
    // In place: the indexes hold this object; callers only ever get copies.
    const previous = current.state;
    applyPatch(current, patch);
    if (patch.updatedAt === undefined) current.updatedAt = this.#now();
    if (current.state !== previous) {
      this.#leave(current, previous);
      this.#enter(current);
    }
    this.changed(current);
    return current;
  }

  list(query: ListQuery): Promise<JobRecord[]> {
    const limit = query.limit ?? 100;
    const { task, state } = query;
    const jobs = this.#byTask.get(task);
    if (!jobs) return Promise.resolve([]);
    let all: JobRecord[];
    if (state !== undefined && isFinal(state)) all = jobs.finished.get(state)?.values() ?? [];
    else {
      all = [];
      for (const r of this.#byId.values())
        if (r.task === task && (state === undefined || r.state === state)) all.push(r);
    }
    all.sort((a, b) => b.updatedAt - a.updatedAt);
    const offset = query.offset ?? 0;
    return Promise.resolve(all.slice(offset, offset + limit).map(withoutUndefined));
  }

  tasks(): Promise<string[]> {
    return Promise.resolve([...this.#byTask.keys()]);
  }

  counts(task: string): Promise<Partial<Record<JobState, number>>> {
    const out: Partial<Record<JobState, number>> = {};
    const jobs = this.#byTask.get(task);
    if (!jobs) return Promise.resolve(out);
    for (const state of LIVE_STATES) if (jobs.live[state]! > 0) out[state] = jobs.live[state];
    for (const [state, index] of jobs.finished) if (index.size > 0) out[state] = index.size;
    return Promise.resolve(out);
  }

  delete(id: string): Promise<void> {
    const r = this.#byId.get(id);
    if (r) {
      this.#remove(r);
      this.deleted(id);
    }
    return Promise.resolve();
  }

  readonly #groups = new Map<string, GroupRecord>();

  createGroup(group: GroupRecord): Promise<{ created: boolean; group: GroupRecord }> {
    const existing = this.#groups.get(group.id);
    if (existing) return Promise.resolve({ created: false, group: copyGroup(existing) });
    this.#pruneGroups();
    const stored = copyGroup(group);
    this.#groups.set(group.id, stored);
    this.groupChanged(stored);
    return Promise.resolve({ created: true, group: copyGroup(stored) });
  }

  getGroup(id: string): Promise<GroupRecord | undefined> {
    const g = this.#groups.get(id);
    return Promise.resolve(g && copyGroup(g));
  }

  /** One synchronous step: nothing else runs between reading and changing the counters. */
  settleMember(id: string, index: number, outcome: MemberOutcome): Promise<MemberSettled | undefined> {
    const g = this.#groups.get(id);
    if (!g) return Promise.resolve(undefined);
    let applied: boolean;
    try {
      applied = applyOutcome(g, index, outcome, this.#now());
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the RangeError, unchanged
      return Promise.reject(err);
    }
    if (applied) this.memberSettled(id, index, outcome, g.updatedAt);
    return Promise.resolve(settledResult(copyGroup(g), outcome, applied));
  }

  deleteGroup(id: string): Promise<void> {
    if (this.#groups.delete(id)) this.groupDeleted(id);
    return Promise.resolve();
  }

  /** Hook for stores that persist: a group was created. */
  protected groupChanged(_group: GroupRecord): void {}

  /** Hook for stores that persist: a member of group `id` was settled. */
  protected memberSettled(_id: string, _index: number, _outcome: MemberOutcome, _at: number): void {}

  /** Hook for stores that persist: group `id` was deleted on request (not by retention). */
  protected groupDeleted(_id: string): void {}

  /** Puts a group back as it was persisted (recovery). */
  protected restoreGroup(group: GroupRecord): void {
    this.#groups.set(group.id, group);
  }

  /** Replays a logged member settle (recovery); a settle of an unknown group is dropped. */
  protected restoreMember(id: string, index: number, outcome: MemberOutcome, at: number): void {
    const g = this.#groups.get(id);
    if (g) applyOutcome(g, index, outcome, at);
  }

  /** Forgets a group on recovery (a logged delete). */
  protected forgetGroup(id: string): void {
    this.#groups.delete(id);
  }

  /** Groups held. */
  protected get groupCount(): number {
    return this.#groups.size;
  }

  /** Every group held (for compaction). */
  protected groups(): IterableIterator<GroupRecord> {
    return this.#groups.values();
  }

  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #paused = new Set<string>();

  setPaused(task: string, paused: boolean): Promise<void> {
    this.restorePaused(task, paused);
    this.pausedChanged(task, paused);
    return Promise.resolve();
  }

  pausedTasks(): Promise<string[]> {
    return Promise.resolve([...this.#paused]);
  }

  /** Hook for stores that persist: a task was paused or resumed. */
  protected pausedChanged(_task: string, _paused: boolean): void {}

  /** Sets a task's paused flag without the hook (recovery). */
  protected restorePaused(task: string, paused: boolean): void {
    if (paused) this.#paused.add(task);
    else this.#paused.delete(task);
  }

  acquire(key: string, max: number, per: number): Promise<number> {
    const now = this.#now();
    let w = this.#windows.get(key);
    if (!w || w.start + per <= now) this.#windows.set(key, (w = { start: now, count: 0 }));
    if (w.count >= max) return Promise.resolve(w.start + per - now);
    w.count++;
    return Promise.resolve(0);
  }

  prune(): Promise<void> {
    for (const jobs of this.#byTask.values()) for (const index of jobs.finished.values()) this.#prune(index);
    const oldest = this.#now() - this.#retention.age;
    for (const [id, g] of this.#groups)
      if (g.remaining === 0 && g.updatedAt < oldest) this.#groups.delete(id);
    return Promise.resolve();
  }

  /**
   * Retention of groups as they are created: drops ended groups older than `age` from the
   * oldest on, stopping at the first that stays (prune() walks them all).
   */
  #pruneGroups(): void {
    const oldest = this.#now() - this.#retention.age;
    for (const [id, g] of this.#groups) {
      if (g.remaining > 0 || g.updatedAt >= oldest) return;
      this.#groups.delete(id);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Hook for stores that persist (file-job-store.ts): `record` was written. */
  protected changed(_record: JobRecord): void {}

  /** Hook for stores that persist: `id` was deleted on request (not by retention). */
  protected deleted(_id: string): void {}

  /** Puts a record back as it was persisted (recovery), applying retention. */
  protected restore(record: JobRecord): void {
    const existing = this.#byId.get(record.id);
    if (existing) this.#remove(existing);
    const stored = fixedShape(record);
    this.#byId.set(stored.id, stored);
    this.#enter(stored);
  }

  /** Forgets a record on recovery (a logged delete). */
  protected forget(id: string): void {
    const r = this.#byId.get(id);
    if (r) this.#remove(r);
  }

  /** The paused tasks (for compaction). */
  protected pausedNow(): IterableIterator<string> {
    return this.#paused.values();
  }

  /** Every record held (for compaction). */
  protected records(): IterableIterator<JobRecord> {
    return this.#byId.values();
  }

  #jobs(task: string): TaskJobs {
    let jobs = this.#byTask.get(task);
    if (!jobs) this.#byTask.set(task, (jobs = new TaskJobs()));
    return jobs;
  }

  /** Counts `record` (in #byId already) in its state, or adds it to its final state's index. */
  #enter(record: StoredJobRecord): void {
    const jobs = this.#jobs(record.task);
    if (!isFinal(record.state)) {
      jobs.live[record.state]!++;
      return;
    }
    const index = jobs.index(record.state);
    index.add(record);
    this.#prune(index);
  }

  /** Undoes #enter for `record` as it was in `state`. */
  #leave(record: StoredJobRecord, state: JobState): void {
    const jobs = this.#jobs(record.task);
    if (isFinal(state)) jobs.finished.get(state)?.remove(record);
    else jobs.live[state]!--;
  }

  #remove(record: StoredJobRecord): void {
    this.#byId.delete(record.id);
    this.#leave(record, record.state);
  }

  /** Drops the oldest finished jobs of one task and state beyond the retention limits. */
  #prune(index: FinishedIndex): void {
    const oldest = this.#now() - this.#retention.age;
    for (let r = index.oldest(); r !== undefined; r = index.oldest()) {
      if (index.size <= this.#retention.count && r.updatedAt >= oldest) break;
      index.dropOldest();
      this.#byId.delete(r.id);
    }
  }
}
