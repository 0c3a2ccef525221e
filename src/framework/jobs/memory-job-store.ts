/**
 * The in-process job store: the default for the embedded broker without a data dir. A map by
 * id (O(1) lookups) plus, per task and state, an insertion-ordered index, so listing a state
 * and retention are both cheap: finished jobs enter their state's index in finishing order and
 * retention drops them from the front.
 */
import { isFinal, type JobPatch, type JobRecord, type JobState } from './job-record.js';
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
    const existing = this.#byId.get(record.id);
    if (existing && (!isFinal(existing.state) || existing.createdAt + dedupWindow > this.#now()))
      return Promise.resolve({ created: false, record: { ...existing } });
    if (existing) this.#remove(existing);
    const stored = { ...record };
    this.#insert(stored);
    this.changed(stored);
    return Promise.resolve({ created: true, record: { ...stored } });
  }

  get(id: string): Promise<JobRecord | undefined> {
    const r = this.#byId.get(id);
    return Promise.resolve(r && { ...r });
  }

  update(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Promise<JobRecord | undefined> {
    const current = this.#byId.get(id);
    if (!current || (from !== undefined && !from.includes(current.state))) return Promise.resolve(undefined);
    if (attempt !== undefined && current.attempts !== attempt) return Promise.resolve(undefined);
    const next: JobRecord = { ...current, ...patch, updatedAt: patch.updatedAt ?? this.#now() };
    if (next.state !== current.state) {
      this.#remove(current);
      this.#insert(next);
    } else {
      this.#byId.set(id, next);
      this.#index(next.task, next.state).set(id, next);
    }
    this.changed(next);
    return Promise.resolve({ ...next });
  }

  list(query: ListQuery): Promise<JobRecord[]> {
    const limit = query.limit ?? 100;
    const index = this.#byTask.get(query.task);
    if (!index) return Promise.resolve([]);
    const maps = query.state ? [index.get(query.state)] : [...index.values()];
    const all: JobRecord[] = [];
    for (const m of maps) if (m) for (const r of m.values()) all.push(r);
    all.sort((a, b) => b.updatedAt - a.updatedAt);
    return Promise.resolve(all.slice(0, limit).map((r) => ({ ...r })));
  }

  counts(task: string): Promise<Partial<Record<JobState, number>>> {
    const out: Partial<Record<JobState, number>> = {};
    for (const [state, m] of this.#byTask.get(task) ?? []) if (m.size > 0) out[state] = m.size;
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

  prune(): Promise<void> {
    for (const byState of this.#byTask.values())
      for (const [state, index] of byState) if (isFinal(state)) this.#prune(index);
    return Promise.resolve();
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
    this.#insert(record);
  }

  /** Forgets a record on recovery (a logged delete). */
  protected forget(id: string): void {
    const r = this.#byId.get(id);
    if (r) this.#remove(r);
  }

  /** Every record held (for compaction). */
  protected records(): IterableIterator<JobRecord> {
    return this.#byId.values();
  }

  #index(task: string, state: JobState): Map<string, JobRecord> {
    let byState = this.#byTask.get(task);
    if (!byState) this.#byTask.set(task, (byState = new Map<JobState, Map<string, JobRecord>>()));
    let m = byState.get(state);
    if (!m) byState.set(state, (m = new Map<string, JobRecord>()));
    return m;
  }

  #insert(record: JobRecord): void {
    this.#byId.set(record.id, record);
    const index = this.#index(record.task, record.state);
    index.set(record.id, record);
    if (isFinal(record.state)) this.#prune(index);
  }

  #remove(record: JobRecord): void {
    this.#byId.delete(record.id);
    this.#byTask.get(record.task)?.get(record.state)?.delete(record.id);
  }

  /** Drops the oldest finished jobs of one task and state beyond the retention limits. */
  #prune(index: Map<string, JobRecord>): void {
    const oldest = this.#now() - this.#retention.age;
    for (const r of index.values()) {
      if (index.size <= this.#retention.count && r.updatedAt >= oldest) break;
      index.delete(r.id);
      this.#byId.delete(r.id);
    }
  }
}
