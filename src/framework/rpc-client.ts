/**
 * The caller side of RPC over direct reply-to: one channel consumes `amq.rabbitmq.reply-to`
 * (no-ack) and publishes every request, so any number of concurrent calls share one channel
 * and are told apart by correlation id. Requests are mandatory (no queue → NoHandlerError at
 * once), carry the caller's deadline (x-warren-deadline) and expire in the queue with the
 * timeout. Pending calls fail with ConnectionLostError when the connection drops and with
 * ShutdownError when the app closes. Every settled call is reported to the optional
 * observer (the app's metrics) with its outcome and duration.
 */
import { randomUUID } from 'node:crypto';
import type { FieldTable } from '../protocol/field-value.js';
import { MessageReturnedError } from '../transports/errors.js';
import type { TransportChannel, TransportMessage } from '../transports/transport.js';
import { DEFAULT_RPC_TIMEOUT } from './defaults.js';
import { ConnectionLostError, NoHandlerError, RpcTimeoutError, ShutdownError } from './errors.js';
import { DEADLINE_HEADER } from './message-context.js';
import { JSON_CONTENT_TYPE, deserializeRpcError, isRpcErrorReply } from './rpc-error-codec.js';
import { deserialize } from './serializer.js';
import type { Session, SessionComponent } from './session.js';
import { mapTransportError } from './transport-errors.js';

export const REPLY_QUEUE = 'amq.rabbitmq.reply-to';

export interface RpcCallRequest {
  name: string;
  queue: string;
  body: Buffer;
  headers: FieldTable;
  timeout?: number;
  signal?: AbortSignal;
}

export type RpcCallOutcome = 'ok' | 'error' | 'timeout';

/** Told once per call, when it settles. */
export type RpcCallObserver = (procedure: string, outcome: RpcCallOutcome, durationMs: number) => void;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class RpcClient implements SessionComponent {
  readonly #session: Session;
  readonly #pending = new Map<string, Pending>();
  #channel: Promise<TransportChannel> | undefined;
  readonly #observe: RpcCallObserver | undefined;
  #closed = false;

  constructor(session: Session, observe?: RpcCallObserver) {
    this.#session = session;
    this.#observe = observe;
  }

  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** The reply channel is opened lazily by the first call (after a reconnect, likewise). */
  start(): Promise<void> {
    this.#channel = undefined;
    return Promise.resolve();
  }

  onDisconnect(): void {
    this.#channel = undefined;
    this.#failAll(() => new ConnectionLostError('connection lost while waiting for the RPC reply'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(() => new ShutdownError());
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) await channel.then((c) => c.close()).catch(() => undefined);
  }

  async call(req: RpcCallRequest): Promise<unknown> {
    if (this.#observe === undefined) return this.#call(req);
    const t0 = performance.now();
    try {
      const value = await this.#call(req);
      this.#observe(req.name, 'ok', performance.now() - t0);
      return value;
    } catch (err) {
      const outcome = err instanceof RpcTimeoutError ? 'timeout' : 'error';
      this.#observe(req.name, outcome, performance.now() - t0);
      throw err;
    }
  }

  async #call(req: RpcCallRequest): Promise<unknown> {
    if (this.#closed) throw new ShutdownError();
    if (!this.#session.ready) throw new ConnectionLostError('not connected to the broker');
    req.signal?.throwIfAborted();
    const timeout = req.timeout ?? DEFAULT_RPC_TIMEOUT;
    const correlationId = randomUUID();
    const channel = await this.#getChannel();
    req.signal?.throwIfAborted();
    return new Promise<unknown>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(correlationId);
      };
      const onAbort = (): void => {
        cleanup();
        reject(asError(req.signal?.reason));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new RpcTimeoutError(req.name, timeout));
      }, timeout);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(correlationId, {
        resolve: (v) => (cleanup(), resolve(v)),
        reject: (e) => (cleanup(), reject(asError(e))),
      });
      const headers = { ...req.headers, [DEADLINE_HEADER]: Date.now() + timeout };
      channel
        .publish('', req.queue, req.body, {
          correlationId,
          replyTo: REPLY_QUEUE,
          contentType: JSON_CONTENT_TYPE,
          headers,
          expiration: String(timeout),
          mandatory: true,
          persistent: false,
        })
        .catch((err: unknown) => this.#pending.get(correlationId)?.reject(publishError(req.name, err)));
    });
  }

  #getChannel(): Promise<TransportChannel> {
    if (!this.#channel) {
      const opening = this.#openChannel();
      opening.catch(() => {
        if (this.#channel === opening) this.#channel = undefined;
      });
      this.#channel = opening;
    }
    return this.#channel;
  }

  async #openChannel(): Promise<TransportChannel> {
    const channel = await this.#session.createChannel();
    channel.on('close', (error) => {
      void this.#channel?.then((current) => {
        if (current !== channel) return;
        this.#channel = undefined;
        this.#failAll(() => new ConnectionLostError('RPC reply channel closed', { cause: error }));
      });
    });
    await channel.consume(REPLY_QUEUE, (m) => this.#onReply(m), { noAck: true });
    return channel;
  }

  #onReply(message: TransportMessage): void {
    const id = message.properties.correlationId;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending) return; // late reply to a call that timed out or was cancelled
    if (isRpcErrorReply(message.properties.headers)) {
      pending.reject(deserializeRpcError(message.body));
      return;
    }
    try {
      pending.resolve(deserialize(message.body, message.properties.contentType));
    } catch (err) {
      pending.reject(err);
    }
  }

  #failAll(error: () => Error): void {
    for (const p of [...this.#pending.values()]) p.reject(error());
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function publishError(name: string, err: unknown): unknown {
  if (err instanceof MessageReturnedError) return new NoHandlerError(name, { cause: mapTransportError(err) });
  return mapTransportError(err);
}
