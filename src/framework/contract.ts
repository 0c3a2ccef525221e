/**
 * Compile-time typing for the client: which task, RPC and event names exist and what their
 * payloads and responses are. A contract is either derived from JSON Schemas with
 * `defineContract` (one source for validation and types) or written as an interface. Sections
 * a contract leaves out stay untyped; sections it declares reject unknown names.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { FromSchema } from './from-schema.js';
import type { ChainHandle, ChainStep } from './jobs/job-chain.js';
import type { GroupHandle, GroupMember, GroupOptions } from './jobs/job-group.js';
import type { JobHandle } from './jobs/job-handle.js';
import type { BackoffOptions, JsonSchema } from './options.js';

/** The schemas `defineContract` accepts. */
export interface ContractSchemas {
  tasks?: Readonly<Record<string, JsonSchema>>;
  rpcs?: Readonly<Record<string, { readonly request: JsonSchema; readonly response: JsonSchema }>>;
  /** Keyed by exchange name. */
  events?: Readonly<Record<string, JsonSchema>>;
}

/**
 * The shape of an interface-based contract.
 *
 * @example
 * interface MyContract extends ContractShape {
 *   tasks: { 'email.send': Email };
 *   rpcs: { 'mailer.stats': { request: StatsRequest; response: Stats } };
 *   events: { logs: LogLine };
 * }
 */
export interface ContractShape {
  tasks?: object;
  rpcs?: Record<string, { request: unknown; response: unknown }>;
  events?: object;
}

/** Brand key carrying a schema contract's derived types (type-level only, never set). */
export const contractTypes: unique symbol = Symbol('warren.contractTypes');

/** The types a set of contract schemas describes. */
export type SchemaContract<D> = (D extends { readonly tasks: infer T }
  ? { tasks: { -readonly [K in keyof T]: FromSchema<T[K]> } }
  : unknown) &
  (D extends { readonly rpcs: infer R }
    ? { rpcs: { -readonly [K in keyof R]: { request: RequestOf<R[K]>; response: ResponseOf<R[K]> } } }
    : unknown) &
  (D extends { readonly events: infer E }
    ? { events: { -readonly [K in keyof E]: FromSchema<E[K]> } }
    : unknown);

type RequestOf<R> = R extends { readonly request: infer Q } ? FromSchema<Q> : never;
type ResponseOf<R> = R extends { readonly response: infer P } ? FromSchema<P> : never;

/** What `defineContract` returns: the schemas, branded with their types. */
export type DefinedContract<D extends ContractSchemas> = D & { readonly [contractTypes]?: SchemaContract<D> };

/**
 * Declares a contract from JSON Schemas; the schemas double as runtime validators.
 *
 * @example
 * const contract = defineContract({ tasks: { 'email.send': EmailSchema } });
 * const client = app.client as TypedClient<typeof contract>;
 * await client.enqueue('email.send', { to: 'a@b.c', subject: 'hi' });
 */
export function defineContract<const D extends ContractSchemas>(schemas: D): DefinedContract<D> {
  return Object.freeze({ ...schemas });
}

/** The contract types of C: a defined contract's brand, or C itself for an interface. */
export type ResolveContract<C> = C extends { readonly [contractTypes]?: infer T }
  ? unknown extends T
    ? C
    : NonNullable<T>
  : C;

type TasksOf<C> = ResolveContract<C> extends { tasks: infer T } ? T : undefined;
type RpcsOf<C> = ResolveContract<C> extends { rpcs: infer R } ? R : undefined;
type EventsOf<C> = ResolveContract<C> extends { events: infer E } ? E : undefined;

export type TaskName<C> = TasksOf<C> extends undefined ? string : keyof TasksOf<C> & string;
export type TaskPayload<C, K> =
  TasksOf<C> extends undefined ? unknown : K extends keyof TasksOf<C> ? TasksOf<C>[K] : never;
export type RpcName<C> = RpcsOf<C> extends undefined ? string : keyof RpcsOf<C> & string;
export type RpcRequest<C, K> =
  RpcsOf<C> extends undefined
    ? unknown
    : K extends keyof RpcsOf<C>
      ? RpcsOf<C>[K] extends { request: infer Q }
        ? Q
        : never
      : never;
export type RpcResponse<C, K> =
  RpcsOf<C> extends undefined
    ? unknown
    : K extends keyof RpcsOf<C>
      ? RpcsOf<C>[K] extends { response: infer P }
        ? P
        : never
      : never;
export type EventExchange<C> = EventsOf<C> extends undefined ? string : keyof EventsOf<C> & string;
export type EventPayload<C, E> =
  EventsOf<C> extends undefined ? unknown : E extends keyof EventsOf<C> ? EventsOf<C>[E] : never;

/** Options of `client.enqueue`. */
export interface EnqueueOptions {
  /** Message priority (the task needs a `priority` option to make its queue a priority queue). */
  priority?: number;
  /** Defaults to a random UUID; give one to make enqueueing idempotent downstream. */
  messageId?: string;
  headers?: FieldTable;
  /** Drop the task if not started within this many ms (per-message TTL). */
  ttl?: number;
  /** Run no sooner than this many ms from now (a delayed job; see docs/jobs-in-time.md). */
  delay?: number;
  /** Run at this time (a Date or ms since the epoch); a time already past runs now. */
  runAt?: Date | number;
  /**
   * The job's id (and messageId). Enqueueing an id that is already enqueued or running, or
   * finished less than `dedupWindow` ago, publishes nothing and returns the existing job's
   * handle (`duplicate: true`). Defaults to `messageId`, else a random UUID.
   */
  jobId?: string;
  /** How long a finished job's id keeps deduplicating, ms (default: as long as the store keeps it). */
  dedupWindow?: number;
  /** Attempts in all for this job, overriding the task's `retries + 1` (at most retries + 1 of the task's delay queues apply). */
  attempts?: number;
  /**
   * This job's retry backoff, overriding the task's (header x-warren-backoff, honoured by any
   * worker). Checked as `@Task`'s is: a bad one rejects with InvalidBackoffError. Its retries
   * wait in the delayed delivery (docs/jobs-in-time.md) instead of the task's delay queues.
   */
  backoff?: BackoffOptions;
}

/** The fields of the result `client.enqueue` used to return (a JobHandle has them). */
export interface EnqueueResult {
  messageId: string;
}

/** Options of `client.call`. */
export interface CallOptions {
  /** Overrides the reply timeout, ms. */
  timeout?: number;
  headers?: FieldTable;
  /** Aborting stops waiting for the reply (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Options of `client.publish`. */
export interface PublishOptions {
  headers?: FieldTable;
  messageId?: string;
  /** Default true. */
  persistent?: boolean;
  /** Reject with UnroutableError when no queue is bound for the routing key. */
  mandatory?: boolean;
}

/**
 * A client typed by contract C. Without a contract (`Client`), names are strings and
 * payloads `unknown`.
 *
 * @example
 * const stats = await (client as TypedClient<MyContract>).call('mailer.stats', { since: 0 });
 */
export interface TypedClient<C = Record<never, never>> {
  enqueue<K extends TaskName<C>>(
    name: K,
    payload: TaskPayload<C, K>,
    options?: EnqueueOptions,
  ): Promise<JobHandle>;
  /** A handle on a job by id (from any process that shares the job store). */
  job(id: string): JobHandle;
  /** A chain a → b → c: each step's payload is the previous step's result (docs/jobs.md). */
  chain(steps: readonly ChainStep[], options?: { chainId?: string }): Promise<ChainHandle>;
  /**
   * Enqueues jobs tracked as one group; with `callback`, a chord: the callback task runs once,
   * with the members' results in order, when every member completed (docs/jobs.md, "Groups").
   */
  group(members: readonly GroupMember[], options?: GroupOptions): Promise<GroupHandle>;
  /** A handle on a group by id (from any process that shares the job store); undefined when unknown. */
  jobGroup(id: string): Promise<GroupHandle | undefined>;
  /** Stops every worker of the task from taking jobs (they stay queued) until resume(). */
  pause(task: TaskName<C>): Promise<void>;
  resume(task: TaskName<C>): Promise<void>;
  call<K extends RpcName<C>>(
    name: K,
    request: RpcRequest<C, K>,
    options?: CallOptions,
  ): Promise<RpcResponse<C, K>>;
  publish<E extends EventExchange<C>>(
    exchange: E,
    routingKey: string,
    payload: EventPayload<C, E>,
    options?: PublishOptions,
  ): Promise<void>;
}

/** The untyped client: any name, unknown payloads and responses. */
export type Client = TypedClient;
