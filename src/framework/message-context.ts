/**
 * Builds handler contexts from a delivery: message id, redelivered flag, headers, the
 * handler's trace span, and the kind-specific fields (attempt, deadline, exchange).
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { Delivery } from './delivery.js';
import type { LifecycleEmitter } from './lifecycle-emitter.js';
import { attemptOf } from './retry-headers.js';
import type { EventContext, MessageContext, RpcContext, TaskContext } from './task-context.js';
import { handlerTrace } from './trace-scope.js';
import { formatTraceparent, type TraceContext } from './tracing.js';

/** Header carrying an RPC caller's deadline: absolute time, ms since the epoch. */
export const DEADLINE_HEADER = 'x-warren-deadline';

export interface BuiltContext<C> {
  context: C;
  trace: TraceContext;
}

function baseContext(delivery: Delivery): { base: MessageContext; trace: TraceContext } {
  const props = delivery.message.properties;
  const headers: FieldTable = props.headers ?? {};
  const trace = handlerTrace(headers);
  const messageId =
    props.messageId ?? props.correlationId ?? `delivery-${delivery.message.fields.deliveryTag}`;
  return {
    trace,
    base: {
      messageId,
      redelivered: delivery.message.fields.redelivered,
      headers,
      traceparent: formatTraceparent(trace),
      signal: delivery.signal,
    },
  };
}

export function taskContext(
  delivery: Delivery,
  taskName: string,
  maxAttempts: number,
  events: LifecycleEmitter,
): BuiltContext<TaskContext> {
  const { base, trace } = baseContext(delivery);
  const attempt = attemptOf(base.headers);
  const ts = delivery.message.properties.timestamp;
  const context: TaskContext = {
    ...base,
    taskName,
    attempt,
    maxAttempts,
    enqueuedAt: ts === undefined ? undefined : new Date(ts * 1000),
    progress: (data: unknown) => {
      events.emit('task.progress', { taskName, messageId: base.messageId, attempt, data });
      return Promise.resolve();
    },
  };
  return { context, trace };
}

export function rpcContext(delivery: Delivery, rpcName: string): BuiltContext<RpcContext> {
  const { base, trace } = baseContext(delivery);
  return { context: { ...base, rpcName, deadline: deadlineOf(base.headers) }, trace };
}

export function eventContext(delivery: Delivery): BuiltContext<EventContext> {
  const { base, trace } = baseContext(delivery);
  const { exchange, routingKey } = delivery.message.fields;
  return { context: { ...base, exchange, routingKey }, trace };
}

/** The caller's deadline from the headers, if present and numeric. */
export function deadlineOf(headers: Readonly<FieldTable> | undefined): number | undefined {
  const raw = headers?.[DEADLINE_HEADER];
  const n = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
