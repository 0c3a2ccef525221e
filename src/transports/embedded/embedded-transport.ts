/**
 * The zero-config transport: an in-process connection to a Broker engine, with no sockets
 * and no encoding. Every channel is an EmbeddedChannel (confirm mode).
 *
 * Connection loss: the engine closes a connection on a hard error (a ConnectionError
 * thrown by a channel call, e.g. reusing a consumer tag) or from the broker side
 * (Broker.close(), a deleted vhost — reported at once through EngineConnection.onClosed).
 * Then every channel closes with the error, 'disconnect' is emitted and,
 * unless `reconnect: false` or close() was called, a new engine connection is opened on
 * the next macrotask and 'reconnect' emitted; channels are not recreated (as AmqpTransport:
 * the framework owns the topology). If reopening fails (vhost gone) the transport stays
 * disconnected.
 *
 * Invariants: `#connection` is open whenever it is set; `#channels` holds exactly the
 * channels of the current connection that are not closed.
 */
import { EventEmitter } from 'node:events';
import { Broker } from '../../broker/index.js';
import type { EngineConnection } from '../../broker/index.js';
import type { PermissionSource } from '../../broker/access/permissions.js';
import { TransportClosedError } from '../errors.js';
import type { Transport, TransportCapabilities, TransportChannel, TransportEvents } from '../transport.js';
import { EmbeddedChannel } from './embedded-channel.js';
import type { ChannelHost } from './embedded-channel.js';

export interface EmbeddedTransportOptions {
  /** The engine to connect to; a new Broker (in-memory store) when absent. */
  broker?: Broker;
  /** Default '/'. Connecting to a missing vhost rejects with 530 NOT_ALLOWED. */
  vhost?: string;
  /** Default 'guest'. */
  user?: string;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  /** Reopen the engine connection after it was closed by an error (default true). */
  reconnect?: boolean;
  /** When set, channels enforce `user`'s permissions from it (as for a TCP client). */
  access?: PermissionSource;
}

export class EmbeddedTransport implements Transport {
  readonly capabilities: TransportCapabilities = {
    directReplyTo: true,
    quorumQueues: true,
    delayedExchange: true,
  };
  readonly broker: Broker;
  readonly #options: EmbeddedTransportOptions;
  readonly #events = new EventEmitter();
  readonly #channels = new Set<EmbeddedChannel>();
  #connection: EngineConnection | undefined;
  #nextChannelId = 1;
  #closing = false;

  constructor(options: EmbeddedTransportOptions = {}) {
    this.broker = options.broker ?? new Broker();
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connection?.open === true;
  }

  connect(): Promise<void> {
    this.#closing = false;
    if (this.#connection !== undefined) return Promise.resolve();
    try {
      this.#open();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): Promise<void> {
    this.#closing = true;
    const connection = this.#connection;
    this.#connection = undefined;
    for (const ch of [...this.#channels]) ch.shutdown(undefined);
    this.#channels.clear();
    connection?.close();
    return Promise.resolve();
  }

  createChannel(): Promise<TransportChannel> {
    const connection = this.#connection;
    if (connection === undefined) return Promise.reject(new TransportClosedError('not connected'));
    if (!connection.open) {
      this.#lost(connection, undefined);
      return Promise.reject(connection.closeReason ?? new TransportClosedError('connection closed'));
    }
    try {
      const channel = new EmbeddedChannel(connection, this.#nextChannelId++, this.#host(connection));
      this.#channels.add(channel);
      return Promise.resolve(channel);
    } catch (e) {
      if (!connection.open) this.#lost(connection, e instanceof Error ? e : undefined);
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
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

  #open(): void {
    const o = this.#options;
    const connection = this.broker.connect({
      vhost: o.vhost ?? '/',
      user: o.user ?? 'guest',
      name: o.connectionName ?? 'warren-embedded',
      clientProperties: { product: 'warren', transport: 'embedded' },
    });
    connection.access = o.access;
    connection.onClosed = (reason) => this.#lost(connection, reason);
    this.#connection = connection;
    this.#nextChannelId = 1;
  }

  #host(connection: EngineConnection): ChannelHost {
    const store = this.broker.store;
    return {
      deliveriesRecorded: store.sync && store.delivered ? () => store.sync!() : undefined,
      channelClosed: (channel) => this.#channels.delete(channel),
      connectionFailed: (error) => this.#lost(connection, error),
    };
  }

  /** `connection` is gone: close its channels, report, maybe reopen. */
  #lost(connection: EngineConnection, error: Error | undefined): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    connection.close();
    const reason = error ?? connection.closeReason ?? new TransportClosedError('connection closed');
    for (const ch of [...this.#channels]) ch.shutdown(reason);
    this.#channels.clear();
    this.#events.emit('disconnect', reason);
    if (this.#options.reconnect !== false) setImmediate(() => this.#reopen());
  }

  #reopen(): void {
    if (this.#closing || this.#connection !== undefined) return;
    try {
      this.#open();
    } catch {
      return; // the vhost is gone: stay disconnected
    }
    this.#events.emit('reconnect');
  }
}
