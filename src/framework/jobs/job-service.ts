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
import type { Publisher } from '../publisher.js';
import { attemptOf } from '../retry-headers.js';
import { JSON_CONTENT_TYPE } from '../serializer.js';
import type { TaskContext } from '../task-context.js';
import { JobHandle, type JobAccess, type WaitOptions } from './job-handle.js';
import {
  isFinal,
  LIVE_STATES,
  recordError,
  type JobPatch,
  type JobRecord,
  type JobState,
} from './job-record.js';
import { abortHere, changeOrTimeout, jobChanged, runningHere } from './job-signals.js';
import type { JobStore } from './job-store.js';
import { REDRIVEN_HEADER } from '../../transports/dead-letters/dead-letter.js';

/** States a re-driven message may revive (a completed or cancelled job stays as it is). */
const REVIVABLE: readonly JobState[] = ['dead', 'failed'];

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
}

export interface JobServiceDeps {
  /** undefined: tracking is off (`jobs: false`); handles then throw UnknownJobError. */
  store: JobStore | undefined;
  publisher: Publisher;
  events: LifecycleEmitter;
  onError: (err: unknown) => void;
  /** Publish every state change on JOBS_EXCHANGE (default true). */
  publishEvents: boolean;
}

export class JobService implements JobAccess {
  readonly store: JobStore | undefined;
  readonly #deps: JobServiceDeps;

  constructor(deps: JobServiceDeps) {
    this.#deps = deps;
    this.store = deps.store;
    if (deps.store) this.#listen(deps.events);
  }

  // ---- client side ----

  /** Records the job (or finds its duplicate), then publishes it with `publish`. */
  async enqueue(job: JobEnqueue, publish: () => Promise<void>): Promise<JobHandle> {
    const store = this.store;
    if (!store) {
      await publish();
      return new JobHandle(job.id, this);
    }
    const now = Date.now();
    const record: JobRecord = {
      id: job.id,
      task: job.task,
      state: job.runAt !== undefined && job.runAt > now ? 'delayed' : 'waiting',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      ...(job.attempts !== undefined ? { maxAttempts: job.attempts } : {}),
      ...(job.runAt !== undefined ? { runAt: job.runAt } : {}),
    };
    const { created } = await store.create(record, job.dedupWindow);
    if (!created) return new JobHandle(job.id, this, true);
    // Announced before the task message is sent, on the same channel: its event is routed
    // before any worker can take the job.
    this.#changed(record);
    try {
      await publish();
    } catch (err) {
      await store.delete(job.id).catch(this.#deps.onError);
      throw err;
    }
    return new JobHandle(job.id, this);
  }

  handle(id: string): JobHandle {
    return new JobHandle(id, this);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.store ? this.store.get(id) : Promise.resolve(undefined);
  }

  async wait(id: string, options: WaitOptions = {}): Promise<unknown> {
    const timeout = options.timeout ?? Infinity;
    const deadline = Date.now() + timeout;
    let interval = 5;
    for (;;) {
      options.signal?.throwIfAborted();
      const record = await this.get(id);
      if (!record) throw new UnknownJobError(id);
      if (isFinal(record.state)) return outcome(record);
      const left = deadline - Date.now();
      if (left <= 0) throw new JobWaitTimeoutError(id, timeout, record.state);
      // Woken at once by a change in this process; polls for changes made elsewhere.
      await changeOrTimeout(id, Math.min(interval, left));
      interval = Math.min(interval * 2, 250);
    }
  }

  async cancel(id: string): Promise<boolean> {
    if (!this.store) return false;
    const now = Date.now();
    const record = await this.store.update(id, { state: 'cancelled', finishedAt: now }, LIVE_STATES);
    if (!record) return false;
    this.#changed(record);
    if (!abortHere(id, new JobCancelledError(id))) this.#broadcast('cancel', id);
    return true;
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
  admit(delivery: Delivery, task: string, maxAttempts: number): Promise<boolean> {
    const store = this.store;
    const id = delivery.message.properties.messageId;
    if (!store || id === undefined) return Promise.resolve(true);
    return this.#admit(store, delivery, id, task, maxAttempts).catch((err: unknown) => {
      this.#deps.onError(err);
      return true;
    });
  }

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
    // An operator's re-drive (warren dead retry, the dashboard) brings a dead job back to life.
    if (!record && delivery.message.properties.headers?.[REDRIVEN_HEADER] !== undefined)
      record = await store.update(id, { ...active, error: undefined, finishedAt: undefined }, REVIVABLE);
    if (!record) {
      if (await store.get(id)) return false;
      // Enqueued by another client (pika, another app's store): tracked from its first delivery.
      const ts = delivery.message.properties.timestamp;
      record = {
        id,
        task,
        state: 'active',
        attempts,
        maxAttempts,
        createdAt: ts === undefined ? now : ts * 1000,
        updatedAt: now,
        startedAt: now,
      };
      await store.create(record);
    }
    const forget = runningHere(id, (reason) => delivery.abort(reason));
    this.#forget.set(id, forget);
    this.#changed(record);
    return true;
  }

  readonly #forget = new Map<string, () => void>();

  /**
   * Wraps the handler runner: task handlers get `ctx.client` and a `ctx.progress` that records,
   * and a resolved handler has its result recorded before the worker acks.
   */
  wrapRunner(run: HandlerRunner, client: () => Client): HandlerRunner {
    return (call) => {
      if (call.descriptor.kind !== 'task') return run(call);
      const ctx = call.context as TaskContext & { client: Client; progress: TaskContext['progress'] };
      ctx.client = client();
      const store = this.store;
      if (!store) return run(call);
      const id = ctx.messageId;
      const emitProgress = ctx.progress.bind(ctx);
      const attempt = ctx.attempt;
      ctx.progress = (data: unknown) =>
        emitProgress(data).then(() => this.#record(id, { progress: data }, ['active'], attempt));
      return run(call).then(async (result) => {
        await this.#record(id, { state: 'completed', result, finishedAt: Date.now() }, ['active'], attempt);
        return result;
      });
    };
  }

  #listen(events: LifecycleEmitter): void {
    const done = (e: { messageId: string }): void => {
      this.#forget.get(e.messageId)?.();
      this.#forget.delete(e.messageId);
    };
    events.on('task.succeeded', done);
    events.on('task.failed', done);
    events.on('task.retried', (e) => {
      const now = Date.now();
      void this.#record(
        e.messageId,
        { state: 'delayed', runAt: now + e.delayMs, error: recordError(e.error) },
        ['active'],
        e.attempt,
      );
    });
    events.on('task.dead-lettered', (e) => {
      const state =
        e.reason === 'redelivered-too-often' || e.error instanceof ValidationError ? 'dead' : 'failed';
      const patch: JobPatch = { state, error: recordError(e.error), finishedAt: Date.now() };
      void this.#record(e.messageId, patch, ['active'], e.attempt);
    });
  }

  /** A conditional transition whose failure is reported, never thrown. */
  async #record(id: string, patch: JobPatch, from: readonly JobState[], attempt: number): Promise<void> {
    try {
      const record = await this.store?.update(id, patch, from, attempt);
      if (record) this.#changed(record);
    } catch (err) {
      this.#deps.onError(err);
    }
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
    const properties = { contentType: JSON_CONTENT_TYPE, persistent: false, messageId: randomUUID() };
    this.#deps.publisher
      .publish({ exchange: JOBS_EXCHANGE, routingKey, body, properties }, { buffer: false })
      .catch(() => undefined); // events are best effort: a missed one is read back from the store
  }
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
