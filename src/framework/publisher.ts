/**
 * Publishing with confirms on a shared channel, plus the outage buffer. While the connection
 * is down (or topology is being restored) publishes wait in a bounded FIFO and are sent once
 * the session is restored; a full buffer rejects with BufferFullError, so nothing is dropped
 * silently. Publishes in flight when the connection dropped are put back in the buffer
 * (at-least-once: the broker may have received them). The buffer lives in the framework, not
 * the transport, because only the framework knows when topology is back, and so every
 * transport gets the same behaviour.
 */
import { PublishNackedError, TransportClosedError } from '../transports/errors.js';
import type { PublishProperties, TransportChannel } from '../transports/transport.js';
import { BufferFullError, ConnectionLostError, ShutdownError } from './errors.js';
import type { Session, SessionComponent } from './session.js';
import { mapTransportError } from './transport-errors.js';

/** Default capacity of the outage buffer (messages). */
export const DEFAULT_PUBLISH_BUFFER_SIZE = 1000;

/**
 * A nacked publish is sent again this many times, NACK_RETRY_DELAY_MS × 2^n apart (≈ 1.5 s in
 * all): long enough for a quorum queue to elect a new leader after a cluster node was lost.
 * A nack means the message was not enqueued (for a route to several queues: not in all).
 */
const NACK_RETRIES = 4;
const NACK_RETRY_DELAY_MS = 100;
/** At most one channel renewal after nacks per this many ms (see #renewAfterNack). */
const NACK_RENEW_INTERVAL_MS = 250;
/** A channel replaced after a nack is closed this long after, when its confirms have settled. */
const RETIRED_CHANNEL_GRACE_MS = 5000;

export interface PublishRequest {
  exchange: string;
  routingKey: string;
  body: Buffer;
  properties: PublishProperties;
}

interface Buffered {
  request: PublishRequest;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Publisher implements SessionComponent {
  readonly #session: Session;
  readonly #capacity: number;
  readonly #buffer: Buffered[] = [];
  #channel: Promise<TransportChannel> | undefined;
  /** What `#channel` resolved to, while it is still the current channel. */
  #open: TransportChannel | undefined;
  #closed = false;
  /** Waiting for the session to be usable again (see whenReady). */
  #readyWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** When the channel was last replaced after a nack (epoch ms). */
  #renewedAt = 0;

  constructor(session: Session, capacity = DEFAULT_PUBLISH_BUFFER_SIZE) {
    this.#session = session;
    this.#capacity = capacity;
  }

  /** Messages waiting for the connection to come back. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Publishes and resolves on the broker's confirm. With `buffer: false` (retry republishes,
   * RPC replies: useless after an outage) it fails fast with ConnectionLostError instead.
   */
  publish(request: PublishRequest, options?: { buffer?: boolean }): Promise<void> {
    return this.#send(request, options?.buffer ?? true, 0);
  }

  /** `nacks`: how many times the broker already nacked this request. */
  #send(request: PublishRequest, buffer: boolean, nacks: number): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError());
    if (!this.#session.ready) {
      if (!buffer) return Promise.reject(new ConnectionLostError());
      return this.#enqueue(request);
    }
    const channel = this.#open;
    if (channel === undefined) return this.#publishWhenOpen(request, buffer, nacks);
    // Fast path, the channel is open: one reaction instead of an async function's awaits.
    let sent: Promise<void>;
    try {
      sent = channel.publish(request.exchange, request.routingKey, request.body, request.properties);
    } catch (err) {
      return this.#failed(request, buffer, nacks, err);
    }
    return sent.then(undefined, (err: unknown) => this.#failed(request, buffer, nacks, err, channel));
  }

  async #publishWhenOpen(request: PublishRequest, buffer: boolean, nacks: number): Promise<void> {
    let channel: TransportChannel | undefined;
    try {
      channel = await this.#getChannel();
      await channel.publish(request.exchange, request.routingKey, request.body, request.properties);
    } catch (err) {
      return this.#failed(request, buffer, nacks, err, channel);
    }
  }

  /**
   * A publish failed: back into the outage buffer if the connection is down; sent again (on a
   * fresh channel, after a pause) if the broker nacked it fewer than NACK_RETRIES times; else
   * the error.
   */
  #failed(
    request: PublishRequest,
    buffer: boolean,
    nacks: number,
    err: unknown,
    channel?: TransportChannel,
  ): Promise<void> {
    if (err instanceof PublishNackedError) {
      this.#renewAfterNack(channel);
      if (nacks < NACK_RETRIES && !this.#closed) {
        const again = (): Promise<void> => this.#send(request, buffer, nacks + 1);
        return sleep(NACK_RETRY_DELAY_MS * 2 ** nacks).then(again);
      }
    }
    if (buffer && !this.#closed && isConnectionLoss(err) && !this.#session.ready)
      return this.#enqueue(request);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
    return Promise.reject(mapTransportError(err));
  }

  async start(): Promise<void> {
    this.#setChannel(undefined);
    await this.#getChannel();
  }

  onDisconnect(): void {
    this.#setChannel(undefined);
  }

  /**
   * Resolves once publishing can go out (connected, topology restored); rejects with
   * ShutdownError if the app closes first. Retry republishes wait here instead of failing.
   */
  whenReady(): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError());
    if (this.#session.ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  onRestored(): void {
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    const pending = this.#buffer.splice(0);
    for (const item of pending) {
      this.publish(item.request).then(item.resolve, item.reject);
    }
  }

  /** Rejects everything still buffered and closes the channel. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(new ShutdownError());
    for (const item of this.#buffer.splice(0))
      item.reject(new ShutdownError('app closed before the connection came back'));
    const channel = this.#channel;
    this.#setChannel(undefined);
    if (channel) await channel.then((c) => c.close()).catch(() => undefined);
  }

  /**
   * RabbitMQ (3.10) nacks every publish to a quorum queue on a channel opened while the queue's
   * leader was being re-elected (after a node was lost): that channel keeps the dead leader
   * for good, while a channel opened later finds the new one. So after a nack the next
   * publishes go to a fresh channel (at most one renewal per NACK_RENEW_INTERVAL_MS, so a queue
   * that rejects on purpose, e.g. x-overflow reject-publish, does not churn channels); the old
   * channel is closed once its in-flight confirms had time to settle.
   */
  #renewAfterNack(channel: TransportChannel | undefined): void {
    if (channel === undefined || channel !== this.#open) return;
    const now = Date.now();
    if (now - this.#renewedAt < NACK_RENEW_INTERVAL_MS) return;
    this.#renewedAt = now;
    this.#setChannel(undefined);
    setTimeout(() => void channel.close().catch(() => undefined), RETIRED_CHANNEL_GRACE_MS).unref();
  }

  #enqueue(request: PublishRequest): Promise<void> {
    if (this.#buffer.length >= this.#capacity) return Promise.reject(new BufferFullError(this.#capacity));
    return new Promise((resolve, reject) => this.#buffer.push({ request, resolve, reject }));
  }

  #setChannel(channel: Promise<TransportChannel> | undefined): void {
    this.#channel = channel;
    this.#open = undefined;
  }

  #getChannel(): Promise<TransportChannel> {
    let current = this.#channel;
    if (!current) {
      const opening = this.#session.createChannel().then((channel) => {
        channel.on('close', () => {
          if (this.#channel === opening) this.#setChannel(undefined);
        });
        if (this.#channel === opening) this.#open = channel;
        return channel;
      });
      opening.catch(() => {
        if (this.#channel === opening) this.#setChannel(undefined);
      });
      this.#setChannel(opening);
      current = opening;
    }
    return current;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The publish failed because the connection (or channel) went away, not by the broker's word. */
export function isConnectionLoss(err: unknown): boolean {
  return err instanceof TransportClosedError || err instanceof ConnectionLostError;
}
