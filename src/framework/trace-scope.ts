/**
 * The trace context of the handler currently running, kept in AsyncLocalStorage so a client
 * call made from inside a handler continues the handler's trace without the handler passing
 * headers by hand.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FieldTable } from '../protocol/field-value.js';
import {
  TRACEPARENT_HEADER,
  childTrace,
  formatTraceparent,
  parseTraceparent,
  type TraceContext,
} from './tracing.js';

const scope = new AsyncLocalStorage<TraceContext>();

/** Runs `fn(arg)` with `trace` as the current span (the argument spares a closure per call). */
export function runInTrace<A, T>(trace: TraceContext, fn: (arg: A) => T, arg: A): T {
  return scope.run(trace, fn, arg);
}

/** The current handler's span, if any. */
export function currentTrace(): TraceContext | undefined {
  return scope.getStore();
}

/**
 * The traceparent to send with an outgoing message: the caller's explicit header, else the
 * current handler's span (the parent of whatever consumes the message). Outside any trace,
 * none: the consumer starts a new trace, as an OpenTelemetry propagator injects nothing without
 * an active span. (A root minted here would be known to no one but the consumer, and the
 * header costs every hop: on RabbitMQ, plain amqplib tasks carrying one ran 8–20% slower than
 * without, BENCHMARKS.md.)
 */
export function outgoingTraceparent(headers: FieldTable | undefined): string | undefined {
  const explicit = parseTraceparent(headers?.[TRACEPARENT_HEADER]);
  if (explicit) return formatTraceparent(explicit);
  const current = currentTrace();
  return current === undefined ? undefined : formatTraceparent(current);
}

/** The span a handler runs in: a child of the message's traceparent (or a new root). */
export function handlerTrace(headers: FieldTable | undefined): TraceContext {
  return childTrace(parseTraceparent(headers?.[TRACEPARENT_HEADER]));
}
