/**
 * The app's side of job state: the client records a job before publishing its message
 * (deduplicating on its id), workers move it through its states around each attempt, and
 * handles read it back. One instance per app, over the app's job store.
 *
 * Worker side, the order per delivery is: `admit` (a conditional transition to active: a
 * cancelled or finished job is acked without running — the tombstone check), the handler runs
 * with `ctx.progress` and `ctx.client` wired (`wrapRunner`), the result is recorded before the
 * ack, and the worker's own lifecycle events (retried, dead-lettered) record the failures. Store
 * errors are reported to the app's onError and never fail a task: tracking is best effort,
 * the message stays the source of truth for whether work runs.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '../contract.js';
import type { Delivery } from '../delivery.js';
import {
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  UnknownJobError,
  ValidationError,
} from '../errors.js';
import type { HandlerRunner } from '../handler-runner.js';
import type { LifecycleEmitter } from '../lifecycle-emitter.js';
import type { RateLimit } from '../options.js';
import type { Publisher } from '../publisher.js';
import { attemptOf } from '../retry-headers.js';
import { JSON_CONTENT_TYPE } from '../serializer.js';
import type { TaskContext } from '../task-context.js';
import type { ChainHandle } from './job-chain.js';
import { CHAIN_HEADER, continueChain, enqueueChain, type ChainStep } from './job-chain.js';
import {
  GROUP_HEADER,
  GroupFlow,
  groupRefOf,
  type GroupHandle,
  type GroupMember,
  type GroupOptions,
} from './job-group.js';
import { JobHandle, type JobAccess, type WaitOptions } from './job-handle.js';
import {
  fixedShape,
  isFinal,
  LIVE_STATES,
  recordError,
  RETENTION_SLOT,
  type GroupRef,
  type JobPatch,
  type JobRecord,
  type JobState,
  type StoredJobRecord,
} from './job-record.js';
import { abortHere, jobChanged, notRunningHere, pollUntil, runningHere } from './job-signals.js';
import type { JobStore } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { REDRIVEN_HEADER } from '../../transports/dead-letters/dead-letter.js';

/** The state a worker's reports about an attempt apply from (one array, not one per report). */
const ACTIVE: readonly JobState[] = ['active'];

/** States a re-driven message may revive (a completed or cancelled job stays as it is). */
const REVIVABLE: readonly JobState[] = ['dead', 'failed'];

/** A re-driven dead or failed job starts over: its last error and end are cleared. */
function revived(active: JobPatch): JobPatch {
  return { ...active, error: undefined, finishedAt: undefined };
}

/** A task handler's context with the fields the job service sets before the run. */
type TrackedContext = TaskContext & { client: Client; progress: TaskContext['progress'] };

/** A job first seen at its delivery (enqueued by another client: pika, another app's store). */
function firstSeen(
  delivery: Delivery,
  id: string,
  task: string,
  maxAttempts: number,
  now: number,
  attempts: number,
): StoredJobRecord {
  const ts = delivery.message.properties.timestamp;
  return fixedShape({
    id,
    task,
    state: 'active',
    attempts,
    maxAttempts,
    createdAt: ts === undefined ? now : ts * 1000,
    updatedAt: now,
    startedAt: now,
    group: groupRefOf(delivery.message.properties.headers),
  });
}

/** An operator's re-drive (warren dead retry, the dashboard) brings a dead job back to life. */
function isRedrive(delivery: Delivery): boolean {
  return delivery.message.properties.headers?.[REDRIVEN_HEADER] !== undefined;
}

/** Calls `publish`; a synchronous throw becomes a rejection, as inside an async function. */
function started(publish: () => Promise<void>): Promise<void> {
  try {
    return publish();
  } catch (err) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
    return Promise.reject(err);
  }
}

/** The record of a job being enqueued (waiting, or delayed until `runAt`). */
function newRecord(job: JobEnqueue): StoredJobRecord {
  const now = Date.now();
  // One fixed shape (the in-process store keeps this object as it is).
  return {
    id: job.id,
    task: job.task,
    state: job.runAt !== undefined && job.runAt > now ? 'delayed' : 'waiting',
    attempts: 0,
    maxAttempts: job.attempts,
    progress: undefined,
    result: undefined,
    error: undefined,
    createdAt: now,
    updatedAt: now,
    startedAt: undefined,
    finishedAt: undefined,
    runAt: job.runAt,
    group: job.group,
    [RETENTION_SLOT]: -1,
  };
}

/** Topic exchange for job events (`event.<task>`) and control messages (`cancel`). */
export const JOBS_EXCHANGE = 'warren.jobs';

/** A state change, as published on JOBS_EXCHANGE and passed to `app.watchJobs` listeners. */
export interface JobEvent {
  id: string;
  task: string;
  state: JobState;
  attempts: number;
  progress?: unknown;
  error?: JobRecord['error'];
  /** ms since the epoch. */
  at: number;
}

export interface JobEnqueue {
  id: string;
  task: string;
  /** Attempts in all for this job (overrides the task's retries + 1). */
  attempts?: number;
  /** Duplicates of a finished job older than this (ms) enqueue again; default: while it is kept. */
  dedupWindow?: number;
  /** Set when the message is delayed (delay / runAt): the job starts as 'delayed'. */
  runAt?: number;
  /** Set for a member of a group (client.group). */
  group?: GroupRef;
}

export interface JobServiceDeps {
  /** undefined: tracking is off (`jobs: false`); handles then throw UnknownJobError. */
  store: JobStore | undefined;
  publisher: Publisher;
  events: LifecycleEmitter;
  onError: (err: unknown) => void;
  /** Publish every state change on JOBS_EXCHANGE (default false, as Celery's task events). */
  publishEvents: boolean;
}

export class JobService implements JobAccess {
  readonly store: JobStore | undefined;
  readonly #deps: JobServiceDeps;

  /** The store when it is the in-process one: its synchronous methods skip a promise per step. */
  readonly #memory: MemoryJobStore | undefined;

  /** Groups (job-group.ts); undefined without a store. */
  readonly #groups: GroupFlow | undefined;

  constructor(deps: JobServiceDeps) {
    this.#deps = deps;
    this.store = deps.store;
    this.#memory = deps.store instanceof MemoryJobStore ? deps.store : undefined;
    this.#groups = deps.store && new GroupFlow(deps.store, this);
    if (deps.store) this.#listen(deps.events);
  }

  // ---- client side ----

  /**
   * Records the job (or finds its duplicate), then publishes it with `publish`. Not async:
   * on the in-process store (the default) recording is synchronous, and the handle is one
   * reaction to the publish instead of an async function's awaits.
   */
  enqueue(job: JobEnqueue, publish: () => Promise<void>): Promise<JobHandle> {
    const store = this.store;
    if (!store) return started(publish).then(() => new JobHandle(job.id, this));
    const memory = this.#memory;
    if (memory === undefined) return this.#enqueueAsync(store, job, publish);
    const record = newRecord(job);
    let created: boolean;
    try {
      created = memory.createNow(record, job.dedupWindow);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
    if (!created) return Promise.resolve(new JobHandle(job.id, this, true));
    return this.#publishRecorded(store, record, publish);
  }

  async #enqueueAsync(store: JobStore, job: JobEnqueue, publish: () => Promise<void>): Promise<JobHandle> {
    const record = newRecord(job);
    if (!(await store.create(record, job.dedupWindow)).created) return new JobHandle(job.id, this, true);
    return this.#publishRecorded(store, record, publish);
  }

  /** A new job was recorded: announce it, publish its message, forget it if that fails. */
  #publishRecorded(store: JobStore, record: JobRecord, publish: () => Promise<void>): Promise<JobHandle> {
    // Announced before the task message is sent, on the same channel: its event is routed
    // before any worker can take the job.
    this.#changed(record);
    const id = record.id;
    return started(publish).then(
      () => new JobHandle(id, this),
      (err: unknown) =>
        store
          .delete(id)
          .catch(this.#deps.onError)
          .then(() => Promise.reject(err as Error)),
    );
  }

  /** Enqueues a chain (job-chain.ts) through `client`. */
  chain(client: Client, steps: readonly ChainStep[], chainId: string): Promise<ChainHandle> {
    return enqueueChain(client, steps, chainId, this);
  }

  /** Records a group and enqueues its members (job-group.ts) through `client`. */
  group(
    client: Client,
    members: readonly GroupMember[],
    groupId: string,
    options: GroupOptions,
  ): Promise<GroupHandle> {
    if (!this.#groups)
      return Promise.reject(new TypeError('groups need a job store (this app has jobs: false)'));
    return this.#groups.start(client, members, groupId, options);
  }

  /** A handle on a group by id, from any process sharing the store. */
  groupHandle(id: string): Promise<GroupHandle | undefined> {
    return this.#groups ? this.#groups.handle(id) : Promise.resolve(undefined);
  }

  handle(id: string): JobHandle {
    return new JobHandle(id, this);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.store ? this.store.get(id) : Promise.resolve(undefined);
  }

  async wait(id: string, options: WaitOptions = {}): Promise<unknown> {
    const record = await pollUntil(
      id,
      async () => {
        const r = await this.get(id);
        if (!r) throw new UnknownJobError(id);
        return r;
      },
      (r) => isFinal(r.state),
      (r, timeout) => new JobWaitTimeoutError(id, timeout, r.state),
      options,
    );
    return outcome(record);
  }

  async cancel(id: string): Promise<boolean> {
    if (!this.store) return false;
    const now = Date.now();
    const record = await this.store.update(id, { state: 'cancelled', finishedAt: now }, LIVE_STATES);
    if (!record) return false;
    this.#changed(record);
    if (!abortHere(id, new JobCancelledError(id))) this.#broadcast('cancel', id);
    // A failure is reported; a waiting member's message settles it again when taken (#resumeFlow).
    if (record.group) await this.#groups?.settle(record, this.#client?.()).catch(this.#deps.onError);
    return true;
  }

  /**
   * Pauses a task everywhere: recorded in the store (workers that start later start paused)
   * and broadcast on JOBS_EXCHANGE, so every worker cancels its consumer; messages stay in the
   * queue, running handlers finish. Resolves once recorded and broadcast (confirmed).
   */
  async pause(task: string): Promise<void> {
    await this.store?.setPaused(task, true);
    await this.#send('pause', Buffer.from(task, 'utf8'));
  }

  /** Undoes pause(): every worker of the task consumes again. */
  async resume(task: string): Promise<void> {
    await this.store?.setPaused(task, false);
    await this.#send('resume', Buffer.from(task, 'utf8'));
  }

  /** A cancel broadcast from another process: abort the job if it runs here. */
  onControl(routingKey: string, body: Buffer): void {
    if (routingKey === 'cancel') {
      const id = body.toString('utf8');
      abortHere(id, new JobCancelledError(id));
    }
  }

  // ---- worker side ----

  /**
   * Moves the job to active before its attempt. False: the job was cancelled or already
   * finished (a duplicate delivery), so the worker acks the message without running it.
   */
  admit(delivery: Delivery, task: string, maxAttempts: number, rateLimit?: RateLimit): Promise<boolean> {
    if (rateLimit !== undefined) {
      return this.#waitForRate(delivery, task, rateLimit).then((go) =>
        go ? this.admit(delivery, task, maxAttempts) : false,
      );
    }
    const store = this.store;
    const id = delivery.message.properties.messageId;
    if (!store || id === undefined) return Promise.resolve(true);
    const admitted = this.#memory
      ? Promise.resolve(this.#admitNow(this.#memory, delivery, id, task, maxAttempts))
      : this.#admit(store, delivery, id, task, maxAttempts).catch((err: unknown) => {
          this.#deps.onError(err);
          return true;
        });
    const headers = delivery.message.properties.headers;
    if (headers?.[CHAIN_HEADER] === undefined && headers?.[GROUP_HEADER] === undefined) return admitted;
    return admitted.then((run) => (run ? true : this.#resumeFlow(delivery, id).then(() => false)));
  }

  /**
   * Holds the delivery until the task's rate limit has room (the window is shared through the
   * store). False when the delivery was settled meanwhile (shutdown gave up on it). A store
   * error lets the attempt run: limits are best effort, like the rest of the tracking.
   */
  async #waitForRate(delivery: Delivery, task: string, limit: RateLimit): Promise<boolean> {
    const limiter = this.store ?? this.#localLimiter;
    for (;;) {
      let wait: number;
      try {
        wait = await limiter.acquire(`rate:${task}`, limit.max, limit.per);
      } catch (err) {
        this.#deps.onError(err);
        return delivery.active;
      }
      if (wait === 0) return delivery.active;
      await sleepUnlessAborted(wait, delivery.signal);
      if (!delivery.active) return false;
    }
  }

  /** Rate limits of an app without a store (`jobs: false`): per process. */
  readonly #localLimiter = new MemoryJobStore();

  async #admit(
    store: JobStore,
    delivery: Delivery,
    id: string,
    task: string,
    maxAttempts: number,
  ): Promise<boolean> {
    const now = Date.now();
    const attempts = attemptOf(delivery.message.properties.headers);
    const active: JobPatch = { state: 'active', attempts, startedAt: now };
    let record = await store.update(id, active, LIVE_STATES);
    if (!record && isRedrive(delivery)) record = await store.update(id, revived(active), REVIVABLE);
    if (!record) {
      if (await store.get(id)) return false;
      record = firstSeen(delivery, id, task, maxAttempts, now, attempts);
      await store.create(record);
    }
    this.#started(id, delivery, record);
    return true;
  }

  /** #admit on the in-process store, without a promise per step. */
  #admitNow(
    store: MemoryJobStore,
    delivery: Delivery,
    id: string,
    task: string,
    maxAttempts: number,
  ): boolean {
    const now = Date.now();
    const attempts = attemptOf(delivery.message.properties.headers);
    const active: JobPatch = { state: 'active', attempts, startedAt: now };
    let record = store.updateNow(id, active, LIVE_STATES);
    if (!record && isRedrive(delivery)) record = store.updateNow(id, revived(active), REVIVABLE);
    if (!record) {
      if (store.getNow(id)) return false;
      const created = firstSeen(delivery, id, task, maxAttempts, now, attempts);
      store.createNow(created);
      record = created;
    }
    this.#started(id, delivery, record);
    return true;
  }

  /** An admitted job runs here: a cancel reaches its delivery's signal. */
  #started(id: string, delivery: Delivery, record: JobRecord): void {
    runningHere(id, delivery);
    this.#changed(record);
  }

  /**
   * Wraps the handler runner: task handlers get `ctx.client` and a `ctx.progress` that records,
   * and a resolved handler has its result recorded before the worker acks.
   */
  wrapRunner(run: HandlerRunner, client: () => Client): HandlerRunner {
    this.#client = client;
    return (call) => {
      if (call.descriptor.kind !== 'task') return run(call);
      const ctx = call.context as TrackedContext;
      ctx.client = client();
      if (!this.store) return run(call);
      ctx.progress = this.#recordingProgress(ctx);
      return run(call).then(this.#onCompleted(ctx));
    };
  }

  /*
   * The closures a tracked run needs are made in methods of their own, so each holds only
   * what it uses: made inline in the runner above, they shared one context with everything
   * the runner touched, and the task path cost measurably more CPU per job (BENCHMARKS.md).
   */

  /** `ctx.progress` of a tracked job: emits task.progress as before, then records it. */
  #recordingProgress(ctx: TrackedContext): TaskContext['progress'] {
    // Called with ctx as `this` (.call below): no bound copy per run.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const emit = ctx.progress;
    const id = ctx.messageId;
    const attempt = ctx.attempt;
    return (data: unknown) =>
      emit.call(ctx, data).then(() => this.#record(id, { progress: data }, ACTIVE, attempt));
  }

  #onCompleted(ctx: TrackedContext): (result: unknown) => unknown {
    return (result) => this.#completed(ctx, result);
  }

  /** Records a resolved attempt, then enqueues its chain's next step; settles with its result. */
  #completed(ctx: TrackedContext, result: unknown): unknown {
    const patch: JobPatch = { state: 'completed', result, finishedAt: Date.now() };
    const recorded = this.#record(ctx.messageId, patch, ACTIVE, ctx.attempt);
    if (ctx.headers[CHAIN_HEADER] === undefined) {
      return recorded === undefined ? result : recorded.then(() => result);
    }
    const next = (): Promise<unknown> => continueChain(ctx.client, ctx.headers, result);
    return (recorded === undefined ? next() : recorded.then(next)).then(() => result);
  }

  /**
   * A delivery of a chain step or group member whose job already ended (its worker died, or
   * the next step / the group's settle could not be done, before the ack): enqueue the next
   * step from the recorded result, settle the member again. The next step's and the callback's
   * job ids make this a no-op when it was done already.
   */
  async #resumeFlow(delivery: Delivery, id: string): Promise<void> {
    const client = this.#client?.();
    try {
      const record = await this.get(id);
      if (client && record?.state === 'completed')
        await continueChain(client, delivery.message.properties.headers, record.result);
      if (record?.group) await this.#groups?.settle(record, client);
    } catch (err) {
      this.#deps.onError(err);
    }
  }

  #client: (() => Client) | undefined;

  #listen(events: LifecycleEmitter): void {
    const done = (e: { messageId: string }): void => notRunningHere(e.messageId);
    events.on('task.succeeded', done);
    events.on('task.failed', done);
    events.on('task.retried', (e) => {
      const now = Date.now();
      void this.#record(
        e.messageId,
        { state: 'delayed', runAt: now + e.delayMs, error: recordError(e.error) },
        ACTIVE,
        e.attempt,
      );
    });
    events.on('task.dead-lettered', (e) => {
      const state =
        e.reason === 'redelivered-too-often' || e.error instanceof ValidationError ? 'dead' : 'failed';
      const patch: JobPatch = { state, error: recordError(e.error), finishedAt: Date.now() };
      this.#record(e.messageId, patch, ACTIVE, e.attempt)?.catch(this.#deps.onError);
    });
  }

  /**
   * A conditional transition whose failure is reported, never thrown. Undefined when it was
   * applied synchronously (the in-process store), else the promise of it.
   */
  #record(
    id: string,
    patch: JobPatch,
    from: readonly JobState[],
    attempt: number,
  ): Promise<void> | undefined {
    const memory = this.#memory;
    if (memory) {
      const record = memory.updateNow(id, patch, from, attempt);
      if (!record) return undefined;
      this.#changed(record);
      return record.group && isFinal(record.state) ? this.#settle(record) : undefined;
    }
    return this.#recordAsync(id, patch, from, attempt);
  }

  /** #record on a store with promises. Rejects only when settling a group member failed. */
  async #recordAsync(id: string, patch: JobPatch, from: readonly JobState[], attempt: number): Promise<void> {
    let record: JobRecord | undefined;
    try {
      record = await this.store?.update(id, patch, from, attempt);
      if (record) this.#changed(record);
    } catch (err) {
      this.#deps.onError(err);
    }
    if (record?.group && isFinal(record.state)) await this.#settle(record);
  }

  /**
   * Settles a group member that ended. A rejection fails the attempt that completed it, so
   * its message comes back and #resumeFlow settles it again, rather than being lost.
   */
  #settle(record: Readonly<JobRecord>): Promise<void> {
    return this.#groups?.settle({ ...record }, this.#client?.()) ?? Promise.resolve();
  }

  #changed(record: JobRecord): void {
    jobChanged(record.id);
    if (!this.#deps.publishEvents) return;
    const event: JobEvent = {
      id: record.id,
      task: record.task,
      state: record.state,
      attempts: record.attempts,
      at: record.updatedAt,
      ...(record.progress !== undefined ? { progress: record.progress } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
    };
    this.#publish(`event.${record.task}`, Buffer.from(JSON.stringify(event)));
  }

  #broadcast(routingKey: string, id: string): void {
    this.#publish(routingKey, Buffer.from(id, 'utf8'));
  }

  #publish(routingKey: string, body: Buffer): void {
    // Events are best effort: a missed one is read back from the store.
    this.#send(routingKey, body).catch(() => undefined);
  }

  #send(routingKey: string, body: Buffer): Promise<void> {
    const properties = { contentType: JSON_CONTENT_TYPE, persistent: false, messageId: randomUUID() };
    return this.#deps.publisher.publish(
      { exchange: JOBS_EXCHANGE, routingKey, body, properties },
      { buffer: false },
    );
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (shutdown gave up on the delivery). */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** What `job.result()` settles with for a finished record. */
function outcome(record: JobRecord): unknown {
  switch (record.state) {
    case 'completed':
      return record.result;
    case 'cancelled':
      throw new JobCancelledError(record.id);
    case 'failed':
    case 'dead':
      throw new JobFailedError(record.id, record.state, record.error);
    case 'waiting':
    case 'delayed':
    case 'active':
      throw new TypeError(`job ${record.id} is not finished (${record.state})`);
  }
}
