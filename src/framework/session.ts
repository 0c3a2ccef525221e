/**
 * The app's hold on its transport across outages. Components (workers, RPC server and client,
 * subscribers, publisher) register here; on 'disconnect' each is told so (pending RPC calls
 * fail, publishes start buffering), and on 'reconnect' each is started again in registration
 * order (re-declaring its topology and consumers) before buffered publishes are flushed.
 */
import type { ChannelOptions, Transport, TransportChannel } from '../transports/transport.js';

/** Something that owns channels and must be rebuilt after a reconnect. */
export interface SessionComponent {
  /** Opens channels, declares topology, starts consuming. Called at start and after each reconnect. */
  start(): Promise<void>;
  /** The connection dropped: every channel is dead. */
  onDisconnect(error: Error | undefined): void;
  /** Called once every component was restarted after a reconnect. */
  onRestored?(): void;
}

export class Session {
  readonly transport: Transport;
  readonly #components: SessionComponent[] = [];
  readonly #onError: (err: unknown) => void;
  #restoring = false;
  #closed = false;

  constructor(transport: Transport, onError: (err: unknown) => void) {
    this.transport = transport;
    this.#onError = onError;
    transport.on('disconnect', this.#handleDisconnect);
    transport.on('reconnect', this.#handleReconnect);
  }

  /**
   * True when channels can be opened and used right now. Still true while a closing app
   * drains (detached but connected), so retries and hand-backs made during the drain publish.
   */
  get ready(): boolean {
    return !this.#restoring && this.transport.connected;
  }

  get closed(): boolean {
    return this.#closed;
  }

  add(component: SessionComponent): void {
    this.#components.push(component);
  }

  async startAll(): Promise<void> {
    for (const c of this.#components) await c.start();
  }

  createChannel(options?: ChannelOptions): Promise<TransportChannel> {
    return this.transport.createChannel(options);
  }

  /** Stops reacting to the transport's events (the app is closing). */
  detach(): void {
    this.#closed = true;
    this.transport.off('disconnect', this.#handleDisconnect);
    this.transport.off('reconnect', this.#handleReconnect);
  }

  readonly #handleDisconnect = (error?: Error): void => {
    for (const c of this.#components) c.onDisconnect(error);
  };

  readonly #handleReconnect = (): void => {
    if (this.#closed) return;
    this.#restoring = true;
    void this.#restore();
  };

  async #restore(): Promise<void> {
    try {
      for (const c of this.#components) {
        if (this.#closed || !this.transport.connected) return;
        await c.start();
      }
    } catch (err) {
      // Dropped again mid-restore: the next 'reconnect' starts over.
      this.#onError(err);
      return;
    } finally {
      this.#restoring = false;
    }
    for (const c of this.#components) c.onRestored?.();
  }
}
