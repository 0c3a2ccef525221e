/**
 * Runs one handler call: inside the message's trace span, through the middleware chain, and
 * bounded by a timeout that aborts the delivery's signal. Shared by tasks, RPCs and events.
 */
import type { Clock } from '../util/clock.js';
import type { HandlerDescriptor } from './explorer.js';
import { composeMiddleware, type Middleware, type MiddlewareContext } from './middleware.js';
import type { EventContext, RpcContext, TaskContext } from './task-context.js';
import { runInTrace } from './trace-scope.js';
import type { TraceContext } from './tracing.js';

export interface HandlerCall {
  descriptor: HandlerDescriptor;
  payload: unknown;
  context: TaskContext | RpcContext | EventContext;
  trace: TraceContext;
  /** Abort the handler's signal with this error after `timeoutMs`; absent = no timeout. */
  timeout?: { ms: number; error: () => Error; abort: (reason: unknown) => void };
}

export type HandlerRunner = (call: HandlerCall) => Promise<unknown>;

type Chain = (ctx: MiddlewareContext) => Promise<unknown>;

/** Distinct handler timeouts (ms) that get a shared timer queue; further ones a timer per call. */
const MAX_TIMEOUT_QUEUES = 64;

/**
 * Builds a runner for the app's middleware. With a caller's `clock` (a ManualClock in tests)
 * every timeout is a timer on that clock; without one, real timers (shared queues).
 */
export function createHandlerRunner(middleware: readonly Middleware[], clock?: Clock): HandlerRunner {
  // The composed chain depends only on the handler: built once per descriptor, not per call.
  const chains = new WeakMap<HandlerDescriptor, Chain>();
  const chainOf = (d: HandlerDescriptor): Chain => {
    let chain = chains.get(d);
    if (chain === undefined) {
      const handler = d.handler as (payload: unknown, context: unknown) => unknown;
      chain =
        middleware.length === 0
          ? (ctx) => callHandler(handler, ctx)
          : composeMiddleware(middleware, (ctx) => handler(ctx.payload, ctx.context));
      chains.set(d, chain);
    }
    return chain;
  };
  // One timeout queue per duration (ms): a handler's timeout is an entry in it, not a timer
  // of its own. Besides the configured timeouts, an RPC bounded by its caller's deadline runs
  // for what is left of it (a few distinct values per caller timeout: the ms the request took
  // to arrive), so queues are kept for the first MAX_TIMEOUT_QUEUES durations seen; further
  // ones get a plain timer. On a caller's clock there are no queues: the queue reads real time.
  const queues = new Map<number, TimeoutQueue>();
  const queueFor = (ms: number): TimeoutQueue | undefined => {
    if (clock !== undefined) return undefined;
    let queue = queues.get(ms);
    if (queue === undefined && queues.size < MAX_TIMEOUT_QUEUES)
      queues.set(ms, (queue = new TimeoutQueue(ms)));
    return queue;
  };
  return (call) => {
    const d = call.descriptor;
    const chain = chainOf(d);
    const ctx: MiddlewareContext = {
      kind: d.kind,
      name: d.name,
      service: d.service,
      method: d.method,
      payload: call.payload,
      context: call.context,
    };
    const run = runInTrace(call.trace, chain, ctx);
    const timeout = call.timeout;
    if (!timeout) return run;
    const queue = queueFor(timeout.ms);
    return queue === undefined ? withTimeout(run, timeout, clock) : withQueuedTimeout(run, timeout, queue);
  };
}

/** The handler alone, as composeMiddleware([]) runs it: a throw becomes a rejection. */
function callHandler(
  handler: (payload: unknown, context: unknown) => unknown,
  ctx: MiddlewareContext,
): Promise<unknown> {
  try {
    return Promise.resolve(handler(ctx.payload, ctx.context));
  } catch (err) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
    return Promise.reject(err);
  }
}

/**
 * Settles with `run`, or rejects with `timeout.error()` (after aborting the signal with it)
 * once `timeout.ms` passed first (on `clock` when given); the timer is cleared as soon as
 * `run` settles.
 */
function withTimeout(
  run: Promise<unknown>,
  timeout: { ms: number; error: () => Error; abort: (reason: unknown) => void },
  clock: Clock | undefined,
): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const expire = (): void => {
      const err = timeout.error();
      timeout.abort(err);
      reject(err);
    };
    // A plain (ref'd) timer without a clock, as before: a running handler keeps the process alive.
    const timer = clock === undefined ? setTimeout(expire, timeout.ms) : clock.setTimeout(expire, timeout.ms);
    const clear = (): void => {
      if (clock === undefined) clearTimeout(timer as NodeJS.Timeout);
      else clock.clearTimeout(timer);
    };
    run.then(
      (value) => {
        clear();
        resolve(value);
      },
      (err: unknown) => {
        clear();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's own rejection
        reject(err);
      },
    );
  });
}

type Timeout = NonNullable<HandlerCall['timeout']>;

/** withTimeout, with the timer taken from a shared queue of the same duration. */
function withQueuedTimeout(run: Promise<unknown>, timeout: Timeout, queue: TimeoutQueue): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const entry = queue.add(() => {
      const err = timeout.error();
      timeout.abort(err);
      reject(err);
    });
    run.then(
      (value) => {
        queue.settle(entry);
        resolve(value);
      },
      (err: unknown) => {
        queue.settle(entry);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's own rejection
        reject(err);
      },
    );
  });
}

export interface Expiry {
  /** performance.now() after which `fire` runs, unless settled first. */
  readonly deadline: number;
  done: boolean;
  /** Dropped (NO_FIRE) once settled or fired: a finished entry must not keep its call alive. */
  fire: () => void;
}

const NO_FIRE = (): void => undefined;

/**
 * Timeouts of one duration, so deadlines arrive in FIFO order: one timer for the whole queue
 * instead of a setTimeout/clearTimeout pair per handler call. Settling an entry only marks
 * it; settled entries leave from the head (and by compaction when a long-running head keeps
 * them in). The timer is armed for the oldest deadline; when it fires early for the current
 * head (that one settled) it re-arms for the rest, so an entry never fires before its
 * duration. Like the per-call timers it replaces, the timer keeps the process alive only
 * while some entry is pending (it is unref'd while the queue is empty).
 */
export class TimeoutQueue {
  readonly #ms: number;
  #items: Expiry[] = [];
  /** Index of the first entry that may be pending; everything before it is settled. */
  #head = 0;
  /** Settled entries at or after #head. */
  #settled = 0;
  #timer: NodeJS.Timeout | undefined;
  #referenced = false;

  constructor(ms: number) {
    this.#ms = ms;
  }

  add(fire: () => void): Expiry {
    const entry: Expiry = { deadline: performance.now() + this.#ms, done: false, fire };
    this.#items.push(entry);
    if (this.#timer === undefined) this.#arm(this.#ms);
    else if (!this.#referenced) {
      this.#timer.ref();
      this.#referenced = true;
    }
    return entry;
  }

  settle(entry: Expiry): void {
    if (entry.done) return;
    entry.done = true;
    // Settled entries stay in #items until the head passes them or a compaction: without
    // this, each would keep its handler call (delivery, context, promises) reachable that long.
    entry.fire = NO_FIRE;
    this.#settled++;
    this.#trim();
  }

  #trim(): void {
    const items = this.#items;
    let head = this.#head;
    while (head < items.length && (items[head] as Expiry).done) {
      head++;
      this.#settled--;
    }
    this.#head = head;
    if (head === items.length) {
      items.length = 0;
      this.#head = 0;
      this.#settled = 0;
      if (this.#timer !== undefined && this.#referenced) {
        this.#timer.unref();
        this.#referenced = false;
      }
      return;
    }
    const garbage = head + this.#settled;
    if (garbage > 1024 && garbage > items.length - garbage) {
      this.#items = items.slice(head).filter((e) => !e.done);
      this.#head = 0;
      this.#settled = 0;
    }
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(delay)));
    this.#referenced = true;
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    const items = this.#items;
    const expired: Expiry[] = [];
    while (this.#head < items.length) {
      const e = items[this.#head] as Expiry;
      if (!e.done) {
        if (e.deadline > now) break;
        e.done = true;
        expired.push(e);
      } else {
        this.#settled--;
      }
      this.#head++;
    }
    this.#trim();
    const next = this.#items[this.#head];
    if (next !== undefined) this.#arm(next.deadline - now);
    // After the bookkeeping: firing runs abort listeners (user code), which may add or settle.
    for (const e of expired) {
      const fire = e.fire;
      e.fire = NO_FIRE;
      fire();
    }
  };
}
