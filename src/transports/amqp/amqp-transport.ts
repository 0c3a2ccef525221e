/**
 * Transport over Warren's own AMQP 0-9-1 client (client-connection.ts, on the same codec as
 * the server), for RabbitMQ or Warren's TCP server. One connection; every channel a confirm
 * channel unless asked otherwise (see amqp-channel.ts). When the connection drops unexpectedly the
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
import { TransportClosedError } from '../errors.js';
import type {
  ChannelOptions,
  Transport,
  TransportCapabilities,
  TransportChannel,
  TransportEvents,
} from '../transport.js';
import { AmqpChannel } from './amqp-channel.js';
import { parseAmqpUrl } from './amqp-url.js';
import { ClientConnection, type ClientConnectionOptions } from './client-connection.js';
import { isRetryableConnectFailure } from './handshake-error.js';
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
  /** For amqps:// URLs: node:tls options (`ca` for a private CA, `cert` and `key` for a client certificate). */
  tls?: ClientConnectionOptions['tls'];
  /** Told about each failed first-connect attempt that will be retried after `delayMs`. */
  onConnectRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

export class AmqpTransport implements Transport {
  readonly capabilities: { -readonly [K in keyof TransportCapabilities]: TransportCapabilities[K] } = {
    directReplyTo: true,
    quorumQueues: true,
  };
  readonly #urls: UrlRotation;
  readonly #options: AmqpTransportOptions;
  readonly #events = new EventEmitter();
  #model: ClientConnection | undefined;
  #connected = false;
  #closing = false;
  #reconnecting: Promise<void> | undefined;

  /** `url`: one amqp:// url, or several (cluster nodes) tried in turn. A url the client cannot read is a TypeError here. */
  constructor(url: string | readonly string[], options: AmqpTransportOptions = {}) {
    const urls = typeof url === 'string' ? [url] : url;
    // Read now: a malformed url fails at once instead of being retried as if the broker were down.
    for (const u of urls) parseAmqpUrl(u);
    this.#urls = new UrlRotation(urls);
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** The url of the current connection (undefined while disconnected). */
  get connectedUrl(): string | undefined {
    return this.#connected ? this.#urls.current : undefined;
  }

  /**
   * Opens the connection. Each attempt tries every url once, in turn (a cluster's live node
   * answers). Brokers that cannot be reached (refused, reset, down for a restart) are retried
   * on the reconnect schedule (not with `reconnect: false`); a broker that refuses the
   * handshake (credentials, vhost) fails at once with its ConnectionError.
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#closing = false;
    const reconnect = this.#options.reconnect;
    const policy = reconnect === false ? undefined : resolveReconnect(reconnect);
    for (let attempt = 1; ; attempt++) {
      let error = new Error('no url to connect to');
      for (let tried = 0; tried < this.#urls.size; tried++) {
        try {
          await this.#open();
          return;
        } catch (err) {
          error = err instanceof Error ? err : new Error(String(err));
          if (!isRetryableConnectFailure(error)) throw error;
        }
      }
      if (!policy || attempt >= policy.maxAttempts || this.#closing) throw error;
      const delayMs = reconnectDelay(policy, attempt);
      this.#options.onConnectRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
      if (this.#closing) throw new TransportClosedError('closed while connecting', { cause: error });
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

  async createChannel(options: ChannelOptions = {}): Promise<TransportChannel> {
    const model = this.#model;
    if (!model || !this.#connected) throw new TransportClosedError('not connected');
    return AmqpChannel.open(model, options.confirms !== false);
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
    const url = this.#urls.current;
    const options = {
      heartbeat: this.#options.heartbeat ?? 10,
      clientProperties: { connection_name: this.#options.connectionName ?? 'warren' },
      tls: this.#options.tls,
    };
    this.capabilities.delayedExchange ??=
      this.#options.delayedExchange ?? (await probeDelayedExchange(url, this.#options.tls));
    let model: ClientConnection | undefined;
    try {
      model = await ClientConnection.open(url, options, {
        onClose: (error) => {
          if (model) this.#onClose(model, error);
        },
        onBlocked: (reason) => this.#events.emit('blocked', reason),
        onUnblocked: () => this.#events.emit('unblocked'),
      });
    } catch (err) {
      this.#urls.advance();
      throw err;
    }
    this.#model = model;
    this.#connected = true;
  }

  #onClose(model: ClientConnection, error: Error | undefined): void {
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
