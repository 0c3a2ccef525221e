/**
 * The app's client: enqueue tasks, call RPCs, publish events. Every operation runs through the
 * client middleware, carries a W3C traceparent (the current handler's span when called from a
 * handler) and JSON bodies. Tasks and events are persistent and settle on the broker's
 * confirm; tasks are mandatory, so enqueueing for a task nobody declared fails with
 * UnroutableError instead of vanishing.
 */
import { randomUUID } from 'node:crypto';
import type { FieldTable } from '../protocol/field-value.js';
import {
  composeClientMiddleware,
  type ClientCallContext,
  type ClientMiddleware,
} from './client-middleware.js';
import type { CallOptions, Client, EnqueueOptions, PublishOptions } from './contract.js';
import type { DelayedDelivery } from './delay/delayed-delivery.js';
import { enqueueDelay } from './delay/enqueue-delay.js';
import type { ChainHandle, ChainStep } from './jobs/job-chain.js';
import { groupRefOf, type GroupHandle, type GroupMember, type GroupOptions } from './jobs/job-group.js';
import type { JobHandle } from './jobs/job-handle.js';
import { BACKOFF_HEADER, backoffHeader, MAX_ATTEMPTS_HEADER } from './jobs/job-overrides.js';
import type { JobService } from './jobs/job-service.js';
import type { PublishRequest, Publisher } from './publisher.js';
import type { RpcClient } from './rpc-client.js';
import { JSON_CONTENT_TYPE, serialize } from './serializer.js';
import { TRACEPARENT_HEADER } from './tracing.js';
import { outgoingTraceparent } from './trace-scope.js';

export interface ClientDeps {
  publisher: Publisher;
  /** Delayed enqueues (delay / runAt). */
  delayed: DelayedDelivery;
  /** The app's clock (runAt is measured against it). */
  now: () => number;
  rpc: RpcClient;
  /** Queue of each locally known task / RPC whose queue differs from its name. */
  taskQueues: ReadonlyMap<string, string>;
  rpcQueues: ReadonlyMap<string, string>;
  middleware: readonly ClientMiddleware[];
  /** Records jobs before their messages are published (jobs/job-service.ts). */
  jobs: JobService;
}

export class WarrenClient implements Client {
  readonly #deps: ClientDeps;

  constructor(deps: ClientDeps) {
    this.#deps = deps;
  }

  /** Records the job (deduplicating on its id), publishes it, and resolves to its handle. */
  enqueue(name: string, payload: unknown, options: EnqueueOptions = {}): Promise<JobHandle> {
    return this.enqueueTo(this.#deps.taskQueues.get(name) ?? name, name, payload, options);
  }

  /** @internal enqueue for task `name` on a known `queue` (schedules of other processes' tasks). */
  enqueueTo(queue: string, name: string, payload: unknown, options: EnqueueOptions = {}): Promise<JobHandle> {
    const messageId = options.jobId ?? options.messageId ?? randomUUID();
    let delayMs: number;
    let backoff: string | undefined;
    try {
      delayMs = enqueueDelay(options, this.#deps.now());
      if (options.backoff !== undefined) backoff = backoffHeader(options.backoff);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
    const job = {
      id: messageId,
      task: name,
      attempts: options.attempts,
      dedupWindow: options.dedupWindow,
      runAt: delayMs > 0 ? this.#deps.now() + delayMs : undefined,
      group: options.headers === undefined ? undefined : groupRefOf(options.headers),
    };
    return this.#deps.jobs.enqueue(job, () =>
      this.#publishTask(queue, name, payload, messageId, options, delayMs, backoff),
    );
  }

  job(id: string): JobHandle {
    return this.#deps.jobs.handle(id);
  }

  /** a → b → c: each step gets the previous step's result (docs/jobs.md, "Chains"). */
  chain(steps: readonly ChainStep[], options: { chainId?: string } = {}): Promise<ChainHandle> {
    return this.#deps.jobs.chain(this, steps, options.chainId ?? randomUUID());
  }

  /** Jobs tracked as one, with an optional callback (a chord) (docs/jobs.md, "Groups"). */
  group(members: readonly GroupMember[], options: GroupOptions = {}): Promise<GroupHandle> {
    return this.#deps.jobs.group(this, members, options.groupId ?? randomUUID(), options);
  }

  jobGroup(id: string): Promise<GroupHandle | undefined> {
    return this.#deps.jobs.groupHandle(id);
  }

  pause(task: string): Promise<void> {
    return this.#deps.jobs.pause(task);
  }

  resume(task: string): Promise<void> {
    return this.#deps.jobs.resume(task);
  }

  #publishTask(
    queue: string,
    name: string,
    payload: unknown,
    messageId: string,
    options: EnqueueOptions,
    delayMs: number,
    backoff: string | undefined,
  ): Promise<void> {
    const direct = this.#deps.middleware.length === 0;
    const send = (request: PublishRequest): Promise<void> =>
      delayMs > 0
        ? this.#deps.delayed.publish(request.routingKey, request.body, request.properties, delayMs)
        : this.#deps.publisher.publish(request);
    const headers: FieldTable = { ...options.headers };
    if (options.attempts !== undefined) headers[MAX_ATTEMPTS_HEADER] = options.attempts;
    if (backoff !== undefined) headers[BACKOFF_HEADER] = backoff;
    return this.#invoke({ kind: 'enqueue', name, payload, headers }, (ctx) =>
      send({
        exchange: '',
        routingKey: queue,
        body: serialize(ctx.payload),
        properties: {
          messageId,
          contentType: JSON_CONTENT_TYPE,
          timestamp: Math.floor(Date.now() / 1000),
          headers: withTrace(ctx.headers, direct),
          persistent: true,
          mandatory: true,
          priority: options.priority,
          expiration: options.ttl === undefined ? undefined : String(options.ttl),
        },
      }),
    ).then(ignore);
  }

  call(name: string, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const queue = this.#deps.rpcQueues.get(name) ?? name;
    const direct = this.#deps.middleware.length === 0;
    return this.#invoke({ kind: 'call', name, payload: request, headers: { ...options.headers } }, (ctx) =>
      this.#deps.rpc.call({
        name,
        queue,
        body: serialize(ctx.payload),
        // withTrace returns the call's own table (or a fresh copy): the deadline goes in place.
        headers: withTrace(ctx.headers, direct),
        ownsHeaders: true,
        timeout: options.timeout,
        signal: options.signal,
      }),
    );
  }

  publish(
    exchange: string,
    routingKey: string,
    payload: unknown,
    options: PublishOptions = {},
  ): Promise<void> {
    const messageId = options.messageId ?? randomUUID();
    const direct = this.#deps.middleware.length === 0;
    return this.#invoke(
      { kind: 'publish', name: exchange, routingKey, payload, headers: { ...options.headers } },
      (ctx) =>
        this.#deps.publisher.publish({
          exchange,
          routingKey,
          body: serialize(ctx.payload),
          properties: {
            messageId,
            contentType: JSON_CONTENT_TYPE,
            timestamp: Math.floor(Date.now() / 1000),
            headers: withTrace(ctx.headers, direct),
            persistent: options.persistent ?? true,
            mandatory: options.mandatory ?? false,
          },
        }),
    ).then(ignore);
  }

  /** Runs `op` through the client middleware; a synchronous throw becomes a rejection. */
  #invoke(ctx: ClientCallContext, op: (ctx: ClientCallContext) => Promise<unknown>): Promise<unknown> {
    try {
      const middleware = this.#deps.middleware;
      return middleware.length === 0 ? op(ctx) : composeClientMiddleware(middleware, op)(ctx);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
  }
}

function ignore(): void {}

/**
 * The headers to send: `headers` with the traceparent of the current trace (outgoingTraceparent),
 * or without one outside any trace. `owned` = the table is the call's own copy that no
 * middleware saw, so it is changed in place instead of copied again.
 */
function withTrace(headers: FieldTable, owned: boolean): FieldTable {
  const traceparent = outgoingTraceparent(headers);
  const out = owned ? headers : { ...headers };
  if (traceparent === undefined) delete out[TRACEPARENT_HEADER];
  else out[TRACEPARENT_HEADER] = traceparent;
  return out;
}
