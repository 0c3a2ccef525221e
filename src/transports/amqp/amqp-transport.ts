/**
 * Transport over amqplib, for RabbitMQ or Warren's TCP server. One connection; every channel
 * a confirm channel (see amqp-channel.ts). When the connection drops unexpectedly the
 * transport emits 'disconnect', reconnects on a bounded, jittered backoff and emits
 * 'reconnect'; channels are not recreated here: their owners (the framework) reopen them and
 * restore consumers, because only they know the topology. Publish buffering during an outage
 * also lives in the framework, so every transport gets the same behaviour.
 *
 * Given several urls (the nodes of a RabbitMQ cluster), each connection attempt takes the next
 * url in turn: connect() tries every url once before failing, and after a drop the first
 * reconnect attempt goes to the node after the one that was lost (see url-rotation.ts).
 */
import { EventEmitter } from 'node:events';
import * as amqplib from 'amqplib';
import { TransportClosedError } from '../errors.js';
import type { Transport, TransportCapabilities, TransportChannel, TransportEvents } from '../transport.js';
import { AmqpChannel } from './amqp-channel.js';
import { mapAmqpError } from './convert.js';
import { probeDelayedExchange } from './delayed-probe.js';
import { reconnectDelay, resolveReconnect, type ReconnectOptions } from './reconnect-policy.js';
import { UrlRotation } from './url-rotation.js';

export interface AmqpTransportOptions {
  /** Reconnect after an unexpected drop (default on); `false` turns it off. */
  reconnect?: ReconnectOptions | false;
  /** AMQP heartbeat, seconds (default 10): a dead peer is noticed within two intervals. */
  heartbeat?: number;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  /** Whether the broker has `x-delayed-message` exchanges; default: probed at connect (delayed-probe.ts). */
  delayedExchange?: boolean;
}

export class AmqpTransport implements Transport {
  readonly capabilities: { -readonly [K in keyof TransportCapabilities]: TransportCapabilities[K] } = {
    directReplyTo: true,
    quorumQueues: true,
  };
  readonly #urls: UrlRotation;
  readonly #options: AmqpTransportOptions;
  readonly #events = new EventEmitter();
  #model: amqplib.ChannelModel | undefined;
  #connected = false;
  #closing = false;
  #reconnecting: Promise<void> | undefined;

  /** `url`: one amqp:// url, or several (cluster nodes) tried in turn. */
  constructor(url: string | readonly string[], options: AmqpTransportOptions = {}) {
    this.#urls = new UrlRotation(typeof url === 'string' ? [url] : url);
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** The url of the current connection (undefined while disconnected). */
  get connectedUrl(): string | undefined {
    return this.#connected ? this.#urls.current : undefined;
  }

  /** Tries every url once, in turn; rejects with the last url's error. */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#closing = false;
    let lastError: unknown;
    for (let tried = 0; tried < this.#urls.size; tried++) {
      try {
        await this.#open();
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    this.#closing = true;
    const model = this.#model;
    this.#model = undefined;
    this.#connected = false;
    if (!model) return;
    try {
      await model.close();
    } catch {
      // Already closed (e.g. dropped): nothing left to do.
    }
  }

  async createChannel(): Promise<TransportChannel> {
    const model = this.#model;
    if (!model || !this.#connected) throw new TransportClosedError('not connected');
    try {
      return new AmqpChannel(await model.createConfirmChannel());
    } catch (err) {
      throw mapAmqpError(err);
    }
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  /** Connects to the current url; on failure the rotation moves on, so the next call tries the next one. */
  async #open(): Promise<void> {
    const url = new URL(this.#urls.current);
    if (!url.searchParams.has('heartbeat'))
      url.searchParams.set('heartbeat', String(this.#options.heartbeat ?? 10));
    const clientProperties = { connection_name: this.#options.connectionName ?? 'warren' };
    this.capabilities.delayedExchange ??=
      this.#options.delayedExchange ?? (await probeDelayedExchange(url.toString()));
    let model: amqplib.ChannelModel;
    try {
      model = await amqplib.connect(url.toString(), { noDelay: true, clientProperties });
    } catch (err) {
      this.#urls.advance();
      throw mapAmqpError(err);
    }
    let lastError: Error | undefined;
    model.on('error', (err: Error) => {
      lastError = mapAmqpError(err);
    });
    model.on('close', (err?: Error) => this.#onClose(model, err ? mapAmqpError(err) : lastError));
    model.on('blocked', (reason: string) => this.#events.emit('blocked', reason));
    model.on('unblocked', () => this.#events.emit('unblocked'));
    this.#model = model;
    this.#connected = true;
  }

  #onClose(model: amqplib.ChannelModel, error: Error | undefined): void {
    if (model !== this.#model) return;
    this.#connected = false;
    this.#model = undefined;
    if (this.#closing) return;
    // The node may be gone: reconnect to the next one first.
    this.#urls.advance();
    this.#events.emit('disconnect', error ?? new TransportClosedError('connection closed'));
    if (this.#options.reconnect !== false && !this.#reconnecting) {
      this.#reconnecting = this.#reconnectLoop();
    }
  }

  async #reconnectLoop(): Promise<void> {
    const policy = resolveReconnect(this.#options.reconnect === false ? undefined : this.#options.reconnect);
    try {
      for (let attempt = 1; attempt <= policy.maxAttempts && !this.#closing; attempt++) {
        await sleep(reconnectDelay(policy, attempt));
        if (this.#closing) return;
        try {
          await this.#open();
        } catch {
          continue;
        }
        if (this.#closing) {
          await this.close();
          return;
        }
        this.#events.emit('reconnect');
        return;
      }
    } finally {
      this.#reconnecting = undefined;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
