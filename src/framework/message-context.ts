/**
 * Builds handler contexts from a delivery: message id, redelivered flag, headers, the
 * handler's trace span, and the kind-specific fields (attempt, deadline, exchange).
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { Client } from './contract.js';
import type { Delivery } from './delivery.js';
import type { LifecycleEmitter } from './lifecycle-emitter.js';
import { attemptOf } from './retry-headers.js';
import type { EventContext, RpcContext, TaskContext } from './task-context.js';
import { handlerTrace } from './trace-scope.js';
import { formatTraceparent, type TraceContext } from './tracing.js';

/** Header carrying an RPC caller's deadline: absolute time, ms since the epoch. */
export const DEADLINE_HEADER = 'x-warren-deadline';

export interface BuiltContext<C> {
  context: C;
  trace: TraceContext;
}

/*
 * Each context is one object literal (no intermediate base object spread into it), and
 * `signal` reads the delivery's signal, whose AbortController is created only when a handler
 * reads it (delivery.ts). `signal` stays an own, enumerable property (spreading a context
 * still copies it, and assigning it replaces it as with a data property), defined with one
 * shared accessor: a getter in the literal would cost a closure and a slow-path property
 * definition per message.
 */
const DELIVERY = Symbol('warren.delivery');

interface WithDelivery {
  [DELIVERY]: Delivery;
}

const SIGNAL: PropertyDescriptor = {
  get(this: WithDelivery): AbortSignal {
    return this[DELIVERY].signal;
  },
  set(this: WithDelivery, value: unknown) {
    Object.defineProperty(this, 'signal', { value, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
};

/** Adds the lazy `signal` to a context literal that carries its delivery under DELIVERY. */
function withSignal<C>(context: Omit<C, 'signal'> & WithDelivery): C {
  Object.defineProperty(context, 'signal', SIGNAL);
  return context as unknown as C;
}

function messageIdOf(delivery: Delivery): string {
  const props = delivery.message.properties;
  return props.messageId ?? props.correlationId ?? `delivery-${delivery.message.fields.deliveryTag}`;
}

export function taskContext(
  delivery: Delivery,
  taskName: string,
  maxAttempts: number,
  events: LifecycleEmitter,
): BuiltContext<TaskContext> {
  const props = delivery.message.properties;
  const headers: FieldTable = props.headers ?? {};
  const trace = handlerTrace(headers);
  const messageId = messageIdOf(delivery);
  const attempt = attemptOf(headers);
  const ts = props.timestamp;
  const context = withSignal<TaskContext>({
    messageId,
    redelivered: delivery.message.fields.redelivered,
    headers,
    traceparent: formatTraceparent(trace),
    [DELIVERY]: delivery,
    taskName,
    attempt,
    maxAttempts,
    enqueuedAt: ts === undefined ? undefined : new Date(ts * 1000),
    progress: (data: unknown) => {
      events.emit('task.progress', { taskName, messageId, attempt, data });
      return Promise.resolve();
    },
    // Set by the app's job service just before the handler runs (jobs/job-service.ts).
    client: undefined as unknown as Client,
  });
  return { context, trace };
}

export function rpcContext(delivery: Delivery, rpcName: string): BuiltContext<RpcContext> {
  const headers: FieldTable = delivery.message.properties.headers ?? {};
  const trace = handlerTrace(headers);
  const context = withSignal<RpcContext>({
    messageId: messageIdOf(delivery),
    redelivered: delivery.message.fields.redelivered,
    headers,
    traceparent: formatTraceparent(trace),
    [DELIVERY]: delivery,
    rpcName,
    deadline: deadlineOf(headers),
  });
  return { context, trace };
}

export function eventContext(delivery: Delivery): BuiltContext<EventContext> {
  const headers: FieldTable = delivery.message.properties.headers ?? {};
  const trace = handlerTrace(headers);
  const { exchange, routingKey, redelivered } = delivery.message.fields;
  const context = withSignal<EventContext>({
    messageId: messageIdOf(delivery),
    redelivered,
    headers,
    traceparent: formatTraceparent(trace),
    [DELIVERY]: delivery,
    exchange,
    routingKey,
  });
  return { context, trace };
}

/** The caller's deadline from the headers, if present and numeric. */
export function deadlineOf(headers: Readonly<FieldTable> | undefined): number | undefined {
  const raw = headers?.[DEADLINE_HEADER];
  const n = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
