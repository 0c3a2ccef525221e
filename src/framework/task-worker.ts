/**
 * Runs one @Task: declares its retry topology (retry-topology.ts), consumes with the task's
 * prefetch and concurrency, and acks only after the handler resolved. A failed attempt is
 * republished to its delay queue with retry headers and the original acked; when attempts run
 * out, or the error is final (UnrecoverableError, ValidationError, an unreadable body), a copy
 * goes to the dead-letter queue with the error recorded and the original is acked. If even
 * that publish fails the original is rejected without requeue, which the work queue
 * dead-letters to the same queue: a poison message can never loop.
 *
 * A message the broker redelivers (redelivered flag set: its previous delivery was never
 * settled because a worker process died) is a suspect, not a culprit: a process that dies
 * takes every delivery it held with it, running or merely prefetched. A suspect is moved,
 * uncharged (same attempt and headers, the copy confirmed before the original is acked), to
 * `<queue>.quarantine`, where it runs alone in its process (isolation-gate.ts, quarantine.ts).
 * A quarantined message that comes back redelivered was running alone when its process died:
 * that attempt counts as failed, so it goes back to the quarantine queue with attempt + 1, or
 * is dead-lettered as 'redelivered-too-often' after the last attempt. A message that kills
 * its process at every run therefore runs at most retries + 2 times (once beside others, then
 * retries + 1 times alone), and the messages beside it never lose an attempt. A redelivery
 * caused by this worker's own connection drop is not charged (lost-attempts.ts): an unstarted
 * message runs as the same attempt, a finished one is acked (or failed) with its real outcome.
 *
 * Republishing a retry or dead-letter copy waits while the session is down or restoring
 * topology; if the delivery's channel dies meanwhile it is simply gone (it comes back
 * redelivered). Only a broker's refusal of the copy rejects the original without requeue.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { PublishProperties, TransportChannel } from '../transports/transport.js';
import { HandlerConsumer } from './consumer.js';
import type { Delivery } from './delivery.js';
import { ShutdownError, TaskTimeoutError, ValidationError } from './errors.js';
import type { TaskHandlerDescriptor } from './explorer.js';
import type { HandlerRunner } from './handler-runner.js';
import type { LifecycleEmitter } from './lifecycle-emitter.js';
import { taskContext } from './message-context.js';
import { nominalDelay } from './backoff.js';
import { LostAttempts, type AttemptOutcome } from './lost-attempts.js';
import type { RateLimit } from './options.js';
import { isConnectionLoss, type Publisher } from './publisher.js';
import { deadLetterHeaders, retryHeaders, type DeadLetterReason } from './retry-headers.js';
import { decideFailure, decideRedelivered, type FailureDecision } from './retry-policy.js';
import { retryQueueFor, retryTopology, type RetryTopology } from './retry-topology.js';
import { deserialize } from './serializer.js';
import { backoffOf, retriesOf } from './jobs/job-overrides.js';
import type { ResolvedBackoff } from './options.js';
import { IsolationGate } from './isolation-gate.js';
import { QuarantineRunner } from './quarantine.js';

/** Header on a dead-lettered message listing the failing fields of a ValidationError (JSON). */
export const VALIDATION_ERRORS_HEADER = 'x-warren-validation-errors';

export interface WorkerDeps {
  publisher: Publisher;
  events: LifecycleEmitter;
  run: HandlerRunner;
  openChannel: () => Promise<TransportChannel>;
  onError: (err: unknown) => void;
  /**
   * Publishes a retry copy to `queue` after `delayMs` (the app's delayed delivery): used for
   * jobs enqueued with their own backoff. Without it those retry on the task's delay queues.
   */
  retryLater?: (queue: string, body: Buffer, properties: PublishProperties, delayMs: number) => Promise<void>;
  /** The app's gate, shared by its task workers (a crash kills them all); default: the worker's own. */
  gate?: IsolationGate;
  /** Job tracking: false = the job was cancelled or already finished, ack without running. */
  admit?: (
    delivery: Delivery,
    taskName: string,
    maxAttempts: number,
    rateLimit?: RateLimit,
  ) => Promise<boolean>;
}

/** The error recorded for an attempt that never settled (its message came back redelivered). */
export class AttemptInterruptedError extends Error {
  override readonly name = 'AttemptInterruptedError';
  constructor(attempt: number) {
    super(
      `attempt ${attempt} was interrupted: the broker redelivered the message (the worker crashed or lost its connection before settling it)`,
    );
  }
}

interface Attempt {
  taskName: string;
  messageId: string;
  attempt: number;
  startedAt: number;
}

export class TaskWorker {
  readonly consumer: HandlerConsumer;
  readonly topology: RetryTopology;
  readonly #d: TaskHandlerDescriptor;
  readonly #deps: WorkerDeps;
  readonly #lost: LostAttempts;
  readonly #gate: IsolationGate;
  readonly #quarantine: QuarantineRunner;
  /**
   * Messages whose retry copy is being published (message id → settles when the original is
   * acked). A copy with a short delay can come back before the confirm of its publish did;
   * it waits here, so the original is acked first and a worker dying in the copy's handler
   * cannot leave both to be delivered again (a double attempt).
   */
  readonly #republishing = new Map<string, Promise<void>>();
  /**
   * True once this worker lost its connection. A broker that crashed flags every message it
   * may have delivered as redelivered (docs/persistence.md), including ones no worker ever
   * started; after a reconnect this worker settles what it held from its own ledger, and a
   * redelivered message it never saw runs as the same attempt instead of being charged. A
   * poison message stays bounded: the worker it kills restarts without this flag and charges.
   */
  #reconnected = false;

  constructor(descriptor: TaskHandlerDescriptor, deps: WorkerDeps) {
    this.#d = descriptor;
    this.#deps = deps;
    this.topology = retryTopology(descriptor.options);
    const { prefetch, concurrency } = descriptor.options;
    this.#lost = new LostAttempts(Math.max(1024, 4 * prefetch));
    this.#gate = deps.gate ?? new IsolationGate();
    this.#quarantine = new QuarantineRunner({
      queue: this.topology.quarantineQueue.name,
      gate: this.#gate,
      openChannel: deps.openChannel,
      ready: () => this.consumer.consuming,
      run: (delivery) => this.#runSuspect(delivery),
      handBack: (delivery) => this.#handBack(delivery, this.topology.quarantineQueue.name),
      lost: (delivery) => this.#loseDelivery(delivery, true),
      onError: deps.onError,
    });
    this.consumer = new HandlerConsumer(
      {
        name: descriptor.name,
        prefetch,
        concurrency,
        setup: (channel) => this.#declare(channel),
        handle: (delivery) => this.#handle(delivery),
        handBack: (delivery) => this.#handBack(delivery, this.topology.workQueue.name),
        disconnected: () => {
          this.#reconnected = true;
          this.#lost.dropped();
          this.#quarantine.onDisconnect();
        },
        lost: (delivery, started) => this.#loseDelivery(delivery, started),
        sideQueue: this.topology.quarantineQueue.name,
        pendingElsewhere: () => this.#quarantine.pending,
        stopping: (deadline) => this.#quarantine.stop(deadline),
      },
      deps.openChannel,
      deps.onError,
    );
  }

  async #declare(channel: TransportChannel): Promise<string> {
    for (const q of this.topology.declarations) await channel.assertQueue(q.name, q.options);
    this.#quarantine.start();
    return this.topology.workQueue.name;
  }

  /**
   * The connection dropped with `delivery` unsettled. A suspect being moved counts as started:
   * its redelivery waits for the move, then is acked (the copy was published) or runs as the
   * same attempt (it was not: the 'unstarted' outcome).
   */
  #loseDelivery(delivery: Delivery, started: boolean): void {
    const id = delivery.message.properties.messageId;
    if (id !== undefined) this.#lost.lose(id, started);
  }

  /**
   * Not async: the handler's outcome is taken with one reaction instead of await frames. A
   * redelivery this worker cannot account for (no drop of its own) is a suspect: quarantined.
   */
  #handle(delivery: Delivery): Promise<void> {
    if (delivery.message.fields.redelivered && !this.#reconnected) return this.#toQuarantine(delivery);
    const entered = this.#gate.enter();
    const run =
      entered === undefined
        ? this.#admitted(delivery, 'work')
        : entered.then(() => this.#admitted(delivery, 'work'));
    return run.then(this.#leaveGate, this.#leaveGateAndThrow);
  }

  readonly #leaveGate = (): void => this.#gate.leave();
  readonly #leaveGateAndThrow = (err: unknown): never => {
    this.#gate.leave();
    throw err;
  };

  /** Runs a suspect taken from the quarantine queue; it runs alone in this process. */
  #runSuspect(delivery: Delivery): Promise<void> {
    return this.#admitted(delivery, 'quarantine').catch((err: unknown) => this.#deps.onError(err));
  }

  /** Job tracking first (a suspect, already alone, is not held for a rate limit), then the attempt. */
  #admitted(delivery: Delivery, from: Origin): Promise<void> {
    try {
      const admit = this.#deps.admit;
      if (admit !== undefined) {
        const maxAttempts = this.#retries(delivery) + 1;
        const limit = from === 'work' ? this.#d.options.rateLimit : undefined;
        return admit(delivery, this.#d.name, maxAttempts, limit).then((run) =>
          run ? this.#attempt(delivery, from) : delivery.ack(),
        );
      }
      return this.#attempt(delivery, from);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
  }

  /**
   * Moves a suspect to the quarantine queue, uncharged: an identical copy (same attempt and
   * headers), confirmed before the original is acked; its run there waits until the broker
   * processed that ack (#republishing), so both cannot be delivered again.
   */
  async #toQuarantine(delivery: Delivery): Promise<void> {
    const queue = this.topology.quarantineQueue.name;
    const props = this.#copyProperties(delivery, withoutDeliveryCount(delivery.message.properties.headers));
    const moved = this.#republish(delivery, queue, props, UNSTARTED);
    if (await this.#trackRetry(delivery, moved)) this.#quarantine.kick();
  }

  #attempt(delivery: Delivery, from: Origin): Promise<void> {
    if (this.#republishing.size > 0) {
      const id = delivery.message.properties.messageId;
      const original = id === undefined ? undefined : this.#republishing.get(id);
      if (original !== undefined) return original.then(() => this.#attempt(delivery, from));
    }
    const { events } = this.#deps;
    const { context, trace } = taskContext(delivery, this.#d.name, this.#retries(delivery) + 1, events);
    const info: Attempt = {
      taskName: this.#d.name,
      messageId: context.messageId,
      attempt: context.attempt,
      startedAt: Date.now(),
    };
    const started: Started = { info, context, trace };
    if (delivery.message.fields.redelivered) {
      const known = this.#knownLoss(delivery);
      if (known === undefined && !this.#reconnected) {
        // Only a suspect ran alone, so only one from the quarantine queue is the culprit. (From
        // the work queue, #handle quarantined it already; the rule holds here all the same.)
        return from === 'work' ? this.#toQuarantine(delivery) : this.#interrupted(delivery, info);
      }
      if (known?.kind === 'started') return known.outcome.then((o) => this.#conclude(delivery, started, o));
    }
    return this.#run(delivery, started);
  }

  /** Runs the handler on a delivery that is to run now. */
  #run(delivery: Delivery, { info, context, trace }: Started): Promise<void> {
    const { events, run } = this.#deps;
    const opts = this.#d.options;
    let payload: unknown;
    try {
      payload = deserialize(delivery.message.body, delivery.message.properties.contentType);
      const result = this.#d.validate?.(payload);
      if (result && !result.ok) throw result.error;
    } catch (err) {
      return this.#fail(delivery, info, err);
    }
    if (events.listening('task.started')) {
      events.emit('task.started', {
        taskName: info.taskName,
        messageId: info.messageId,
        attempt: info.attempt,
      });
    }
    return run({
      descriptor: this.#d,
      payload,
      context,
      trace,
      timeout: { ms: opts.timeout, error: this.#timeoutError, abort: (reason) => delivery.abort(reason) },
    }).then(
      () => this.#settle(delivery, info, SUCCEEDED),
      (error: unknown) => this.#settle(delivery, info, { kind: 'failed', error }),
    );
  }

  /** What this worker knows about a redelivered message from its own lost deliveries. */
  #knownLoss(delivery: Delivery): ReturnType<LostAttempts['find']> {
    const id = delivery.message.properties.messageId;
    return id === undefined ? undefined : this.#lost.find(id);
  }

  /**
   * A redelivery settles with what its lost delivery came to: `unstarted` (a suspect lost
   * before its quarantine copy was published) runs now as the same attempt.
   */
  #conclude(delivery: Delivery, started: Started, outcome: AttemptOutcome): Promise<void> | void {
    if (outcome.kind !== 'unstarted') return this.#settle(delivery, started.info, outcome);
    const id = delivery.message.properties.messageId;
    if (id !== undefined && !delivery.lost) this.#lost.consume(id);
    return this.#run(delivery, started);
  }

  /** Settles `delivery` with an attempt's outcome, or records it if the delivery was lost. */
  #settle(delivery: Delivery, info: Attempt, outcome: AttemptOutcome): Promise<void> | void {
    const id = delivery.message.properties.messageId;
    if (delivery.lost) {
      if (id !== undefined) this.#lost.settle(id, outcome);
      return;
    }
    if (!delivery.active) return;
    if (id !== undefined && delivery.message.fields.redelivered) this.#lost.consume(id);
    switch (outcome.kind) {
      case 'succeeded':
        return this.#succeeded(delivery, info);
      case 'handled':
        return this.#ack(delivery);
      case 'failed':
        return this.#fail(delivery, info, outcome.error);
      case 'unstarted':
        return; // a handler's outcome is never this; #conclude runs such a redelivery
    }
  }

  #succeeded(delivery: Delivery, info: Attempt): void {
    if (!delivery.active) return;
    this.#ack(delivery);
    const { events } = this.#deps;
    if (events.listening('task.succeeded')) {
      events.emit('task.succeeded', {
        taskName: info.taskName,
        messageId: info.messageId,
        attempt: info.attempt,
        durationMs: Date.now() - info.startedAt,
      });
    }
  }

  /** The task's retries, or the job's own (`attempts` given to enqueue), bounded by the task's. */
  #retries(delivery: Delivery): number {
    return retriesOf(delivery.message.properties.headers, this.#d.options.retries);
  }

  /** The job's own backoff (`backoff` given to enqueue), else the task's. */
  #backoff(delivery: Delivery): ResolvedBackoff {
    return backoffOf(delivery.message.properties.headers) ?? this.#d.options.backoff;
  }

  /** The error a timed-out attempt fails with (a new one each time). */
  readonly #timeoutError = (): Error => new TaskTimeoutError(this.#d.name, this.#d.options.timeout);

  async #fail(delivery: Delivery, info: Attempt, error: unknown): Promise<void> {
    const durationMs = Date.now() - info.startedAt;
    this.#deps.events.emit('task.failed', { ...base(info), error, durationMs });
    const { attempt } = info;
    const retries = this.#retries(delivery);
    const decision = decideFailure({ attempt, retries, backoff: this.#backoff(delivery), error });
    await this.#settleFailure(delivery, info, error, decision);
  }

  /**
   * Settles a quarantined message that came back redelivered, without running it: it was
   * running alone when its process died, so that attempt counts as failed. Its retry goes
   * straight back to the quarantine queue (no backoff: it is to run alone again).
   */
  async #interrupted(delivery: Delivery, info: Attempt): Promise<void> {
    const error = new AttemptInterruptedError(info.attempt);
    this.#deps.events.emit('task.failed', { ...base(info), error, durationMs: 0 });
    const { attempt } = info;
    const retries = this.#retries(delivery);
    const decision = decideRedelivered({ attempt, retries, backoff: this.#backoff(delivery) });
    await this.#settleFailure(delivery, info, error, decision, this.topology.quarantineQueue.name);
  }

  /** `retryTo`: the queue a retry goes to at once, instead of its delay queue. */
  async #settleFailure(
    delivery: Delivery,
    info: Attempt,
    error: unknown,
    decision: FailureDecision,
    retryTo?: string,
  ): Promise<void> {
    const { events } = this.#deps;
    const opts = this.#d.options;
    const now = Date.now();
    const headers = delivery.message.properties.headers;
    const ownBackoff = retryTo === undefined && backoffOf(headers) !== undefined;
    if (decision.action === 'retry' && ownBackoff && this.#deps.retryLater) {
      await this.#retryLater(delivery, info, error, decision.delayMs, this.#deps.retryLater);
      return;
    }
    if (decision.action === 'retry') {
      const queue = retryTo ?? retryQueueFor(this.topology, decision.retry);
      if (queue !== undefined) {
        const nominal = nominalDelay(opts.backoff, decision.retry);
        const props = this.#copyProperties(delivery, retryHeaders(headers, error, now));
        const delayMs = retryTo === undefined ? decision.delayMs : 0;
        if (delayMs < nominal && retryTo === undefined) props.expiration = String(delayMs);
        const republish = this.#republish(delivery, queue, props, { kind: 'failed', error });
        if (await this.#trackRetry(delivery, republish)) {
          events.emit('task.retried', { ...base(info), error, delayMs, queue });
        }
        return;
      }
    }
    const reason: DeadLetterReason = decision.action === 'dead' ? decision.reason : 'retries-exhausted';
    const dead = deadLetterHeaders(headers, error, now, reason);
    if (error instanceof ValidationError) dead[VALIDATION_ERRORS_HEADER] = JSON.stringify(error.issues);
    const queue = this.topology.deadQueue.name;
    const props = this.#copyProperties(delivery, dead);
    if (await this.#republish(delivery, queue, props, { kind: 'failed', error })) {
      events.emit('task.dead-lettered', { ...base(info), error, reason, queue });
    }
  }

  /**
   * A retry with the job's own backoff: the task's delay queues are declared for the task's
   * delays, so the copy goes back to the work queue through the delayed delivery (any delay up
   * to its limit) instead.
   */
  async #retryLater(
    delivery: Delivery,
    info: Attempt,
    error: unknown,
    delayMs: number,
    retryLater: NonNullable<WorkerDeps['retryLater']>,
  ): Promise<void> {
    const queue = this.topology.workQueue.name;
    const props = this.#copyProperties(
      delivery,
      retryHeaders(delivery.message.properties.headers, error, Date.now()),
    );
    const body = delivery.message.body;
    const send =
      delayMs >= 1
        ? () => retryLater(queue, body, props, delayMs)
        : () =>
            this.#deps.publisher.publish(
              { exchange: '', routingKey: queue, body, properties: props },
              { buffer: false },
            );
    const republish = this.#republishWith(delivery, send, { kind: 'failed', error });
    if (await this.#trackRetry(delivery, republish)) {
      this.#deps.events.emit('task.retried', { ...base(info), error, delayMs, queue });
    }
  }

  /** Registers a retry republish in #republishing until it settled. */
  #trackRetry(delivery: Delivery, republish: Promise<boolean>): Promise<boolean> {
    const id = delivery.message.properties.messageId;
    if (id === undefined) return republish;
    // The copy's run waits until the broker has processed the original's ack too: an ack
    // still in a client buffer when the worker dies would leave both to be delivered again.
    const settled: Promise<void> = republish
      .then((acked) => (acked ? delivery.roundTrip(this.#d.options.prefetch) : undefined))
      .then(
        () => this.#untrack(id, settled),
        () => this.#untrack(id, settled),
      );
    this.#republishing.set(id, settled);
    return republish;
  }

  #untrack(id: string, settled: Promise<void>): void {
    if (this.#republishing.get(id) === settled) this.#republishing.delete(id);
  }

  /**
   * Shutdown returns a message it never started (or a suspect it interrupted) to `queue`. A
   * nack would bring it back redelivered, a suspect (or, from quarantine, a culprit); so an
   * identical copy goes back (same headers, same attempt) and the original is acked. If the
   * copy cannot be published the original is nacked back (requeue), never lost.
   */
  async #handBack(delivery: Delivery, queue: string): Promise<void> {
    // A redelivered message nacked back to the work queue is a suspect again, uncharged.
    if (delivery.message.fields.redelivered && queue === this.topology.workQueue.name) {
      delivery.nack(true);
      return;
    }
    const props = this.#copyProperties(delivery, { ...delivery.message.properties.headers });
    try {
      await this.#deps.publisher.publish(
        {
          exchange: '',
          routingKey: queue,
          body: delivery.message.body,
          properties: props,
        },
        { buffer: false },
      );
    } catch (err) {
      this.#deps.onError(err);
      delivery.nack(true);
      return;
    }
    this.#ack(delivery);
  }

  /**
   * Publishes the copy, then acks the original. While the connection is down or topology is
   * being restored the publish waits for the session; a connection lost meanwhile loses the
   * delivery too (it comes back redelivered, and the ledger says what became of it). Only a
   * broker's refusal of the copy rejects the original without requeue (to the broker's DLX).
   */
  #republish(
    delivery: Delivery,
    queue: string,
    props: PublishProperties,
    ifLost: AttemptOutcome,
  ): Promise<boolean> {
    const request = { exchange: '', routingKey: queue, body: delivery.message.body, properties: props };
    return this.#republishWith(
      delivery,
      () => this.#deps.publisher.publish(request, { buffer: false }),
      ifLost,
    );
  }

  /** #republish with the copy sent by `send` (straight to a queue, or delayed). */
  async #republishWith(
    delivery: Delivery,
    send: () => Promise<void>,
    ifLost: AttemptOutcome,
  ): Promise<boolean> {
    const { publisher } = this.#deps;
    for (let tries = 1; ; tries++) {
      try {
        await publisher.whenReady();
        if (!delivery.active) return this.#lostDuringRepublish(delivery, false, ifLost);
        await send();
        break;
      } catch (err) {
        if (!delivery.active) return this.#lostDuringRepublish(delivery, false, ifLost);
        if (isConnectionLoss(err) && tries < MAX_REPUBLISH_TRIES) continue;
        this.#deps.onError(err);
        // Still connected yet the copy cannot be published: reject to the broker's DLX, so a
        // poison message never loops. During shutdown (ShutdownError) it goes back instead.
        delivery.nack(err instanceof ShutdownError);
        return false;
      }
    }
    if (delivery.lost) return this.#lostDuringRepublish(delivery, true, ifLost);
    this.#ack(delivery);
    return true;
  }

  /** Acks, remembering the id: if the connection drops before the ack arrives, the redelivery is only acked. */
  #ack(delivery: Delivery): void {
    delivery.ack();
    const id = delivery.message.properties.messageId;
    if (id !== undefined) this.#lost.acked(id);
  }

  /** The delivery died while its copy was being published: record what became of it. */
  #lostDuringRepublish(delivery: Delivery, published: boolean, ifLost: AttemptOutcome): boolean {
    const id = delivery.message.properties.messageId;
    if (id !== undefined && delivery.lost) this.#lost.settle(id, published ? HANDLED : ifLost);
    return published;
  }

  #copyProperties(delivery: Delivery, headers: FieldTable): PublishProperties {
    const { deliveryMode: _mode, expiration: _exp, ...rest } = delivery.message.properties;
    return { ...rest, headers, persistent: true };
  }
}

const SUCCEEDED: AttemptOutcome = { kind: 'succeeded' };
const HANDLED: AttemptOutcome = { kind: 'handled' };
const UNSTARTED: AttemptOutcome = { kind: 'unstarted' };

/** Where a delivery came from: the work queue, or the quarantine queue (it runs alone). */
type Origin = 'work' | 'quarantine';

/** An attempt about to run: its record and the handler's context. */
interface Started {
  info: Attempt;
  context: ReturnType<typeof taskContext>['context'];
  trace: ReturnType<typeof taskContext>['trace'];
}

/** A quorum queue's delivery count belongs to the copy's own queue, not to the original's. */
function withoutDeliveryCount(headers: FieldTable | undefined): FieldTable {
  const { 'x-delivery-count': _count, ...rest } = headers ?? {};
  return rest;
}
/** Connection-loss publishes retried (each after the session is ready again) before giving up. */
const MAX_REPUBLISH_TRIES = 5;

function base(info: Attempt): { taskName: string; messageId: string; attempt: number } {
  return { taskName: info.taskName, messageId: info.messageId, attempt: info.attempt };
}
