/**
 * The caller side of RPC over direct reply-to: one channel consumes `amq.rabbitmq.reply-to`
 * (no-ack) and publishes every request, so any number of concurrent calls share one channel
 * and are told apart by correlation id. The channel has no publisher confirms where the
 * transport can skip them (the reply, or the timeout, is the call's acknowledgement; a confirm
 * would double the broker's and the client's frames per call). Requests are mandatory (no
 * queue → NoHandlerError at once, from the basic.return or the rejected publish), carry the caller's deadline (x-warren-deadline) and expire in the queue with the
 * timeout. Pending calls fail with ConnectionLostError when the connection drops and with
 * ShutdownError when the app closes. Every settled call is reported to the optional
 * observer (the app's metrics) with its outcome and duration.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { FieldTable } from '../protocol/field-value.js';
import { MessageReturnedError } from '../transports/errors.js';
import type { TransportChannel, TransportMessage } from '../transports/transport.js';
import { DEFAULT_RPC_TIMEOUT } from './defaults.js';
import { DIRECT_REPLY_TO } from '../broker/channel/reply-to.js';
import type { RemoteError } from './errors.js';
import { ConnectionLostError, NoHandlerError, RpcTimeoutError, ShutdownError } from './errors.js';
import { DEADLINE_HEADER } from './message-context.js';
import { JSON_CONTENT_TYPE, deserializeRpcError, isRpcErrorReply } from './rpc-error-codec.js';
import { TimeoutQueue, type Expiry } from './handler-runner.js';
import { deserialize } from './serializer.js';
import type { Session, SessionComponent } from './session.js';
import { mapTransportError } from './transport-errors.js';

/** Distinct call timeouts that share a timer queue; further ones use a timer per call. */
const MAX_TIMEOUT_QUEUES = 16;

export interface RpcCallRequest {
  name: string;
  queue: string;
  body: Buffer;
  headers: FieldTable;
  timeout?: number;
  signal?: AbortSignal;
  /** The headers table is the call's own: the deadline is added in place instead of a copy. */
  ownsHeaders?: boolean;
}

export type RpcCallOutcome = 'ok' | 'error' | 'timeout';

/** Told once per call, when it settles. */
export type RpcCallObserver = (procedure: string, outcome: RpcCallOutcome, durationMs: number) => void;

/** One call waiting for its reply; settled exactly once (then removed from the map). */
interface Pending {
  readonly name: string;
  readonly correlationId: string;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  /** performance.now() at the call, for the observer. */
  readonly t0: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  /** Its entry in the timeout queue of its duration, or its own timer. */
  expiry: Expiry | undefined;
  timer: NodeJS.Timeout | TimerHandle | undefined;
  onAbort: (() => void) | undefined;
}

export class RpcClient implements SessionComponent {
  readonly #session: Session;
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutQueues = new Map<number, TimeoutQueue>();
  #channel: Promise<TransportChannel> | undefined;
  /** What `#channel` resolved to, while it is still the current channel. */
  #open: TransportChannel | undefined;
  readonly #observe: RpcCallObserver | undefined;
  #closed = false;
  /** A caller's clock (a ManualClock in tests): call timeouts and deadlines follow it. */
  readonly #clock: Clock | undefined;

  constructor(session: Session, observe?: RpcCallObserver, clock?: Clock) {
    this.#session = session;
    this.#observe = observe;
    this.#clock = clock;
  }

  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** The reply channel is opened lazily by the first call (after a reconnect, likewise). */
  start(): Promise<void> {
    this.#setChannel(undefined);
    return Promise.resolve();
  }

  onDisconnect(): void {
    this.#setChannel(undefined);
    this.#failAll(() => new ConnectionLostError('connection lost while waiting for the RPC reply'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(() => new ShutdownError());
    const channel = this.#channel;
    this.#setChannel(undefined);
    if (channel) await channel.then((c) => c.close()).catch(() => undefined);
  }

  call(req: RpcCallRequest): Promise<unknown> {
    const t0 = this.#observe === undefined ? 0 : performance.now();
    const channel = this.#open;
    // Fast path: the reply channel is open and nothing forbids the call. Otherwise the full
    // sequence of checks, in the original order, with the channel opened on the way.
    if (channel !== undefined && !this.#closed && this.#session.ready && req.signal?.aborted !== true) {
      return this.#send(channel, req, t0);
    }
    return this.#callSlow(req, t0);
  }

  async #callSlow(req: RpcCallRequest, t0: number): Promise<unknown> {
    let channel: TransportChannel;
    try {
      if (this.#closed) throw new ShutdownError();
      if (!this.#session.ready) throw new ConnectionLostError('not connected to the broker');
      req.signal?.throwIfAborted();
      channel = await this.#getChannel();
      req.signal?.throwIfAborted();
    } catch (err) {
      this.#observed(req.name, t0, err);
      throw err;
    }
    return this.#send(channel, req, t0);
  }

  /** Reports a settled call to the observer. */
  #observed(name: string, t0: number, err?: unknown): void {
    if (this.#observe === undefined) return;
    const outcome = err === undefined ? 'ok' : err instanceof RpcTimeoutError ? 'timeout' : 'error';
    this.#observe(name, outcome, performance.now() - t0);
  }

  #send(channel: TransportChannel, req: RpcCallRequest, t0: number): Promise<unknown> {
    const timeout = req.timeout ?? DEFAULT_RPC_TIMEOUT;
    const correlationId = randomUUID();
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = {
        name: req.name,
        correlationId,
        timeout,
        signal: req.signal,
        t0,
        resolve,
        reject,
        expiry: undefined,
        timer: undefined,
        onAbort: undefined,
      };
      const clock = this.#clock;
      const queue = clock === undefined ? this.#timeouts(timeout) : undefined;
      if (queue !== undefined) p.expiry = queue.add(() => this.#onTimeout(p));
      else if (clock !== undefined) p.timer = clock.setTimeout(() => this.#onTimeout(p), timeout);
      else p.timer = setTimeout(this.#onTimeout, timeout, p);
      if (req.signal !== undefined) {
        const onAbort = (): void => this.#settle(p, asError(p.signal?.reason), false);
        p.onAbort = onAbort;
        req.signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#pending.set(correlationId, p);
      const headers = req.ownsHeaders === true ? req.headers : { ...req.headers };
      headers[DEADLINE_HEADER] = (clock === undefined ? Date.now() : clock.now()) + timeout;
      channel
        .publish('', req.queue, req.body, {
          correlationId,
          replyTo: DIRECT_REPLY_TO,
          contentType: JSON_CONTENT_TYPE,
          headers,
          expiration: String(timeout),
          mandatory: true,
          persistent: false,
        })
        .then(undefined, (err: unknown) => {
          if (this.#pending.get(correlationId) === p)
            this.#settle(p, asError(publishError(req.name, err)), false);
        });
    });
  }

  /**
   * Settles a pending call once: clears its timer and abort listener, forgets it, reports it,
   * then resolves with `value` (ok) or rejects with it.
   */
  #settle(p: Pending, value: unknown, ok: boolean): void {
    if (this.#pending.get(p.correlationId) !== p) return;
    if (p.expiry !== undefined) this.#timeouts(p.timeout)?.settle(p.expiry);
    else if (this.#clock !== undefined && p.timer !== undefined) this.#clock.clearTimeout(p.timer);
    else clearTimeout(p.timer as NodeJS.Timeout | undefined);
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    this.#pending.delete(p.correlationId);
    this.#observed(p.name, p.t0, ok ? undefined : value);
    if (ok) p.resolve(value);
    else p.reject(value);
  }

  /**
   * Call timeouts: one queue per duration (one timer each, not one per call), for the first
   * MAX_TIMEOUT_QUEUES durations; calls with other durations get a timer of their own.
   */
  #timeouts(ms: number): TimeoutQueue | undefined {
    let queue = this.#timeoutQueues.get(ms);
    if (queue === undefined && this.#timeoutQueues.size < MAX_TIMEOUT_QUEUES) {
      this.#timeoutQueues.set(ms, (queue = new TimeoutQueue(ms)));
    }
    return queue;
  }

  readonly #onTimeout = (p: Pending): void => this.#settle(p, new RpcTimeoutError(p.name, p.timeout), false);

  #getChannel(): Promise<TransportChannel> {
    let current = this.#channel;
    if (!current) {
      const opening = this.#openChannel();
      opening.then(
        (channel) => {
          if (this.#channel === opening) this.#open = channel;
        },
        () => {
          if (this.#channel === opening) this.#setChannel(undefined);
        },
      );
      this.#setChannel(opening);
      current = opening;
    }
    return current;
  }

  /** `#open` always follows `#channel`: set once the current channel promise resolved. */
  #setChannel(channel: Promise<TransportChannel> | undefined): void {
    this.#channel = channel;
    this.#open = undefined;
  }

  async #openChannel(): Promise<TransportChannel> {
    const channel = await this.#session.createChannel({ confirms: false });
    channel.on('return', (message, code, text) => this.#onReturn(message, code, text));
    channel.on('close', (error) => {
      void this.#channel?.then((current) => {
        if (current !== channel) return;
        this.#setChannel(undefined);
        this.#failAll(() => new ConnectionLostError('RPC reply channel closed', { cause: error }));
      });
    });
    await channel.consume(DIRECT_REPLY_TO, (m) => this.#onReply(m), { noAck: true });
    return channel;
  }

  /** A request no queue took (no server): NoHandlerError, as a returned confirmed publish. */
  #onReturn(message: TransportMessage, replyCode: number, replyText: string): void {
    const id = message.properties.correlationId;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending) return;
    const { exchange, routingKey } = message.fields;
    const returned = new MessageReturnedError(exchange, routingKey, replyCode, replyText);
    this.#settle(pending, asError(publishError(pending.name, returned)), false);
  }

  #onReply(message: TransportMessage): void {
    const id = message.properties.correlationId;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending) return; // late reply to a call that timed out or was cancelled
    if (isRpcErrorReply(message.properties.headers)) {
      this.#settle(pending, remoteFailure(pending, deserializeRpcError(message.body)), false);
      return;
    }
    let value: unknown;
    try {
      value = deserialize(message.body, message.properties.contentType);
    } catch (err) {
      this.#settle(pending, asError(err), false);
      return;
    }
    this.#settle(pending, value, true);
  }

  #failAll(error: () => Error): void {
    for (const p of [...this.#pending.values()]) this.#settle(p, asError(error()), false);
  }
}

/** The error a call fails with for an error reply: the server's handler timeout is an RPC timeout. */
function remoteFailure(pending: Pending, remote: RemoteError): Error {
  if (remote.remoteCode !== 'ERR_RPC_TIMEOUT') return remote;
  const data = remote.data as { timeoutMs?: unknown } | undefined;
  const ms = typeof data?.timeoutMs === 'number' ? data.timeoutMs : pending.timeout;
  return new RpcTimeoutError(pending.name, ms, { cause: remote });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function publishError(name: string, err: unknown): unknown {
  if (err instanceof MessageReturnedError) return new NoHandlerError(name, { cause: mapTransportError(err) });
  return mapTransportError(err);
}
