/**
 * The queues behind one task, as declarative data a transport declares. Retries use only
 * RabbitMQ's core features (per-queue TTL + dead-lettering), so the same topology works on
 * Warren's broker and on a real RabbitMQ without the delayed-message plugin:
 *
 *   <name>                 work queue; rejected-without-requeue messages fall to <name>.dead
 *   <name>.retry.<ms>      one per distinct backoff delay; no consumers; x-message-ttl <ms>,
 *                          then dead-lettered via the default exchange back to <name>
 *   <name>.dead            where messages go when attempts run out or the error is final
 *   <name>.quarantine      suspects: messages redelivered by a crash of some worker process,
 *                          run one at a time, each alone in its process (quarantine.ts);
 *                          exact redelivered flags; rejected messages fall to <name>.dead
 *
 * A failed attempt is republished to the delay queue for its retry number (with the headers in
 * retry-headers.ts) and the original is acked.
 */
import { EXACT_REDELIVERED_ARG } from '../broker/queue/queue-config.js';
import type { FieldTable } from '../protocol/field-value.js';
import { nominalDelay } from './backoff.js';
import type { ResolvedTaskOptions } from './options.js';

/** At most this many delay queues per task (exponential growth is capped by maxDelay). */
export const MAX_DELAY_QUEUES = 64;

/** A queue to declare: name plus queue.declare options. */
export interface QueueDeclaration {
  name: string;
  options: { durable: boolean; exclusive: boolean; autoDelete: boolean; arguments: FieldTable };
}

export interface DelayQueueDeclaration extends QueueDeclaration {
  delayMs: number;
}

export interface RetryTopology {
  workQueue: QueueDeclaration;
  /** Ascending by delay, one per distinct delay. */
  delayQueues: DelayQueueDeclaration[];
  deadQueue: QueueDeclaration;
  /** Suspects of a crash, run alone (task-worker.ts, quarantine.ts). */
  quarantineQueue: QueueDeclaration;
  /** Element n-1 is the delay queue of retry n (length = retries). */
  retryQueues: string[];
  /** Every queue in a safe declaration order: dead-letter targets before their sources. */
  declarations: QueueDeclaration[];
}

/** The subset of task options the topology depends on. */
export type TopologyOptions = Pick<
  ResolvedTaskOptions,
  'queue' | 'retries' | 'backoff' | 'durable' | 'queueType' | 'priority'
>;

/** Name of the delay queue holding messages for `delayMs`. */
export function delayQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
}

/** Name of a task's dead-letter queue. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}

/** Name of a task's quarantine queue. */
export function quarantineQueueName(queue: string): string {
  return `${queue}.quarantine`;
}

/**
 * Computes the retry topology of a task queue.
 *
 * @example
 * const t = retryTopology({ queue: 'email.send', retries: 3, durable: true, queueType: 'classic',
 *   priority: undefined, backoff: { type: 'exponential', delay: 1000, maxDelay: 60_000, jitter: 0 } });
 * t.retryQueues; // ['email.send.retry.1000', 'email.send.retry.2000', 'email.send.retry.4000']
 */
export function retryTopology(options: TopologyOptions): RetryTopology {
  const delays = retryDelays(options);
  const distinct = [...new Set(delays)].sort((a, b) => a - b);
  if (distinct.length > MAX_DELAY_QUEUES) {
    throw new RangeError(
      `task queue "${options.queue}" would need ${distinct.length} delay queues (max ${MAX_DELAY_QUEUES}); set backoff.maxDelay`,
    );
  }
  const deadQueue = declaration(deadLetterQueueName(options.queue), options, {});
  const delayQueues = distinct.map((delayMs) => ({
    ...declaration(delayQueueName(options.queue, delayMs), options, delayArguments(options, delayMs)),
    delayMs,
  }));
  const workQueue = declaration(options.queue, options, workArguments(options));
  const quarantineQueue = declaration(quarantineQueueName(options.queue), options, {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': deadLetterQueueName(options.queue),
    [EXACT_REDELIVERED_ARG]: true,
  });
  return {
    workQueue,
    delayQueues,
    deadQueue,
    quarantineQueue,
    retryQueues: delays.map((d) => delayQueueName(options.queue, d)),
    declarations: [deadQueue, ...delayQueues, workQueue, quarantineQueue],
  };
}

/** The delay queue for retry `retry` (1-based), or undefined when retries are exhausted. */
export function retryQueueFor(topology: RetryTopology, retry: number): string | undefined {
  return retry >= 1 ? topology.retryQueues[retry - 1] : undefined;
}

/** Nominal delays of retries 1..retries (retries is bounded by MAX_RETRIES). */
function retryDelays(options: TopologyOptions): number[] {
  const delays: number[] = [];
  for (let n = 1; n <= options.retries; n++) delays.push(nominalDelay(options.backoff, n));
  return delays;
}

function declaration(name: string, options: TopologyOptions, args: FieldTable): QueueDeclaration {
  const typeArgs: FieldTable = options.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  return {
    name,
    options: {
      durable: options.durable,
      exclusive: false,
      autoDelete: false,
      arguments: { ...typeArgs, ...args },
    },
  };
}

function workArguments(options: TopologyOptions): FieldTable {
  const args: FieldTable = {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': deadLetterQueueName(options.queue),
  };
  if (options.priority !== undefined) args['x-max-priority'] = options.priority;
  return args;
}

function delayArguments(options: TopologyOptions, delayMs: number): FieldTable {
  const args: FieldTable = {
    'x-message-ttl': delayMs,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': options.queue,
  };
  if (options.queueType === 'quorum') {
    // Quorum queues dead-letter at-most-once unless told otherwise; a retry must not be lost.
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  return args;
}
