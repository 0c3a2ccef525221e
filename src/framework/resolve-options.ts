/**
 * Merges decorator options with `@Service` defaults and the framework defaults, then checks
 * the rules that only hold after merging. Explicit option > service default > DEFAULT_*.
 */
import { resolveBackoff } from './backoff.js';
import {
  DEFAULT_PREFETCH,
  DEFAULT_RETRIES,
  DEFAULT_RPC_DURABLE,
  DEFAULT_RPC_TIMEOUT,
  DEFAULT_TASK_DURABLE,
  DEFAULT_TASK_TIMEOUT,
} from './defaults.js';
import type {
  QueueType,
  ResolvedRpcOptions,
  ResolvedSubscribeOptions,
  ResolvedTaskOptions,
  RpcOptions,
  ServiceDefaults,
  SubscribeOptions,
  TaskOptions,
} from './options.js';

/** Longest AMQP queue name, bytes. */
const MAX_QUEUE_NAME_BYTES = 255;

export function resolveTaskOptions(
  name: string,
  options: TaskOptions,
  defaults: ServiceDefaults,
  fallbackQueueType: QueueType = 'classic',
): ResolvedTaskOptions {
  const o = withDefaults(defaults.task, options);
  const prefetch = o.prefetch ?? Math.max(DEFAULT_PREFETCH, o.concurrency ?? 0);
  const concurrency = o.concurrency ?? prefetch;
  const where = `task "${name}"`;
  if (concurrency > prefetch) {
    throw new RangeError(`${where}: concurrency (${concurrency}) must not exceed prefetch (${prefetch})`);
  }
  // A priority task keeps a classic queue unless told otherwise: quorum queues have no priorities.
  const queueType = o.queueType ?? (o.priority === undefined ? fallbackQueueType : 'classic');
  if (queueType === 'quorum' && o.priority !== undefined) {
    throw new TypeError(`${where}: priority (x-max-priority) is not supported by quorum queues`);
  }
  const rateLimit = resolveRateLimit(where, o.rateLimit);
  return {
    queue: o.queue ?? name,
    schema: o.schema,
    prefetch,
    concurrency,
    retries: o.retries ?? DEFAULT_RETRIES,
    backoff: resolveBackoff(o.backoff),
    timeout: o.timeout ?? DEFAULT_TASK_TIMEOUT,
    priority: o.priority,
    durable: o.durable ?? DEFAULT_TASK_DURABLE,
    queueType,
    ...(rateLimit ? { rateLimit } : {}),
  };
}

function resolveRateLimit(where: string, limit: TaskOptions['rateLimit']): TaskOptions['rateLimit'] {
  if (limit === undefined) return undefined;
  const { max, per } = limit;
  if (!Number.isInteger(max) || max < 1 || !Number.isInteger(per) || per < 1)
    throw new RangeError(
      `${where}: rateLimit wants positive integers max and per (ms), got ${JSON.stringify(limit)}`,
    );
  return { max, per };
}

export function resolveRpcOptions(
  name: string,
  options: RpcOptions,
  defaults: ServiceDefaults,
): ResolvedRpcOptions {
  const o = withDefaults(defaults.rpc, options);
  return {
    queue: o.queue ?? name,
    schema: o.schema,
    responseSchema: o.responseSchema,
    timeout: o.timeout ?? DEFAULT_RPC_TIMEOUT,
    prefetch: o.prefetch ?? DEFAULT_PREFETCH,
    durable: o.durable ?? DEFAULT_RPC_DURABLE,
  };
}

/**
 * A group's queue is `<group>.<service>.<method>`: shared by every instance of the group, and
 * distinct per handler so two handlers never split one stream of events between them.
 */
export function resolveSubscribeOptions(
  service: string,
  method: string,
  options: SubscribeOptions,
): ResolvedSubscribeOptions {
  const queue = options.group === undefined ? '' : `${options.group}.${service}.${method}`;
  if (Buffer.byteLength(queue, 'utf8') > MAX_QUEUE_NAME_BYTES) {
    throw new RangeError(`@Subscribe on ${service}.${method}: group queue name "${queue}" exceeds 255 bytes`);
  }
  const bindArguments =
    options.type === 'headers' ? { 'x-match': options.match ?? 'all', ...options.headers } : {};
  return {
    exchange: options.exchange,
    type: options.type,
    pattern: options.pattern ?? '',
    bindArguments,
    group: options.group,
    queue,
    exclusive: options.group === undefined,
    schema: options.schema,
    prefetch: options.prefetch ?? DEFAULT_PREFETCH,
    durableExchange: options.durableExchange ?? true,
  };
}

/** `{ ...defaults, ...options }`, except that an option explicitly set to undefined keeps the default. */
function withDefaults<T extends object>(defaults: Partial<T> | undefined, options: T): T {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as T;
}
