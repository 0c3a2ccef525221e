/**
 * Middleware around client operations (enqueue, call, publish): the outbound twin of the
 * handler middleware in middleware.ts. A client middleware can read and add headers (auth
 * tokens, tenant ids), time calls, or transform results.
 */
import type { FieldTable } from '../protocol/field-value.js';

/** What a client middleware sees about the operation it wraps. */
export interface ClientCallContext {
  kind: 'enqueue' | 'call' | 'publish';
  /** Task name, RPC name, or exchange name for publish. */
  name: string;
  /** Routing key (publish only). */
  routingKey?: string;
  payload: unknown;
  /** Headers to be sent; middleware may add to them before calling next(). */
  headers: FieldTable;
}

/**
 * Wraps a client operation; call `next()` once.
 *
 * @example
 * const auth: ClientMiddleware = (ctx, next) => { ctx.headers['x-tenant'] = tenant; return next(); };
 */
export type ClientMiddleware = (ctx: ClientCallContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Composes client middleware around the operation, outermost first. */
export function composeClientMiddleware(
  middleware: readonly ClientMiddleware[],
  operation: (ctx: ClientCallContext) => Promise<unknown>,
): (ctx: ClientCallContext) => Promise<unknown> {
  if (middleware.length === 0) return operation;
  return (ctx) => {
    let last = -1;
    const dispatch = async (i: number): Promise<unknown> => {
      if (i <= last) throw new Error('next() called more than once in a client middleware');
      last = i;
      const mw = middleware[i];
      return mw ? await mw(ctx, () => dispatch(i + 1)) : await operation(ctx);
    };
    return dispatch(0);
  };
}
