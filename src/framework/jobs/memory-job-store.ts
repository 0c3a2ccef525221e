/**
 * The in-process job store: the default for the embedded broker without a data dir. A map by
 * id (O(1) lookups) plus, per task and state, an insertion-ordered index, so listing a state
 * and retention are both cheap: finished jobs enter their state's index in finishing order and
 * retention drops them from the front.
 */
import { Deque } from '../../util/deque.js';
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
} from './job-record.js';
import {
  DEFAULT_RETENTION,
  type CreateResult,
  type JobStore,
  type ListQuery,
  type RetentionOptions,
} from './job-store.js';

type StateIndex = Map<JobState, Map<string, JobRecord>>;

export class MemoryJobStore implements JobStore {
  readonly #byId = new Map<string, JobRecord>();
  readonly #byTask = new Map<string, StateIndex>();
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
  createNow(record: JobRecord, dedupWindow = Infinity): boolean {
    const existing = this.#byId.get(record.id);
    if (existing && (!isFinal(existing.state) || existing.createdAt + dedupWindow > this.#now()))
      return false;
    if (existing) this.#remove(existing);
    this.#byId.set(record.id, record);
    this.#insert(record);
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
      if (isFinal(previous) || isFinal(current.state)) {
        this.#byTask.get(current.task)?.get(previous)?.delete(id);
        this.#uncount(current.task, previous);
        this.#insert(current);
      } else {
        // Between live states: the task's live index holds it either way, only counts move.
        this.#uncount(current.task, previous);
        this.#count(current.task, current.state);
      }
    }
    this.changed(current);
    return current;
  }

  list(query: ListQuery): Promise<JobRecord[]> {
    const limit = query.limit ?? 100;
    const index = this.#byTask.get(query.task);
    if (!index) return Promise.resolve([]);
    const maps = query.state ? [index.get(query.state)] : new Set(index.values());
    const all: JobRecord[] = [];
    for (const m of maps)
      if (m)
        for (const r of m.values()) if (query.state === undefined || r.state === query.state) all.push(r);
    all.sort((a, b) => b.updatedAt - a.updatedAt);
    const offset = query.offset ?? 0;
    return Promise.resolve(all.slice(offset, offset + limit).map(withoutUndefined));
  }

  tasks(): Promise<string[]> {
    return Promise.resolve([...this.#byTask.keys()]);
  }

  counts(task: string): Promise<Partial<Record<JobState, number>>> {
    const out: Partial<Record<JobState, number>> = {};
    const live = this.#liveCounts.get(task);
    for (const [state, m] of this.#byTask.get(task) ?? []) {
      const n = isFinal(state) ? m.size : (live?.[state] ?? 0);
      if (n > 0) out[state] = n;
    }
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
    for (const byState of this.#byTask.values())
      for (const [state, index] of byState) if (isFinal(state)) this.#prune(index);
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
    this.#insert(stored);
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

  /**
   * The index of a task's jobs in `state`: one map per final state (retention drops from
   * them), and one map shared by the live states (waiting, delayed, active), so the two moves
   * every job makes between live states touch only the counts in #liveCounts.
   */
  #index(task: string, state: JobState): Map<string, JobRecord> {
    let byState = this.#byTask.get(task);
    if (!byState) {
      this.#byTask.set(task, (byState = new Map<JobState, Map<string, JobRecord>>()));
      const live = new Map<string, JobRecord>();
      for (const s of LIVE_STATES) byState.set(s, live);
      this.#liveCounts.set(task, { waiting: 0, delayed: 0, active: 0 });
    }
    let m = byState.get(state);
    if (!m) byState.set(state, (m = new Map<string, JobRecord>()));
    return m;
  }

  /** Per task, how many of its jobs each live state holds. */
  readonly #liveCounts = new Map<string, Record<string, number>>();

  #count(task: string, state: JobState): void {
    const counts = this.#liveCounts.get(task);
    if (counts && !isFinal(state)) counts[state]!++;
  }

  #uncount(task: string, state: JobState): void {
    const counts = this.#liveCounts.get(task);
    if (counts && !isFinal(state)) counts[state]!--;
  }

  /** Adds `record` (in #byId already) to its task and state's index. */
  #insert(record: JobRecord): void {
    const index = this.#index(record.task, record.state);
    index.set(record.id, record);
    this.#count(record.task, record.state);
    if (isFinal(record.state)) {
      let order = this.#finished.get(index);
      if (!order) this.#finished.set(index, (order = new Deque<JobRecord>()));
      order.push(record);
      this.#prune(index);
    }
  }

  /**
   * Finished records per final-state index, in finishing order: retention pops from the front
   * in O(1). (Iterating a Map from its start after many deletions walks their holes.) Entries
   * whose record left the index since are skipped when they reach the front.
   */
  readonly #finished = new Map<Map<string, JobRecord>, Deque<JobRecord>>();

  #remove(record: JobRecord): void {
    this.#byId.delete(record.id);
    if (this.#byTask.get(record.task)?.get(record.state)?.delete(record.id) === true)
      this.#uncount(record.task, record.state);
  }

  /** Drops the oldest finished jobs of one task and state beyond the retention limits. */
  #prune(index: Map<string, JobRecord>): void {
    const order = this.#finished.get(index);
    if (!order) return;
    const oldest = this.#now() - this.#retention.age;
    for (let r = order.peek(); r !== undefined; r = order.peek()) {
      if (index.get(r.id) !== r) {
        order.shift();
        continue;
      }
      if (index.size <= this.#retention.count && r.updatedAt >= oldest) break;
      order.shift();
      index.delete(r.id);
      this.#byId.delete(r.id);
    }
  }
}
