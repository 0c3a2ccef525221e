/**
 * The job store on Redis, for several machines that already run one. The `ioredis` package is
 * an optional peer dependency, loaded only when a redis:// URL is used. A job is one hash
 * (lookups by id are O(1)); per task and state a sorted set scored by updatedAt keeps listing
 * and retention O(log n + rows touched). Every write is one Lua script (redis-job-scripts.ts),
 * atomic on the server: a cancel and a start on different machines cannot both win, and
 * retention runs inside the transition that finishes a job.
 */
import type { Redis as RedisClient } from 'ioredis';
import {
  checkIndex,
  copyGroup,
  settledResult,
  type GroupRecord,
  type MemberOutcome,
  type MemberSettled,
} from './group-record.js';
import { JOB_STATES, type JobPatch, type JobRecord, type JobState } from './job-record.js';
import {
  DEFAULT_RETENTION,
  type CreateResult,
  type JobStore,
  type ListQuery,
  type RetentionOptions,
} from './job-store.js';
import {
  ACQUIRE,
  COUNTS,
  CREATE,
  DELETE,
  GROUP_CREATE,
  GROUP_DELETE,
  GROUP_PRUNE,
  GROUP_SETTLE,
  LIST,
  PRUNE_TASK,
  UPDATE,
} from './redis-job-scripts.js';

export interface RedisJobStoreOptions {
  /**
   * redis:// or rediss:// URL (database number as the path: redis://host:6379/2); a `prefix`
   * query parameter sets the prefix (redis://host/0?prefix=app1:{jobs}:).
   */
  url: string;
  /**
   * Prefix of every key (default `warren:{jobs}:`; wins over the URL's). The braces are a Redis
   * Cluster hash tag: the scripts touch several keys of one prefix, which must share a slot.
   */
  prefix?: string;
  retention?: RetentionOptions;
}

const SCRIPTS = {
  warrenJobCreate: CREATE,
  warrenJobUpdate: UPDATE,
  warrenJobDelete: DELETE,
  warrenJobPruneTask: PRUNE_TASK,
  warrenJobList: LIST,
  warrenJobCounts: COUNTS,
  warrenJobAcquire: ACQUIRE,
  warrenGroupCreate: GROUP_CREATE,
  warrenGroupSettle: GROUP_SETTLE,
  warrenGroupDelete: GROUP_DELETE,
  warrenGroupPrune: GROUP_PRUNE,
} as const;

type Reply = string | number | null | Reply[];
type Scripts = Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<Reply>>;

/** Hash fields holding JSON; the rest are strings and numbers. */
const JSON_FIELDS = new Set<string>(['progress', 'result', 'error', 'group']);
const NUMBER_FIELDS = new Set<string>([
  'attempts',
  'maxAttempts',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'runAt',
]);

export class RedisJobStore implements JobStore {
  readonly #redis: RedisClient;
  readonly #scripts: Scripts;
  readonly #prefix: string;
  readonly #retention: Required<RetentionOptions>;

  private constructor(redis: RedisClient, prefix: string, retention?: RetentionOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
    this.#scripts = redis as unknown as Scripts;
  }

  /** Connects (loading `ioredis`); rejects when the server cannot be reached. */
  static async open(options: RedisJobStoreOptions): Promise<RedisJobStore> {
    const Redis = await loadIoredis();
    const { url, prefix } = splitPrefix(options.url);
    // Commands wait for a reconnect for a while, then fail (reported, never failing a task).
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    // Later connection errors reach the commands that need the connection (and are reported).
    let cause: unknown;
    redis.on('error', (err: unknown) => (cause ??= err));
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw cause ?? err; // the socket's error (ECONNREFUSED…), not ioredis' "Connection is closed"
    }
    return new RedisJobStore(redis, options.prefix ?? prefix ?? 'warren:{jobs}:', options.retention);
  }

  /** The arguments every writing script starts with: prefix, retention count, age cutoff. */
  #head(): (string | number)[] {
    return [this.#prefix, this.#retention.count, Date.now() - this.#retention.age];
  }

  async create(record: JobRecord, dedupWindow = Infinity): Promise<CreateResult> {
    const { sets } = toHash(record);
    const window = Number.isFinite(dedupWindow) ? dedupWindow : -1;
    const reply = (await this.#scripts.warrenJobCreate(
      ...this.#head(),
      record.id,
      record.task,
      record.state,
      record.createdAt,
      record.updatedAt,
      window,
      ...sets,
    )) as [number, string[]?];
    if (reply[0] === 1) return { created: true, record: { ...record } };
    return { created: false, record: fromHash(reply[1] ?? []) as JobRecord };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return fromHash((await this.#redis.call('HGETALL', `${this.#prefix}j:${id}`)) as Reply);
  }

  async update(
    id: string,
    patch: JobPatch,
    from?: readonly JobState[],
    attempt?: number,
  ): Promise<JobRecord | undefined> {
    const { sets, deletes } = toHash({ ...patch, updatedAt: patch.updatedAt ?? Date.now() });
    const reply = await this.#scripts.warrenJobUpdate(
      ...this.#head(),
      id,
      from === undefined ? '' : from.join(','),
      attempt === undefined ? '' : String(attempt),
      sets.length / 2,
      ...sets,
      ...deletes,
    );
    return fromHash(reply);
  }

  async list(query: ListQuery): Promise<JobRecord[]> {
    const reply = (await this.#scripts.warrenJobList(
      this.#prefix,
      query.task,
      query.state ?? '',
      query.offset ?? 0,
      query.limit ?? 100,
      ...JOB_STATES,
    )) as Reply[];
    return reply.map(fromHash).filter((r): r is JobRecord => r !== undefined);
  }

  /** Every task that ever had a job under this prefix. */
  async tasks(): Promise<string[]> {
    return (await this.#redis.call('SMEMBERS', `${this.#prefix}tasks`)) as string[];
  }

  async counts(task: string): Promise<Partial<Record<JobState, number>>> {
    const sizes = (await this.#scripts.warrenJobCounts(this.#prefix, task, ...JOB_STATES)) as number[];
    const out: Partial<Record<JobState, number>> = {};
    JOB_STATES.forEach((state, i) => {
      if ((sizes[i] ?? 0) > 0) out[state] = sizes[i];
    });
    return out;
  }

  async delete(id: string): Promise<void> {
    await this.#scripts.warrenJobDelete(...this.#head(), id);
  }

  async acquire(key: string, max: number, per: number): Promise<number> {
    return Number(await this.#scripts.warrenJobAcquire(this.#prefix, key, max, per));
  }

  async setPaused(task: string, paused: boolean): Promise<void> {
    await this.#redis.call(paused ? 'SADD' : 'SREM', `${this.#prefix}paused`, task);
  }

  async pausedTasks(): Promise<string[]> {
    return (await this.#redis.call('SMEMBERS', `${this.#prefix}paused`)) as string[];
  }

  /** Retention for every task and for ended groups, in batches of at most 1000. */
  async prune(): Promise<void> {
    for (const task of await this.tasks()) {
      for (let batch = 0; batch < 1_000_000; batch++)
        if ((await this.#scripts.warrenJobPruneTask(...this.#head(), task)) === 0) break;
    }
    for (let batch = 0; batch < 1_000_000; batch++)
      if (Number(await this.#scripts.warrenGroupPrune(...this.#head())) < 1000) break;
  }

  async createGroup(group: GroupRecord): Promise<{ created: boolean; group: GroupRecord }> {
    const meta = {
      members: group.members,
      callback: group.callback,
      onMemberFailure: group.onMemberFailure,
      createdAt: group.createdAt,
    };
    const outcomes = group.outcomes.flatMap((o, i) => (o === null ? [] : [`o:${i}`, JSON.stringify(o)]));
    const reply = (await this.#scripts.warrenGroupCreate(
      ...this.#head(),
      group.id,
      JSON.stringify(meta),
      group.members.length,
      group.remaining,
      group.failures,
      group.updatedAt,
      ...outcomes,
    )) as [number, Reply?];
    if (reply[0] === 1) return { created: true, group: copyGroup(group) };
    return { created: false, group: groupFromHash(group.id, reply[1] ?? [])! };
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    return groupFromHash(id, (await this.#redis.call('HGETALL', `${this.#prefix}g:${id}`)) as Reply);
  }

  /** One script: the member's slot is filled only while empty (HSETNX), then counted down. */
  async settleMember(id: string, index: number, outcome: MemberOutcome): Promise<MemberSettled | undefined> {
    if (!Number.isInteger(index)) {
      const group = await this.getGroup(id);
      if (group) checkIndex(group, index);
      return undefined;
    }
    const failed = outcome.state === 'completed' ? 0 : 1;
    const reply = (await this.#scripts.warrenGroupSettle(
      ...this.#head(),
      id,
      index,
      JSON.stringify(outcome),
      failed,
      Date.now(),
    )) as [number, Reply?];
    if (reply[0] === -1) return undefined;
    if (reply[0] === -2) {
      throw new RangeError(`group ${id} has no member ${index} (it has ${String(reply[1])})`);
    }
    return settledResult(groupFromHash(id, reply[1] ?? [])!, outcome, reply[0] === 1);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.#scripts.warrenGroupDelete(...this.#head(), id);
  }

  /** Deletes every key under this store's prefix (tests, and cleanup of a retired prefix). */
  async drop(): Promise<void> {
    const match = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = (await this.#redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', 1000)) as [
        string,
        string[],
      ];
      if (keys.length > 0) await this.#redis.call('UNLINK', ...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

async function loadIoredis(): Promise<typeof RedisClient> {
  try {
    return (await import('ioredis')).Redis;
  } catch (err) {
    throw new Error('the Redis job store needs the "ioredis" package: npm install ioredis', { cause: err });
  }
}

/** The URL without its `prefix` query parameter (ioredis would not know it), and the prefix. */
function splitPrefix(raw: string): { url: string; prefix: string | undefined } {
  const url = new URL(raw);
  const prefix = url.searchParams.get('prefix') ?? undefined;
  url.searchParams.delete('prefix');
  return { url: url.toString(), prefix };
}

/** A record or patch as hash field/value pairs, and the fields it clears (set to undefined). */
function toHash(fields: JobPatch | JobRecord): { sets: string[]; deletes: string[] } {
  const sets: string[] = [];
  const deletes: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) deletes.push(key);
    else sets.push(key, JSON_FIELDS.has(key) ? JSON.stringify(value) : String(value));
  }
  return { sets, deletes };
}

/** A record from HGETALL's flat [field, value, ...] reply; undefined when empty. */
function fromHash(reply: Reply): JobRecord | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const key = String(reply[i]);
    const value = String(reply[i + 1]);
    out[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : NUMBER_FIELDS.has(key) ? Number(value) : value;
  }
  return out as unknown as JobRecord;
}

/** A group from its hash's HGETALL reply; undefined when empty. */
function groupFromHash(id: string, reply: Reply): GroupRecord | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const h = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) h.set(String(reply[i]), String(reply[i + 1]));
  const meta = JSON.parse(h.get('meta') ?? '{}') as Pick<
    GroupRecord,
    'members' | 'callback' | 'onMemberFailure' | 'createdAt'
  >;
  const outcomes = meta.members.map((_, i) => {
    const o = h.get(`o:${i}`);
    return o === undefined ? null : (JSON.parse(o) as MemberOutcome);
  });
  const group: GroupRecord = {
    id,
    members: meta.members,
    outcomes,
    remaining: Number(h.get('remaining')),
    failures: Number(h.get('failures')),
    onMemberFailure: meta.onMemberFailure,
    createdAt: meta.createdAt,
    updatedAt: Number(h.get('updatedAt')),
  };
  if (meta.callback !== undefined) group.callback = meta.callback;
  return group;
}
