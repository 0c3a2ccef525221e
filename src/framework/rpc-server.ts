/**
 * Serves one @Rpc: consumes its request queue, validates the request, runs the handler
 * (bounded by the RPC timeout and the caller's deadline) and replies to `replyTo` with the
 * caller's correlation id: the JSON result, or an error reply (rpc-error-codec.ts) when the
 * handler threw or the request/response failed its schema. A handler past its timeout is
 * answered with an RpcTimeoutError, which the caller rethrows as its own RpcTimeoutError. Requests whose caller already gave
 * up (x-warren-deadline in the past) are dropped unanswered. The request queue is auto-delete,
 * so once no server consumes it a mandatory call is returned and fails fast.
 *
 * The reply goes out on the request's own channel, opened without publisher confirms where
 * the transport can skip them (app.ts): written ahead of the request's ack on the same
 * channel, it reaches the broker first, and a confirm would only add a round trip per call.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { PublishProperties, TransportChannel } from '../transports/transport.js';
import { HandlerConsumer } from './consumer.js';
import type { Delivery } from './delivery.js';
import { RpcTimeoutError } from './errors.js';
import type { RpcHandlerDescriptor } from './explorer.js';
import type { HandlerRunner } from './handler-runner.js';
import { rpcContext } from './message-context.js';
import { JSON_CONTENT_TYPE, serializeRpcError } from './rpc-error-codec.js';
import { deserialize, serialize } from './serializer.js';
import { mapTransportError } from './transport-errors.js';

export interface RpcServerDeps {
  run: HandlerRunner;
  openChannel: () => Promise<TransportChannel>;
  onError: (err: unknown) => void;
  /** Called when a request is dropped because its deadline passed. */
  onDropped?: (rpcName: string, messageId: string) => void;
  /** Milliseconds since the epoch to read callers' deadlines against; Date.now when absent. */
  now?: () => number;
}

export class RpcServer {
  readonly consumer: HandlerConsumer;
  readonly #d: RpcHandlerDescriptor;
  readonly #deps: RpcServerDeps;

  constructor(descriptor: RpcHandlerDescriptor, deps: RpcServerDeps) {
    this.#d = descriptor;
    this.#deps = deps;
    this.consumer = new HandlerConsumer(
      {
        name: descriptor.name,
        prefetch: descriptor.options.prefetch,
        concurrency: descriptor.options.prefetch,
        setup: async (channel) => {
          const { queue, durable } = descriptor.options;
          await channel.assertQueue(queue, { durable, autoDelete: true, exclusive: false });
          return queue;
        },
        handle: (delivery) => this.#handle(delivery),
      },
      deps.openChannel,
      deps.onError,
    );
  }

  /** Not async: the handler's outcome and the reply's confirm are each one reaction. */
  #handle(delivery: Delivery): Promise<void> {
    try {
      return this.#serve(delivery);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
  }

  #serve(delivery: Delivery): Promise<void> {
    const { context, trace } = rpcContext(delivery, this.#d.name);
    const remaining =
      context.deadline === undefined ? Infinity : context.deadline - (this.#deps.now?.() ?? Date.now());
    if (remaining <= 0) {
      delivery.ack();
      this.#deps.onDropped?.(this.#d.name, context.messageId);
      return RESOLVED;
    }
    let running: Promise<unknown>;
    try {
      const payload = deserialize(delivery.message.body, delivery.message.properties.contentType);
      const valid = this.#d.validate?.(payload);
      if (valid && !valid.ok) throw valid.error;
      const timeoutMs = Math.min(this.#d.options.timeout, remaining);
      running = this.#deps.run({
        descriptor: this.#d,
        payload,
        context,
        trace,
        timeout: {
          ms: timeoutMs,
          error: () => new RpcTimeoutError(this.#d.name, timeoutMs),
          abort: (reason) => delivery.abort(reason),
        },
      });
    } catch (error) {
      return this.#finish(delivery, { ok: false, error });
    }
    return running.then(
      (value) => this.#finish(delivery, this.#checked(value)),
      (error: unknown) => this.#finish(delivery, { ok: false, error }),
    );
  }

  #checked(value: unknown): Outcome {
    try {
      const checked = this.#d.validateResponse?.(value);
      if (checked && !checked.ok) throw checked.error;
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Replies (unless the delivery was settled meanwhile), then acks. */
  #finish(delivery: Delivery, outcome: Outcome): Promise<void> {
    if (!delivery.active) return RESOLVED;
    return this.#reply(delivery, outcome).then(() => delivery.ack());
  }

  #reply(delivery: Delivery, outcome: Outcome): Promise<void> {
    const { replyTo, correlationId } = delivery.message.properties;
    if (!replyTo) return RESOLVED;
    let body: Buffer;
    // No headers table on a result reply (fewer bytes to encode and send); the caller reads
    // absent as "not an error".
    let headers: FieldTable | undefined;
    let contentType = JSON_CONTENT_TYPE;
    if (outcome.ok) {
      try {
        body = serialize(outcome.value);
      } catch (err) {
        return this.#reply(delivery, { ok: false, error: err });
      }
    } else {
      ({ body, headers, contentType } = serializeRpcError(outcome.error));
    }
    // TransportChannel.publish reports failures as rejections, never by throwing.
    const properties: PublishProperties = { correlationId, contentType };
    if (headers !== undefined) properties.headers = headers;
    const sent = delivery.publishOnChannel('', replyTo, body, properties);
    return sent.then(undefined, (err: unknown) => this.#deps.onError(mapTransportError(err)));
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const RESOLVED: Promise<void> = Promise.resolve();
