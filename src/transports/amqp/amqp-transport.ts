/**
 * Transport over amqplib, for RabbitMQ or Warren's TCP server. One connection; every channel
 * a confirm channel (see amqp-channel.ts). When the connection drops unexpectedly the
 * transport emits 'disconnect', reconnects on a bounded, jittered backoff and emits
 * 'reconnect'; channels are not recreated here: their owners (the framework) reopen them and
 * restore consumers, because only they know the topology. Publish buffering during an outage
 * also lives in the framework, so every transport gets the same behaviour.
 */
import { EventEmitter } from 'node:events';
import * as amqplib from 'amqplib';
import { TransportClosedError } from '../errors.js';
import type { Transport, TransportCapabilities, TransportChannel, TransportEvents } from '../transport.js';
import { AmqpChannel } from './amqp-channel.js';
import { connectFailure, isRetryableConnectFailure } from './handshake-error.js';
import { mapAmqpError } from './convert.js';
import { reconnectDelay, resolveReconnect, type ReconnectOptions } from './reconnect-policy.js';

export interface AmqpTransportOptions {
  /** Reconnect after an unexpected drop (default on); `false` turns it off. */
  reconnect?: ReconnectOptions | false;
  /** AMQP heartbeat, seconds (default 10): a dead peer is noticed within two intervals. */
  heartbeat?: number;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  /** Told about each failed first-connect attempt that will be retried after `delayMs`. */
  onConnectRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

export class AmqpTransport implements Transport {
  readonly capabilities: TransportCapabilities = { directReplyTo: true, quorumQueues: true };
  readonly #url: string;
  readonly #options: AmqpTransportOptions;
  readonly #events = new EventEmitter();
  #model: amqplib.ChannelModel | undefined;
  #connected = false;
  #closing = false;
  #reconnecting: Promise<void> | undefined;

  constructor(url: string, options: AmqpTransportOptions = {}) {
    this.#url = url;
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Opens the connection. A broker that cannot be reached (refused, reset, down for a
   * restart) is retried on the reconnect schedule (not with `reconnect: false`); a broker
   * that refuses the handshake (credentials, vhost) fails at once with its ConnectionError.
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#closing = false;
    const reconnect = this.#options.reconnect;
    const policy = reconnect === false ? undefined : resolveReconnect(reconnect);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#open();
        return;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (!policy || attempt >= policy.maxAttempts || this.#closing || !isRetryableConnectFailure(error))
          throw error;
        const delayMs = reconnectDelay(policy, attempt);
        this.#options.onConnectRetry?.(error, attempt, delayMs);
        await sleep(delayMs);
        if (this.#closing) throw new TransportClosedError('closed while connecting', { cause: error });
      }
    }
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

  async #open(): Promise<void> {
    const url = new URL(this.#url);
    if (!url.searchParams.has('heartbeat'))
      url.searchParams.set('heartbeat', String(this.#options.heartbeat ?? 10));
    const clientProperties = { connection_name: this.#options.connectionName ?? 'warren' };
    let model: amqplib.ChannelModel;
    try {
      model = await amqplib.connect(url.toString(), { noDelay: true, clientProperties });
    } catch (err) {
      throw connectFailure(err, url);
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
