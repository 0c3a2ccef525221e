/**
 * The app's client: enqueue tasks, call RPCs, publish events. Every operation runs through the
 * client middleware, carries a W3C traceparent (the current handler's span when called from a
 * handler) and JSON bodies. Tasks and events are persistent and settle on the broker's
 * confirm; tasks are mandatory, so enqueueing for a task nobody declared fails with
 * UnroutableError instead of vanishing.
 */
import { randomUUID } from 'node:crypto';
import type { FieldTable } from '../protocol/field-value.js';
import type { PublishProperties } from '../transports/transport.js';
import {
  composeClientMiddleware,
  type ClientCallContext,
  type ClientMiddleware,
} from './client-middleware.js';
import type { CallOptions, Client, EnqueueOptions, EnqueueResult, PublishOptions } from './contract.js';
import type { Publisher } from './publisher.js';
import type { RpcClient } from './rpc-client.js';
import { JSON_CONTENT_TYPE, serialize } from './serializer.js';
import { TRACEPARENT_HEADER } from './tracing.js';
import { outgoingTraceparent } from './trace-scope.js';

export interface ClientDeps {
  publisher: Publisher;
  rpc: RpcClient;
  /** Queue of each locally known task / RPC whose queue differs from its name. */
  taskQueues: ReadonlyMap<string, string>;
  rpcQueues: ReadonlyMap<string, string>;
  middleware: readonly ClientMiddleware[];
}

export class WarrenClient implements Client {
  readonly #deps: ClientDeps;

  constructor(deps: ClientDeps) {
    this.#deps = deps;
  }

  async enqueue(name: string, payload: unknown, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const messageId = options.messageId ?? randomUUID();
    const queue = this.#deps.taskQueues.get(name) ?? name;
    await this.#invoke({ kind: 'enqueue', name, payload, headers: { ...options.headers } }, (ctx) =>
      this.#deps.publisher.publish({
        exchange: '',
        routingKey: queue,
        body: serialize(ctx.payload),
        properties: {
          ...baseProperties(messageId, ctx.headers),
          persistent: true,
          mandatory: true,
          priority: options.priority,
          expiration: options.ttl === undefined ? undefined : String(options.ttl),
        },
      }),
    );
    return { messageId };
  }

  call(name: string, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const queue = this.#deps.rpcQueues.get(name) ?? name;
    return this.#invoke({ kind: 'call', name, payload: request, headers: { ...options.headers } }, (ctx) =>
      this.#deps.rpc.call({
        name,
        queue,
        body: serialize(ctx.payload),
        headers: withTrace(ctx.headers),
        timeout: options.timeout,
        signal: options.signal,
      }),
    );
  }

  async publish(
    exchange: string,
    routingKey: string,
    payload: unknown,
    options: PublishOptions = {},
  ): Promise<void> {
    const messageId = options.messageId ?? randomUUID();
    await this.#invoke(
      { kind: 'publish', name: exchange, routingKey, payload, headers: { ...options.headers } },
      (ctx) =>
        this.#deps.publisher.publish({
          exchange,
          routingKey,
          body: serialize(ctx.payload),
          properties: {
            ...baseProperties(messageId, ctx.headers),
            persistent: options.persistent ?? true,
            mandatory: options.mandatory ?? false,
          },
        }),
    );
  }

  #invoke(ctx: ClientCallContext, op: (ctx: ClientCallContext) => Promise<unknown>): Promise<unknown> {
    return composeClientMiddleware(this.#deps.middleware, op)(ctx);
  }
}

function baseProperties(messageId: string, headers: FieldTable): PublishProperties {
  return {
    messageId,
    contentType: JSON_CONTENT_TYPE,
    timestamp: Math.floor(Date.now() / 1000),
    headers: withTrace(headers),
  };
}

function withTrace(headers: FieldTable): FieldTable {
  return { ...headers, [TRACEPARENT_HEADER]: outgoingTraceparent(headers) };
}
