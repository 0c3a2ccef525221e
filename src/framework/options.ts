/**
 * The option shapes the decorators accept and the resolved shapes the explorer hands on.
 * Kept apart from the decorators so the explorer, the retry topology and (later) the workers
 * share one definition without importing decorator code.
 */
import type { FieldValue } from '../protocol/field-value.js';
import type { QueueType } from '../broker/queue/queue-config.js';
import type { ExchangeType } from '../transports/transport.js';

/** A JSON Schema (draft-07 as ajv reads it): an object, or `true`/`false`. */
export type JsonSchema = boolean | Readonly<Record<string, unknown>>;

/** RabbitMQ queue types Warren declares. */
export type { QueueType };

/** The exchange types Warren declares: the four AMQP ones and x-delayed-message (the transport's definition). */
export type { ExchangeType };

/** How long to wait before retry n. `jitter` is a fraction in [0, 1] taken off the delay. */
export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  /** Delay before the first retry, ms. */
  delay: number;
  /** Upper bound for exponential growth, ms. */
  maxDelay?: number;
  /** Fraction of the delay randomly removed, e.g. 0.2 → each delay is 80–100 % of nominal. */
  jitter?: number;
}

/** Options of `@Task(name, options)`. */
export interface TaskOptions {
  /** Queue consumed for this task; defaults to the task name. */
  queue?: string;
  /** JSON Schema of the payload, validated before the handler runs. */
  schema?: JsonSchema;
  /** Unacknowledged deliveries per consumer (basic.qos). */
  prefetch?: number;
  /** Handlers running at once in this process; at most `prefetch`. Defaults to `prefetch`. */
  concurrency?: number;
  /** Retries after the first failed attempt (so `retries + 1` attempts in all). */
  retries?: number;
  backoff?: BackoffOptions;
  /** Handler timeout, ms; `ctx.signal` aborts and the attempt fails with TaskTimeoutError. */
  timeout?: number;
  /** Makes the queue a priority queue with this maximum priority (x-max-priority, 1–255). */
  priority?: number;
  /** Queue and messages survive a broker restart. */
  durable?: boolean;
  queueType?: QueueType;
  /**
   * At most `max` attempts start per `per` ms across every worker sharing the job store
   * (fixed windows; see docs/jobs.md). A worker holds a delivery until its window has room.
   */
  rateLimit?: RateLimit;
}

/** `rateLimit` of a task: `max` starts per `per` ms. */
export interface RateLimit {
  max: number;
  per: number;
}

/** Options of `@Rpc(name, options)`. */
export interface RpcOptions {
  /** Queue the server consumes; defaults to the RPC name. */
  queue?: string;
  /** JSON Schema of the request. */
  schema?: JsonSchema;
  /** JSON Schema of the response, checked on the server before replying. */
  responseSchema?: JsonSchema;
  /** Caller-side reply timeout and server-side handler timeout, ms. */
  timeout?: number;
  prefetch?: number;
  /** Whether the request queue is durable (requests are transient either way). */
  durable?: boolean;
}

/** Options of `@Subscribe(options)`. */
export interface SubscribeOptions {
  exchange: string;
  type: ExchangeType;
  /** Binding key: required for direct and topic exchanges, not allowed otherwise. */
  pattern?: string;
  /** Headers to match (headers exchanges only). */
  headers?: Readonly<Record<string, FieldValue>>;
  /** Whether all or any of `headers` must match (headers exchanges only; default 'all'). */
  match?: 'all' | 'any';
  /**
   * Consumer group: instances with the same group share one durable queue, so each event is
   * handled once per group. Without a group every instance gets its own exclusive queue.
   */
  group?: string;
  /** JSON Schema of the event payload. */
  schema?: JsonSchema;
  prefetch?: number;
  /** Whether the exchange is declared durable (default true). */
  durableExchange?: boolean;
}

/** Options of `@Service(name, defaults)`: defaults for every handler of the service. */
export interface ServiceDefaults {
  task?: Omit<TaskOptions, 'queue' | 'schema'>;
  rpc?: Omit<RpcOptions, 'queue' | 'schema' | 'responseSchema'>;
}

export interface ResolvedBackoff {
  type: 'fixed' | 'exponential';
  delay: number;
  maxDelay: number;
  jitter: number;
}

export interface ResolvedTaskOptions {
  queue: string;
  schema: JsonSchema | undefined;
  prefetch: number;
  concurrency: number;
  retries: number;
  backoff: ResolvedBackoff;
  timeout: number;
  priority: number | undefined;
  durable: boolean;
  queueType: QueueType;
  /** Present only when the task has one. */
  rateLimit?: RateLimit;
}

export interface ResolvedRpcOptions {
  queue: string;
  schema: JsonSchema | undefined;
  responseSchema: JsonSchema | undefined;
  timeout: number;
  prefetch: number;
  durable: boolean;
}

export interface ResolvedSubscribeOptions {
  exchange: string;
  type: ExchangeType;
  /** Binding key ('' for fanout and headers exchanges). */
  pattern: string;
  /** Binding arguments (x-match plus the headers, for headers exchanges; else {}). */
  bindArguments: Record<string, FieldValue>;
  group: string | undefined;
  /** Queue name for a group; '' means a server-named exclusive queue per instance. */
  queue: string;
  /** True when the queue is exclusive to this instance (no group). */
  exclusive: boolean;
  schema: JsonSchema | undefined;
  prefetch: number;
  durableExchange: boolean;
}
