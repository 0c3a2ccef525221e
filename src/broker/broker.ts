/**
 * The Broker: vhosts, connections, and the shared machinery (clock, scheduler, message
 * store, definitions listener, consumer timeout). Everything runs in the caller's thread;
 * see channel-sink.ts for the reentrancy contract and scheduler.ts for dispatch.
 */
import { connectionForced, notAllowed } from '../protocol/errors.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { EngineConnection } from './connection.js';
import type { ConnectOptions, ConnectionHost } from './connection.js';
import type { DefinitionsListener } from './definitions.js';
import { Scheduler } from './scheduler.js';
import type { UserStore } from './access/user-store.js';
import { restore } from './restore.js';
import type { LoggedMessages, SavedDefinitions } from './restore.js';
import { openDataDir } from './store/data-dir.js';
import type { FileStoreOptions } from './store/file-store.js';
import { MemoryStore } from './store/memory-store.js';
import type { MessageStore } from './store/message-store.js';
import { Vhost } from './vhost.js';
import type { Queue } from './queue/queue.js';

/** RabbitMQ's default consumer_timeout: 30 minutes. */
export const DEFAULT_CONSUMER_TIMEOUT = 30 * 60 * 1000;

/** RabbitMQ's default max_message_size: 128 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 128 * 1024 * 1024;

export interface BrokerOptions {
  clock?: Clock;
  store?: MessageStore;
  definitions?: DefinitionsListener;
  /** Ack timeout for consumer deliveries in ms; 0 disables. Default 30 min. */
  consumerTimeout?: number;
  /**
   * Largest message body accepted, in bytes (RabbitMQ's max_message_size, default 128 MiB);
   * a bigger publish is a 406 PRECONDITION_FAILED channel error.
   */
  maxMessageSize?: number;
}

export interface OpenBrokerOptions extends Omit<BrokerOptions, 'store' | 'definitions'>, FileStoreOptions {
  /** Users and permissions to persist with the definitions (restored into it when saved). */
  users?: UserStore;
}

export class Broker implements ConnectionHost {
  readonly clock: Clock;
  readonly store: MessageStore;
  readonly definitions: DefinitionsListener;
  readonly scheduler = new Scheduler();
  consumerTimeout: number;
  maxMessageSize: number;
  private readonly vhosts = new Map<string, Vhost>();
  private readonly connections = new Set<EngineConnection>();
  private nextConnectionId = 1;

  /**
   * A broker persisting to `dataDir` (created if missing): durable definitions and
   * persistent messages of durable queues survive restarts and crashes. Recovers what the
   * directory holds before resolving. Throws DataDirError (unusable directory),
   * CorruptSegmentError (a bad record) or DamagedDataDirError (a missing, emptied or cut
   * segment, missing or malformed definitions; see `warren data check|repair` and
   * FileStoreOptions.repair). Close with shutdown().
   */
  static async open(dataDir: string, options: OpenBrokerOptions = {}): Promise<Broker> {
    const { definitions, messages } = openDataDir(dataDir, options);
    if (options.users !== undefined) definitions.bindUsers(options.users);
    const broker = new Broker({ ...options, store: messages, definitions });
    broker.scheduler.run(() => broker.boot(definitions, messages));
    await messages.sync();
    return broker;
  }

  constructor(options: BrokerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryStore();
    this.definitions = options.definitions ?? {};
    this.consumerTimeout = options.consumerTimeout ?? DEFAULT_CONSUMER_TIMEOUT;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.addVhost('/');
    this.store.attach?.({
      run: (fn) => this.scheduler.run(fn),
      stored: (key, message, ok) => this.queueByStoreKey(key)?.stored(message, ok),
    });
  }

  /** Boot step of a persistent broker: its saved vhosts, then their definitions and messages. */
  private boot(saved: SavedDefinitions & { vhosts: ReadonlySet<string> }, log: LoggedMessages): void {
    if (saved.vhosts.size > 0 && !saved.vhosts.has('/')) this.deleteVhost('/');
    for (const name of saved.vhosts) this.addVhost(name);
    restore([...this.vhosts.values()], saved, log);
  }

  /** The queue a store key (`vhost NUL name`) names. */
  private queueByStoreKey(key: string): Queue | undefined {
    const cut = key.indexOf('\u0000');
    return this.vhosts.get(key.slice(0, cut))?.queues.get(key.slice(cut + 1));
  }

  addVhost(name: string): Vhost {
    const existing = this.vhosts.get(name);
    if (existing !== undefined) return existing;
    const v = new Vhost(name, {
      clock: this.clock,
      scheduler: this.scheduler,
      store: this.store,
      definitions: this.definitions,
    });
    this.vhosts.set(name, v);
    this.definitions.vhostAdded?.(name);
    return v;
  }

  /** Deletes a vhost: its connections are closed (320) and everything in it goes. */
  deleteVhost(name: string): boolean {
    const v = this.vhosts.get(name);
    if (v === undefined) return false;
    for (const c of [...this.connections]) {
      if (c.vhost === v) c.connectionFailed(connectionForced(`vhost '${name}' is deleted`));
    }
    this.scheduler.run(() => {
      for (const q of [...v.queues.values()]) v.deleteQueue(q);
    });
    this.vhosts.delete(name);
    this.definitions.vhostDeleted?.(name);
    return true;
  }

  vhost(name: string): Vhost | undefined {
    return this.vhosts.get(name);
  }

  vhostNames(): string[] {
    return [...this.vhosts.keys()];
  }

  /**
   * Resolves once every definitions change made so far (durable vhosts, exchanges, queues,
   * bindings, users, permissions) is on disk; rejects if writing it failed. Undefined when
   * nothing is pending (or the broker keeps definitions in memory only).
   */
  definitionsSaved(): Promise<void> | undefined {
    return this.definitions.pendingSave?.();
  }

  /** Opens a connection to a vhost (530 NOT_ALLOWED when it does not exist, as RabbitMQ). */
  connect(options: ConnectOptions = {}): EngineConnection {
    const vhostName = options.vhost ?? '/';
    const v = this.vhosts.get(vhostName);
    if (v === undefined) throw notAllowed(`vhost ${vhostName} not found`, { classId: 10, methodId: 40 });
    const id = this.nextConnectionId++;
    const c = new EngineConnection(
      id,
      v,
      options.user ?? 'guest',
      options.clientProperties ?? {},
      options.name ?? `connection-${id}`,
      this,
    );
    this.connections.add(c);
    return c;
  }

  connectionClosed(connection: EngineConnection): void {
    this.connections.delete(connection);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every connection (broker shutdown). */
  close(): void {
    for (const c of [...this.connections]) c.connectionFailed(connectionForced('broker is shutting down'));
  }

  /** close(), then flushes and closes the definitions and message stores (a persistent broker's files). */
  async shutdown(): Promise<void> {
    this.close();
    for (const v of this.vhosts.values()) for (const hold of v.delayed.values()) hold.stop();
    await this.definitions.close?.();
    await this.store.close?.();
  }
}
