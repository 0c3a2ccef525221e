/**
 * The job store for several machines: one PostgreSQL table shared by every process. The `pg`
 * package is an optional peer dependency, loaded only when a postgres:// URL is used. The
 * primary key makes lookups by id an index probe and the (task, state, updated_at) index
 * keeps listing and retention O(log n + rows touched). State transitions are single
 * conditional UPDATEs (`WHERE state = ANY(from)`), so a cancel and a start on different
 * machines cannot both win. Groups live in `<table>_groups`, one row each with the members'
 * outcomes as a JSON array: settling a member is one UPDATE conditional on its slot being
 * empty, which decrements the remaining count under the row's lock, so exactly one of the
 * workers finishing a group's last members sees it reach zero.
 */
import type * as PgModule from 'pg';
import type { Pool, QueryResultRow } from 'pg';
import {
  checkIndex,
  settledResult,
  type GroupRecord,
  type MemberFailurePolicy,
  type MemberOutcome,
  type MemberSettled,
} from './group-record.js';
import { FINAL_STATES, type JobPatch, type JobRecord, type JobState } from './job-record.js';
import {
  DEFAULT_RETENTION,
  type CreateResult,
  type JobStore,
  type ListQuery,
  type RetentionOptions,
} from './job-store.js';

export interface PostgresJobStoreOptions {
  /** postgres:// URL (a unix socket: postgres://user@/db?host=/var/run/postgresql). */
  url: string;
  /** Table name (default warren_jobs); created if missing. */
  table?: string;
  retention?: RetentionOptions;
  /** Pool size (default 10). */
  maxConnections?: number;
  /**
   * Wait for each transition to reach the disk (synchronous_commit on). Default false: job
   * state is a record of what the messages did, not the source of truth for running them, so
   * a database crash may lose its last transitions (never corrupt the table), and each commit
   * does not wait for a WAL flush.
   */
  durableCommits?: boolean;
}

/** Record field → column, for the fields a patch may carry. */
const COLUMNS: Record<keyof JobPatch, string> = {
  state: 'state',
  attempts: 'attempts',
  maxAttempts: 'max_attempts',
  progress: 'progress',
  result: 'result',
  error: 'error',
  updatedAt: 'updated_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  runAt: 'run_at',
  group: 'group_ref',
};
const JSON_FIELDS = new Set<string>(['progress', 'result', 'error', 'group']);
const FINAL = [...FINAL_STATES];
/** Prune a (task, state) at most this often, ms: retention is approximate by design. */
const PRUNE_INTERVAL = 1000;

export class PostgresJobStore implements JobStore {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #retention: Required<RetentionOptions>;
  readonly #pruned = new Map<string, number>();

  private constructor(pool: Pool, table: string, retention?: RetentionOptions) {
    this.#pool = pool;
    this.#table = table;
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
  }

  /** Connects (loading `pg`) and creates the table and index if missing. */
  static async open(options: PostgresJobStoreOptions): Promise<PostgresJobStore> {
    const table = options.table ?? 'warren_jobs';
    if (!/^[a-z_][a-z0-9_]*$/i.test(table)) throw new TypeError(`invalid job table name: ${table}`);
    const pg = await loadPg();
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      ...(options.durableCommits === true ? {} : { options: '-c synchronous_commit=off' }),
    });
    const store = new PostgresJobStore(pool, table, options.retention);
    try {
      await store.#createSchema();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async #createSchema(): Promise<void> {
    const t = this.#table;
    await this.#pool.query(
      `CREATE TABLE IF NOT EXISTS ${t} (
        id text PRIMARY KEY, task text NOT NULL, state text NOT NULL,
        attempts integer NOT NULL, max_attempts integer,
        progress jsonb, result jsonb, error jsonb,
        created_at bigint NOT NULL, updated_at bigint NOT NULL,
        started_at bigint, finished_at bigint, run_at bigint)`,
    );
    // Tables made before groups existed get the column.
    await this.#pool.query(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS group_ref jsonb`);
    await this.#pool.query(`CREATE INDEX IF NOT EXISTS ${t}_task_state ON ${t} (task, state, updated_at)`);
    await this.#pool.query(
      `CREATE TABLE IF NOT EXISTS ${t}_groups (
        id text PRIMARY KEY, members jsonb NOT NULL, outcomes jsonb NOT NULL,
        remaining integer NOT NULL, failures integer NOT NULL, callback jsonb,
        on_member_failure text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL)`,
    );
    await this.#pool.query(
      `CREATE INDEX IF NOT EXISTS ${t}_groups_ended ON ${t}_groups (updated_at) WHERE remaining = 0`,
    );
    await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${t}_paused (task text PRIMARY KEY)`);
    await this.#pool.query(
      `CREATE TABLE IF NOT EXISTS ${t}_rate (key text PRIMARY KEY, window_start bigint NOT NULL, count integer NOT NULL)`,
    );
  }

  /**
   * One atomic upsert per take; the window is timed by the database's clock, so machines with
   * skewed clocks share the same windows.
   */
  async acquire(key: string, max: number, per: number): Promise<number> {
    const t = `${this.#table}_rate`;
    const { rows } = await this.#pool.query<{ window_start: string; count: number; now: string }>(
      `WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now)
       INSERT INTO ${t} AS r (key, window_start, count) SELECT $1, now, 1 FROM clock
       ON CONFLICT (key) DO UPDATE SET
         window_start = CASE WHEN r.window_start + $2 <= EXCLUDED.window_start THEN EXCLUDED.window_start ELSE r.window_start END,
         count = CASE WHEN r.window_start + $2 <= EXCLUDED.window_start THEN 1 ELSE r.count + 1 END
       RETURNING window_start, count, (SELECT now FROM clock) AS now`,
      [key, per],
    );
    const row = rows[0];
    if (!row || row.count <= max) return 0;
    return Math.max(1, Number(row.window_start) + per - Number(row.now));
  }

  async create(record: JobRecord, dedupWindow = Infinity): Promise<CreateResult> {
    const t = this.#table;
    const values = [
      record.id,
      record.task,
      record.state,
      record.attempts,
      record.maxAttempts ?? null,
      json(record.progress),
      json(record.result),
      json(record.error),
      record.createdAt,
      record.updatedAt,
      record.startedAt ?? null,
      record.finishedAt ?? null,
      record.runAt ?? null,
      json(record.group),
    ];
    const insert = `INSERT INTO ${t} (id, task, state, attempts, max_attempts, progress, result, error,
      created_at, updated_at, started_at, finished_at, run_at, group_ref)
      VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`;
    // A finished job older than the window is replaced; anything else is a duplicate.
    const onConflict = Number.isFinite(dedupWindow)
      ? `ON CONFLICT (id) DO UPDATE SET task = EXCLUDED.task, state = EXCLUDED.state,
          attempts = EXCLUDED.attempts, max_attempts = EXCLUDED.max_attempts,
          progress = EXCLUDED.progress, result = EXCLUDED.result, error = EXCLUDED.error,
          created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
          started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, run_at = EXCLUDED.run_at,
          group_ref = EXCLUDED.group_ref
        WHERE ${t}.state = ANY($15) AND ${t}.created_at + $16 <= EXCLUDED.created_at`
      : 'ON CONFLICT (id) DO NOTHING';
    const params = Number.isFinite(dedupWindow) ? [...values, FINAL, dedupWindow] : values;
    const inserted = await this.#pool.query<QueryResultRow>(`${insert} ${onConflict} RETURNING *`, params);
    const row = inserted.rows[0];
    if (row) return { created: true, record: fromRow(row) };
    const existing = await this.get(record.id);
    // Deleted between the two statements: try once more rather than report a phantom duplicate.
    if (!existing) return this.create(record, dedupWindow);
    return { created: false, record: existing };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.#pool.query<QueryResultRow>(`SELECT * FROM ${this.#table} WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async update(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Promise<JobRecord | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const full: JobPatch = { ...patch, updatedAt: patch.updatedAt ?? Date.now() };
    for (const [key, value] of Object.entries(full) as [keyof JobPatch, unknown][]) {
      params.push(JSON_FIELDS.has(key) ? json(value) : (value ?? null));
      sets.push(`${COLUMNS[key]} = $${params.length}`);
    }
    let where = 'id = $1';
    if (from !== undefined) {
      params.push(from);
      where += ` AND state = ANY($${params.length})`;
    }
    if (attempt !== undefined) {
      params.push(attempt);
      where += ` AND attempts = $${params.length}`;
    }
    const { rows } = await this.#pool.query<QueryResultRow>(
      `UPDATE ${this.#table} SET ${sets.join(', ')} WHERE ${where} RETURNING *`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;
    const record = fromRow(row);
    if (FINAL_STATES.has(record.state)) this.#maybePrune(record.task, record.state);
    return record;
  }

  async list(query: ListQuery): Promise<JobRecord[]> {
    const params: unknown[] = [query.task, query.limit ?? 100, query.offset ?? 0];
    let where = 'task = $1';
    if (query.state) {
      params.push(query.state);
      where += ' AND state = $4';
    }
    const { rows } = await this.#pool.query<QueryResultRow>(
      `SELECT * FROM ${this.#table} WHERE ${where} ORDER BY updated_at DESC LIMIT $2 OFFSET $3`,
      params,
    );
    return rows.map(fromRow);
  }

  async tasks(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ task: string }>(`SELECT DISTINCT task FROM ${this.#table}`);
    return rows.map((r) => r.task);
  }

  async counts(task: string): Promise<Partial<Record<JobState, number>>> {
    const { rows } = await this.#pool.query<{ state: JobState; n: string }>(
      `SELECT state, count(*) AS n FROM ${this.#table} WHERE task = $1 GROUP BY state`,
      [task],
    );
    const out: Partial<Record<JobState, number>> = {};
    for (const r of rows) out[r.state] = Number(r.n);
    return out;
  }

  async delete(id: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table} WHERE id = $1`, [id]);
  }

  /** Drops the table (tests and `warren jobs --drop`-style cleanup). */
  async drop(): Promise<void> {
    const t = this.#table;
    await this.#pool.query(`DROP TABLE IF EXISTS ${t}, ${t}_rate, ${t}_paused, ${t}_groups`);
  }

  async createGroup(group: GroupRecord): Promise<{ created: boolean; group: GroupRecord }> {
    const { rows } = await this.#pool.query<QueryResultRow>(
      `INSERT INTO ${this.#table}_groups (id, members, outcomes, remaining, failures, callback,
        on_member_failure, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [
        group.id,
        JSON.stringify(group.members),
        JSON.stringify(group.outcomes),
        group.remaining,
        group.failures,
        json(group.callback),
        group.onMemberFailure,
        group.createdAt,
        group.updatedAt,
      ],
    );
    if (rows[0]) return { created: true, group: groupFromRow(rows[0]) };
    const existing = await this.getGroup(group.id);
    if (!existing) return this.createGroup(group); // deleted between the two statements
    return { created: false, group: existing };
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    const { rows } = await this.#pool.query<QueryResultRow>(
      `SELECT * FROM ${this.#table}_groups WHERE id = $1`,
      [id],
    );
    return rows[0] ? groupFromRow(rows[0]) : undefined;
  }

  /**
   * One UPDATE, conditional on the member's slot being JSON null: a concurrent settle of
   * another member waits for the row lock and then applies to the row as this one left it
   * (READ COMMITTED re-reads an updated row), a second settle of the same member matches
   * nothing.
   */
  async settleMember(id: string, index: number, outcome: MemberOutcome): Promise<MemberSettled | undefined> {
    const failed = outcome.state === 'completed' ? 0 : 1;
    const { rows } = await this.#pool.query<QueryResultRow>(
      `UPDATE ${this.#table}_groups SET outcomes = jsonb_set(outcomes, ARRAY[$2::text], $3::jsonb),
         remaining = remaining - 1, failures = failures + $4, updated_at = $5
       WHERE id = $1 AND jsonb_typeof(outcomes -> $6::int) = 'null' RETURNING *`,
      [id, String(index), JSON.stringify(outcome), failed, Date.now(), index],
    );
    if (rows[0]) {
      const settled = settledResult(groupFromRow(rows[0]), outcome, true);
      if (settled.last) this.#maybePruneGroups();
      return settled;
    }
    const group = await this.getGroup(id);
    if (!group) return undefined;
    checkIndex(group, index);
    return settledResult(group, outcome, false);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table}_groups WHERE id = $1`, [id]);
  }

  async setPaused(task: string, paused: boolean): Promise<void> {
    const t = `${this.#table}_paused`;
    if (paused) await this.#pool.query(`INSERT INTO ${t} (task) VALUES ($1) ON CONFLICT DO NOTHING`, [task]);
    else await this.#pool.query(`DELETE FROM ${t} WHERE task = $1`, [task]);
  }

  async pausedTasks(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ task: string }>(`SELECT task FROM ${this.#table}_paused`);
    return rows.map((r) => r.task);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Applies retention to one task and final state, at most once per PRUNE_INTERVAL. */
  #maybePrune(task: string, state: JobState): void {
    const key = `${state}\u0000${task}`;
    const now = Date.now();
    if ((this.#pruned.get(key) ?? 0) + PRUNE_INTERVAL > now) return;
    this.#pruned.set(key, now);
    void this.#pruneOne(task, state).catch(() => undefined); // the next transition retries
  }

  /** Retention of ended groups, at most once per PRUNE_INTERVAL. */
  #maybePruneGroups(): void {
    const now = Date.now();
    if ((this.#pruned.get('\u0000groups') ?? 0) + PRUNE_INTERVAL > now) return;
    this.#pruned.set('\u0000groups', now);
    void this.#pruneGroups().catch(() => undefined); // the next group to end retries
  }

  async #pruneGroups(): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table}_groups WHERE remaining = 0 AND updated_at < $1`, [
      Date.now() - this.#retention.age,
    ]);
  }

  async prune(): Promise<void> {
    const { rows } = await this.#pool.query<{ task: string; state: JobState }>(
      `SELECT DISTINCT task, state FROM ${this.#table} WHERE state = ANY($1)`,
      [FINAL],
    );
    for (const r of rows) await this.#pruneOne(r.task, r.state);
    await this.#pruneGroups();
  }

  /** Retention for one task and final state: older than `age`, or beyond the newest `count`. */
  async #pruneOne(task: string, state: JobState): Promise<void> {
    const t = this.#table;
    const cutoff = Date.now() - this.#retention.age;
    await this.#pool.query(`DELETE FROM ${t} WHERE task = $1 AND state = $2 AND updated_at < $3`, [
      task,
      state,
      cutoff,
    ]);
    await this.#pool.query(
      `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE task = $1 AND state = $2
        ORDER BY updated_at DESC OFFSET $3)`,
      [task, state, this.#retention.count],
    );
  }
}

async function loadPg(): Promise<typeof PgModule> {
  try {
    const mod = (await import('pg')) as typeof PgModule & { default?: typeof PgModule };
    return mod.default ?? mod;
  } catch (err) {
    throw new Error('the PostgreSQL job store needs the "pg" package: npm install pg', { cause: err });
  }
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function num(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

function groupFromRow(row: QueryResultRow): GroupRecord {
  const g: GroupRecord = {
    id: row['id'] as string,
    members: row['members'] as string[],
    outcomes: row['outcomes'] as (MemberOutcome | null)[],
    remaining: Number(row['remaining']),
    failures: Number(row['failures']),
    onMemberFailure: row['on_member_failure'] as MemberFailurePolicy,
    createdAt: Number(row['created_at']),
    updatedAt: Number(row['updated_at']),
  };
  const callback = row['callback'] as GroupRecord['callback'] | null;
  if (callback) g.callback = callback;
  return g;
}

function fromRow(row: QueryResultRow): JobRecord {
  const r: JobRecord = {
    id: row['id'] as string,
    task: row['task'] as string,
    state: row['state'] as JobState,
    attempts: Number(row['attempts']),
    createdAt: Number(row['created_at']),
    updatedAt: Number(row['updated_at']),
  };
  const optional: Partial<JobRecord> = {
    maxAttempts: num(row['max_attempts']),
    progress: row['progress'] ?? undefined,
    result: row['result'] ?? undefined,
    error: (row['error'] as JobRecord['error']) ?? undefined,
    startedAt: num(row['started_at']),
    finishedAt: num(row['finished_at']),
    runAt: num(row['run_at']),
    group: (row['group_ref'] as JobRecord['group']) ?? undefined,
  };
  for (const [k, v] of Object.entries(optional))
    if (v !== undefined) (r as unknown as Record<string, unknown>)[k] = v;
  return r;
}
