/**
 * Middleware and lifecycle hooks: the extension points around every handler call (logging,
 * metrics, tracing, auth). A middleware wraps the call Koa-style; lifecycle events report what
 * happened to a task. The workers (later) run them; composition lives here so it is tested once.
 */
import type { HandlerDescriptor } from './explorer.js';
import type { EventContext, RpcContext, TaskContext } from './task-context.js';

/** What a middleware sees about the call it wraps. */
export interface MiddlewareContext {
  kind: HandlerDescriptor['kind'];
  /** Task or RPC name, or `<service>.<method>` for subscriptions. */
  name: string;
  service: string;
  method: string;
  /** The payload after validation. */
  payload: unknown;
  context: TaskContext | RpcContext | EventContext;
}

/**
 * Wraps a handler call. Call `next()` once to run the rest of the chain and the handler; return
 * (or transform) its result, or throw.
 *
 * @example
 * const timing: Middleware = async (ctx, next) => {
 *   const t0 = performance.now();
 *   try { return await next(); } finally { metrics.observe(ctx.name, performance.now() - t0); }
 * };
 */
export type Middleware = (ctx: MiddlewareContext, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * Composes middleware around a final handler, outermost first. Calling `next()` twice in one
 * middleware rejects, so a handler never runs twice for one delivery.
 *
 * @example
 * const run = composeMiddleware([logging, timing], (ctx) => handler(ctx.payload, ctx.context));
 * await run(ctx);
 */
export function composeMiddleware(
  middleware: readonly Middleware[],
  handler: (ctx: MiddlewareContext) => unknown,
): (ctx: MiddlewareContext) => Promise<unknown> {
  return (ctx) => {
    let last = -1;
    const dispatch = async (i: number): Promise<unknown> => {
      if (i <= last) throw new Error('next() called more than once in a middleware');
      last = i;
      const mw = middleware[i];
      return mw ? await mw(ctx, () => dispatch(i + 1)) : await handler(ctx);
    };
    return dispatch(0);
  };
}

/** Lifecycle events of a task, in the order they can happen. */
export const TASK_LIFECYCLE_EVENTS = [
  'task.started',
  'task.progress',
  'task.succeeded',
  'task.failed',
  'task.retried',
  'task.dead-lettered',
] as const;

export type TaskLifecycleEvent = (typeof TASK_LIFECYCLE_EVENTS)[number];

interface TaskEventBase {
  taskName: string;
  messageId: string;
  attempt: number;
}

/** The payload of each lifecycle event. */
export interface TaskLifecycleEventMap {
  'task.started': TaskEventBase;
  'task.progress': TaskEventBase & { data: unknown };
  'task.succeeded': TaskEventBase & { durationMs: number };
  /** Every failed attempt, before the retry/dead-letter decision. */
  'task.failed': TaskEventBase & { error: unknown; durationMs: number };
  'task.retried': TaskEventBase & { error: unknown; delayMs: number; queue: string };
  'task.dead-lettered': TaskEventBase & { error: unknown; reason: string; queue: string };
}

/** A listener for one lifecycle event. Listeners must not throw; errors are logged and ignored. */
export type TaskLifecycleListener<E extends TaskLifecycleEvent> = (event: TaskLifecycleEventMap[E]) => void;
