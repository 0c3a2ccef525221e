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
 * settled because the worker crashed or lost its connection) is not run: the interrupted
 * attempt counts as failed, so the message is republished to the retry path with attempt + 1,
 * or dead-lettered as 'redelivered-too-often' after the last attempt. A message that kills its
 * worker therefore runs at most retries + 1 times, on classic and quorum queues alike.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { PublishProperties, TransportChannel } from '../transports/transport.js';
import { Consumer } from './consumer.js';
import type { Delivery } from './delivery.js';
import { TaskTimeoutError, ValidationError } from './errors.js';
import type { TaskHandlerDescriptor } from './explorer.js';
import type { HandlerRunner } from './handler-runner.js';
import type { LifecycleEmitter } from './lifecycle-emitter.js';
import { taskContext } from './message-context.js';
import { nominalDelay } from './backoff.js';
import type { RateLimit } from './options.js';
import type { Publisher } from './publisher.js';
import { deadLetterHeaders, retryHeaders, type DeadLetterReason } from './retry-headers.js';
import { decideFailure, decideRedelivered, type FailureDecision } from './retry-policy.js';
import { retryQueueFor, retryTopology, type RetryTopology } from './retry-topology.js';
import { deserialize } from './serializer.js';
import { retriesOf } from './jobs/job-overrides.js';

/** Header on a dead-lettered message listing the failing fields of a ValidationError (JSON). */
export const VALIDATION_ERRORS_HEADER = 'x-warren-validation-errors';

export interface WorkerDeps {
  publisher: Publisher;
  events: LifecycleEmitter;
  run: HandlerRunner;
  openChannel: () => Promise<TransportChannel>;
  onError: (err: unknown) => void;
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
  readonly consumer: Consumer;
  readonly topology: RetryTopology;
  readonly #d: TaskHandlerDescriptor;
  readonly #deps: WorkerDeps;

  constructor(descriptor: TaskHandlerDescriptor, deps: WorkerDeps) {
    this.#d = descriptor;
    this.#deps = deps;
    this.topology = retryTopology(descriptor.options);
    const { prefetch, concurrency } = descriptor.options;
    this.consumer = new Consumer(
      {
        name: descriptor.name,
        prefetch,
        concurrency,
        setup: (channel) => this.#declare(channel),
        handle: (delivery) => this.#handle(delivery),
        handBack: (delivery) => this.#handBack(delivery),
      },
      deps.openChannel,
      deps.onError,
    );
  }

  async #declare(channel: TransportChannel): Promise<string> {
    for (const q of this.topology.declarations) await channel.assertQueue(q.name, q.options);
    return this.topology.workQueue.name;
  }

  /** Not async: the handler's outcome is taken with one reaction instead of await frames. */
  #handle(delivery: Delivery): Promise<void> {
    try {
      const admit = this.#deps.admit;
      if (admit !== undefined) {
        const maxAttempts = this.#retries(delivery) + 1;
        return admit(delivery, this.#d.name, maxAttempts, this.#d.options.rateLimit).then((run) =>
          run ? this.#attempt(delivery) : delivery.ack(),
        );
      }
      return this.#attempt(delivery);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
  }

  #attempt(delivery: Delivery): Promise<void> {
    const { events, run } = this.#deps;
    const opts = this.#d.options;
    const { context, trace } = taskContext(delivery, this.#d.name, this.#retries(delivery) + 1, events);
    const info: Attempt = {
      taskName: this.#d.name,
      messageId: context.messageId,
      attempt: context.attempt,
      startedAt: Date.now(),
    };
    if (delivery.message.fields.redelivered) return this.#interrupted(delivery, info);
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
      () => this.#succeeded(delivery, info),
      (err: unknown) => (delivery.active ? this.#fail(delivery, info, err) : undefined),
    );
  }

  #succeeded(delivery: Delivery, info: Attempt): void {
    if (!delivery.active) return;
    delivery.ack();
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

  /** The error a timed-out attempt fails with (a new one each time). */
  readonly #timeoutError = (): Error => new TaskTimeoutError(this.#d.name, this.#d.options.timeout);

  async #fail(delivery: Delivery, info: Attempt, error: unknown): Promise<void> {
    const opts = this.#d.options;
    const durationMs = Date.now() - info.startedAt;
    this.#deps.events.emit('task.failed', { ...base(info), error, durationMs });
    const { attempt } = info;
    const retries = this.#retries(delivery);
    const decision = decideFailure({ attempt, retries, backoff: opts.backoff, error });
    await this.#settleFailure(delivery, info, error, decision);
  }

  /** Settles a redelivered message without running it: its previous attempt counts as failed. */
  async #interrupted(delivery: Delivery, info: Attempt): Promise<void> {
    const opts = this.#d.options;
    const error = new AttemptInterruptedError(info.attempt);
    this.#deps.events.emit('task.failed', { ...base(info), error, durationMs: 0 });
    const { attempt } = info;
    const retries = this.#retries(delivery);
    const decision = decideRedelivered({ attempt, retries, backoff: opts.backoff });
    await this.#settleFailure(delivery, info, error, decision);
  }

  async #settleFailure(
    delivery: Delivery,
    info: Attempt,
    error: unknown,
    decision: FailureDecision,
  ): Promise<void> {
    const { events } = this.#deps;
    const opts = this.#d.options;
    const now = Date.now();
    const headers = delivery.message.properties.headers;
    if (decision.action === 'retry') {
      const queue = retryQueueFor(this.topology, decision.retry);
      if (queue !== undefined) {
        const nominal = nominalDelay(opts.backoff, decision.retry);
        const props = this.#copyProperties(delivery, retryHeaders(headers, error, now));
        if (decision.delayMs < nominal) props.expiration = String(decision.delayMs);
        if (await this.#republish(delivery, queue, props)) {
          events.emit('task.retried', { ...base(info), error, delayMs: decision.delayMs, queue });
        }
        return;
      }
    }
    const reason: DeadLetterReason = decision.action === 'dead' ? decision.reason : 'retries-exhausted';
    const dead = deadLetterHeaders(headers, error, now, reason);
    if (error instanceof ValidationError) dead[VALIDATION_ERRORS_HEADER] = JSON.stringify(error.issues);
    const queue = this.topology.deadQueue.name;
    if (await this.#republish(delivery, queue, this.#copyProperties(delivery, dead))) {
      events.emit('task.dead-lettered', { ...base(info), error, reason, queue });
    }
  }

  /**
   * Shutdown returns a message it never started. A nack would bring it back redelivered,
   * which counts as an interrupted attempt; so an identical copy goes back to the work queue
   * (same headers, same attempt) and the original is acked. If the copy cannot be published
   * the original is nacked back (requeue) and pays that attempt, never lost.
   */
  async #handBack(delivery: Delivery): Promise<void> {
    if (delivery.message.fields.redelivered) {
      delivery.nack(true);
      return;
    }
    const props = this.#copyProperties(delivery, { ...delivery.message.properties.headers });
    try {
      await this.#deps.publisher.publish(
        {
          exchange: '',
          routingKey: this.topology.workQueue.name,
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
    delivery.ack();
  }

  /** Publishes the copy, then acks the original; on failure rejects it to the broker's DLX. */
  async #republish(delivery: Delivery, queue: string, props: PublishProperties): Promise<boolean> {
    try {
      await this.#deps.publisher.publish(
        { exchange: '', routingKey: queue, body: delivery.message.body, properties: props },
        { buffer: false },
      );
    } catch (err) {
      this.#deps.onError(err);
      delivery.nack(false);
      return false;
    }
    delivery.ack();
    return true;
  }

  #copyProperties(delivery: Delivery, headers: FieldTable): PublishProperties {
    const { deliveryMode: _mode, expiration: _exp, ...rest } = delivery.message.properties;
    return { ...rest, headers, persistent: true };
  }
}

function base(info: Attempt): { taskName: string; messageId: string; attempt: number } {
  return { taskName: info.taskName, messageId: info.messageId, attempt: info.attempt };
}
