/**
 * Runs one handler call: inside the message's trace span, through the middleware chain, and
 * bounded by a timeout that aborts the delivery's signal. Shared by tasks, RPCs and events.
 */
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

/** Builds a runner for the app's middleware. */
export function createHandlerRunner(middleware: readonly Middleware[]): HandlerRunner {
  return (call) => {
    const d = call.descriptor;
    const handler = d.handler as (payload: unknown, context: unknown) => unknown;
    const chain = composeMiddleware(middleware, (ctx) => handler(ctx.payload, ctx.context));
    const ctx: MiddlewareContext = {
      kind: d.kind,
      name: d.name,
      service: d.service,
      method: d.method,
      payload: call.payload,
      context: call.context,
    };
    const run = runInTrace(call.trace, () => chain(ctx));
    return call.timeout ? withTimeout(run, call.timeout) : run;
  };
}

function withTimeout(
  run: Promise<unknown>,
  timeout: { ms: number; error: () => Error; abort: (reason: unknown) => void },
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeout.error();
      timeout.abort(err);
      reject(err);
    }, timeout.ms);
  });
  return Promise.race([run, expired]).finally(() => clearTimeout(timer));
}
