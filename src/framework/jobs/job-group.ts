/**
 * Groups: jobs enqueued together whose completion is tracked as one (Celery's group), with an
 * optional callback task that runs once with the members' ordered results when every member
 * completed (Celery's chord, BullMQ's flow parent). The group's record (group-record.ts) is
 * written before any member is enqueued; each member's job id is `<groupId>.<i>` and its
 * message carries its place (header x-warren-group), which its job record keeps too. Whoever
 * records a member's end (the worker that ran it, the worker that dead-lettered it, the
 * process that cancelled it) settles it in the store's atomic step; the one call that settles
 * the last member enqueues the callback, under its precomputed job id `<groupId>.callback`,
 * which the job store deduplicates. A member's message that comes back after its job ended (its
 * worker died after recording it, before the ack) settles it again: a no-op for the counters,
 * and the callback is enqueued again if due (deduplicated), so a crash anywhere in between
 * still runs the callback exactly once.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import {
  GroupMemberFailedError,
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  UnknownJobError,
} from '../errors.js';
import type { ChainStep, Enqueuer } from './job-chain.js';
import { JobHandle, type JobAccess, type WaitOptions } from './job-handle.js';
import { isFinal, recordError, type GroupRef, type JobRecord } from './job-record.js';
import { changeOrTimeout, jobChanged, pollUntil } from './job-signals.js';
import type { JobStore } from './job-store.js';
import {
  groupState,
  MEMBER_FAILURE_POLICIES,
  newGroup,
  type GroupCallback,
  type GroupRecord,
  type GroupState,
  type MemberFailurePolicy,
  type MemberOutcome,
  type MemberSettled,
} from './group-record.js';

/** Header of a member's message: `{"id":<groupId>,"index":<i>}`. */
export const GROUP_HEADER = 'x-warren-group';

/** One member of `client.group`: a task and its payload. */
export type GroupMember = ChainStep;

/** Options of `client.group`. */
export interface GroupOptions {
  /**
   * The group's id (default a random UUID). Calling `group` again with the same id and members
   * enqueues only what the first call did not (member ids deduplicate): a client that died
   * half way through enqueueing resumes.
   */
  groupId?: string;
  /** Makes the group a chord: this task runs once, when every member completed. */
  callback?: { task: string };
  /** What a failed, dead or cancelled member does to the callback (default 'fail'; group-record.ts). */
  onMemberFailure?: MemberFailurePolicy;
}

/** The members' place in their group, from a message's headers (undefined when not a member). */
export function groupRefOf(headers: Readonly<FieldTable> | undefined): GroupRef | undefined {
  const raw = headers?.[GROUP_HEADER];
  if (typeof raw !== 'string') return undefined;
  try {
    const ref = JSON.parse(raw) as Partial<GroupRef>;
    return typeof ref.id === 'string' && Number.isInteger(ref.index)
      ? { id: ref.id, index: ref.index! }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The key under which in-process waiters on a group are woken (job-signals.ts). */
function groupKey(id: string): string {
  return `group\u0000${id}`;
}

/** What a group handle needs of the app's job service. */
export interface GroupAccess {
  getGroup(id: string): Promise<GroupRecord | undefined>;
  waitGroup(id: string, until: (group: GroupRecord) => boolean, options: WaitOptions): Promise<GroupRecord>;
  cancelGroup(id: string): Promise<boolean>;
}

/** A group by id: its members' job ids in order and, for a chord, its callback's job. */
export class GroupHandle {
  readonly id: string;
  /** The members' job ids, in order (`<groupId>.<i>`; `client.job(id)` gives each one's handle). */
  readonly members: readonly string[];
  /** The callback's job (a chord), id `<groupId>.callback`; it exists once it was enqueued or failed. */
  readonly callback: JobHandle | undefined;
  readonly #access: GroupAccess;

  constructor(id: string, members: readonly string[], callback: JobHandle | undefined, access: GroupAccess) {
    this.id = id;
    this.members = members;
    this.callback = callback;
    this.#access = access;
  }

  /** A snapshot of the group's record: each member's outcome so far, the counts. */
  get(): Promise<GroupRecord | undefined> {
    return this.#access.getGroup(this.id);
  }

  async state(): Promise<GroupState | undefined> {
    const g = await this.#access.getGroup(this.id);
    return g && groupState(g);
  }

  /**
   * The members' results in member order once all completed (like Promise.all); rejects as
   * soon as one ended otherwise, with the first such member's JobFailedError or
   * JobCancelledError (by member order), or JobWaitTimeoutError / UnknownJobError.
   */
  async results(options: WaitOptions = {}): Promise<unknown[]> {
    const g = await this.#access.waitGroup(this.id, (r) => r.remaining === 0 || r.failures > 0, options);
    const failed = g.outcomes.findIndex((o) => o !== null && o.state !== 'completed');
    if (failed >= 0) throw memberError(g.members[failed] as string, g.outcomes[failed] as MemberOutcome);
    return g.outcomes.map((o) => (o?.state === 'completed' ? o.result : undefined));
  }

  /** Every member's outcome in member order once all ended (like Promise.allSettled). */
  async settled(options: WaitOptions = {}): Promise<MemberOutcome[]> {
    const g = await this.#access.waitGroup(this.id, (r) => r.remaining === 0, options);
    return g.outcomes as MemberOutcome[];
  }

  /**
   * Cancels the group: the callback never runs (its job is recorded cancelled, or cancelled
   * if it was enqueued already) and every member still waiting or running is cancelled.
   * Resolves to false when nothing was left to cancel.
   */
  cancel(): Promise<boolean> {
    return this.#access.cancelGroup(this.id);
  }

  toJSON(): { id: string; members: readonly string[]; callback: string | undefined } {
    return { id: this.id, members: this.members, callback: this.callback?.id };
  }
}

/** The error `results()` rejects with for a member that ended without completing. */
function memberError(memberId: string, outcome: MemberOutcome): Error {
  if (outcome.state === 'cancelled') return new JobCancelledError(memberId);
  if (outcome.state === 'completed') throw new TypeError(`member ${memberId} completed`);
  return new JobFailedError(memberId, outcome.state, outcome.error);
}

/** How a finished member job ended, as its group records it. */
function outcomeOf(record: JobRecord): MemberOutcome {
  switch (record.state) {
    case 'completed':
      return record.result === undefined
        ? { state: 'completed' }
        : { state: 'completed', result: record.result };
    case 'failed':
    case 'dead':
      return record.error === undefined
        ? { state: record.state }
        : { state: record.state, error: record.error };
    case 'cancelled':
    case 'waiting':
    case 'delayed':
    case 'active':
      return { state: 'cancelled' }; // only final records are settled: cancelled
  }
}

/** The callback's payload: the ordered results ('fail'), or every member's outcome ('settle'). */
function callbackPayload(group: GroupRecord): unknown {
  if (group.onMemberFailure === 'settle') return group.outcomes;
  return group.outcomes.map((o) => (o?.state === 'completed' ? o.result : undefined));
}

/** What the flow needs of the app's job service. */
export type GroupJobs = JobAccess;

/** The app's side of groups, over its job store. */
export class GroupFlow implements GroupAccess {
  readonly #store: JobStore;
  readonly #jobs: GroupJobs;

  constructor(store: JobStore, jobs: GroupJobs) {
    this.#store = store;
    this.#jobs = jobs;
  }

  /** Records the group, then enqueues every member through `client`. */
  async start(
    client: Enqueuer,
    members: readonly GroupMember[],
    id: string,
    options: GroupOptions,
  ): Promise<GroupHandle> {
    checkGroup(members, options);
    const ids = members.map((_, i) => `${id}.${i}`);
    const callback: GroupCallback | undefined =
      options.callback === undefined ? undefined : { task: options.callback.task, id: `${id}.callback` };
    const policy = options.onMemberFailure ?? 'fail';
    const { created, group } = await this.#store.createGroup(newGroup(id, ids, policy, callback, Date.now()));
    if (!created && group.members.length !== ids.length)
      throw new TypeError(`group ${id} exists with ${group.members.length} members, not ${ids.length}`);
    await Promise.all(
      members.map((m, index) =>
        client.enqueue(m.task, m.payload, {
          jobId: ids[index] as string,
          headers: { [GROUP_HEADER]: JSON.stringify({ id, index }) },
        }),
      ),
    );
    return this.#handle(group);
  }

  /** A handle on an existing group (undefined when the store does not know it). */
  async handle(id: string): Promise<GroupHandle | undefined> {
    const g = await this.#store.getGroup(id);
    return g && this.#handle(g);
  }

  #handle(g: GroupRecord): GroupHandle {
    const callback = g.callback && new JobHandle(g.callback.id, this.#callbackAccess(g.id));
    return new GroupHandle(g.id, g.members, callback, this);
  }

  /**
   * The callback's job exists once the group ended (or failed, or was cancelled): waiting on
   * it waits for that while the group exists, then for the job.
   */
  #callbackAccess(groupId: string): JobAccess {
    const jobs = this.#jobs;
    return {
      get: (id) => jobs.get(id),
      cancel: (id) => jobs.cancel(id),
      wait: async (id, options) => {
        const deadline = Date.now() + (options.timeout ?? Infinity);
        for (let i = 0; ; i++) {
          try {
            return await jobs.wait(id, { ...options, timeout: Math.max(0, deadline - Date.now()) });
          } catch (err) {
            if (!(err instanceof UnknownJobError) || !(await this.#store.getGroup(groupId))) throw err;
            const left = deadline - Date.now();
            if (left <= 0) throw new JobWaitTimeoutError(id, options.timeout ?? 0, undefined);
            await changeOrTimeout(id, Math.min(5 * 2 ** Math.min(i, 6), left));
          }
        }
      },
    };
  }

  getGroup(id: string): Promise<GroupRecord | undefined> {
    return this.#store.getGroup(id);
  }

  waitGroup(id: string, until: (group: GroupRecord) => boolean, options: WaitOptions): Promise<GroupRecord> {
    return pollUntil(
      groupKey(id),
      async () => {
        const g = await this.#store.getGroup(id);
        if (!g) throw new UnknownJobError(id);
        return g;
      },
      until,
      (g, timeout) => new JobWaitTimeoutError(id, timeout, groupState(g)),
      options,
    );
  }

  async cancelGroup(id: string): Promise<boolean> {
    const g = await this.#store.getGroup(id);
    if (!g) return false;
    // The callback first: members cancelled after it cannot enqueue it ('settle' would).
    const callback = g.callback !== undefined && (await this.#endCallback(g.callback, 'cancelled'));
    const members = await Promise.all(g.members.map((m) => this.#jobs.cancel(m)));
    return callback || members.some(Boolean);
  }

  /**
   * A member's job ended (`record` is final and has a group): settles it and, when that was
   * the group's last member or first failure, enqueues or fails the callback. Called again for
   * a member already settled (its message came back), it redoes what is due, idempotently.
   */
  async settle(record: JobRecord, client: Enqueuer | undefined): Promise<void> {
    const ref = record.group;
    if (ref === undefined || !isFinal(record.state)) return;
    const settled = await this.#store.settleMember(ref.id, ref.index, outcomeOf(record));
    if (!settled) return;
    jobChanged(groupKey(ref.id));
    await this.#advance(settled, client);
  }

  async #advance(settled: MemberSettled, client: Enqueuer | undefined): Promise<void> {
    const g = settled.group;
    const callback = g.callback;
    if (callback === undefined) return;
    const again = !settled.applied;
    if (g.failures > 0 && g.onMemberFailure === 'fail') {
      if (settled.firstFailure || again) await this.#endCallback(callback, 'failed', g);
      return;
    }
    if (g.remaining > 0 || !(settled.last || again)) return;
    if (client === undefined)
      throw new Error(`group ${g.id} ended but this app has no client to enqueue its callback`);
    await client.enqueue(callback.task, callbackPayload(g), { jobId: callback.id, headers: {} });
  }

  /**
   * Records the callback's job as ended without running: cancelled (the group was), or failed
   * with GroupMemberFailedError. A callback already recorded keeps its state, except that a
   * cancel reaches one that is waiting or running. True when this changed something.
   */
  async #endCallback(
    callback: GroupCallback,
    state: 'failed' | 'cancelled',
    group?: GroupRecord,
  ): Promise<boolean> {
    const now = Date.now();
    const record: JobRecord = {
      id: callback.id,
      task: callback.task,
      state,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      finishedAt: now,
      ...(group ? { error: recordError(firstFailure(group)) } : {}),
    };
    const { created } = await this.#store.create(record);
    if (created) {
      jobChanged(callback.id);
      return true;
    }
    return state === 'cancelled' ? this.#jobs.cancel(callback.id) : false;
  }
}

/** The GroupMemberFailedError of a group's first failed member (by member order). */
function firstFailure(group: GroupRecord): GroupMemberFailedError {
  const i = group.outcomes.findIndex((o) => o !== null && o.state !== 'completed');
  const outcome = group.outcomes[i];
  return new GroupMemberFailedError(group.id, group.members[i] ?? '?', outcome?.state ?? 'failed');
}

function isNamed(member: unknown): boolean {
  const task = (member as { task?: unknown } | null)?.task;
  return typeof task === 'string' && task !== '';
}

function checkGroup(members: readonly GroupMember[], options: GroupOptions): void {
  if (!Array.isArray(members) || members.length === 0)
    throw new TypeError('a group needs at least one member');
  for (const m of members as readonly unknown[])
    if (!isNamed(m)) throw new TypeError('each group member needs a task name');
  if (
    options.callback !== undefined &&
    (typeof options.callback.task !== 'string' || options.callback.task === '')
  )
    throw new TypeError('a group callback needs a task name');
  const policy = options.onMemberFailure;
  if (policy !== undefined && !MEMBER_FAILURE_POLICIES.includes(policy))
    throw new TypeError(
      `onMemberFailure must be ${MEMBER_FAILURE_POLICIES.join(' or ')}, got ${String(policy)}`,
    );
}
