/**
 * AmqpServer: an AMQP 0-9-1 listener over a Broker, so unmodified clients (amqplib, pika,
 * kombu, amqp-tools) use it as they would RabbitMQ. Given an existing Broker it puts an
 * embedded app's in-process broker on the wire; without one it creates (and owns) its own.
 *
 * Lifecycle: listen() resolves once bound; close() stops accepting, sends every connection
 * connection.close 320 CONNECTION_FORCED, and resolves when all sockets are gone (bounded by
 * the close timeout). One log line per connection opened and closed.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { hostname } from 'node:os';
import { UserStore } from '../../broker/access/user-store.js';
import { Broker } from '../../broker/broker.js';
import type { DiskMonitor } from '../../broker/store/disk-monitor.js';
import { FileStore } from '../../broker/store/file-store.js';
import { connectionForced } from '../../protocol/errors.js';
import { TcpConnection } from './connection.js';
import { DEFAULT_WRITE_HIGH_WATER_MARK } from './frame-writer.js';
import { consoleLogger } from './logger.js';
import type { Logger } from './logger.js';
import { MemoryMonitor, defaultHeapHighWatermark, defaultMemoryHighWatermark } from './memory-monitor.js';
import type { ServerContext, ServerLimits } from './server-context.js';
import type { ConnectionInfo } from './connection-info.js';

export interface AmqpServerOptions {
  /** The engine to serve; a new one (owned and closed by the server) when omitted. */
  broker?: Broker;
  /** Users and permissions; RabbitMQ's default guest/guest (loopback only) when omitted. */
  users?: UserStore;
  /** Default '0.0.0.0' (all interfaces, as RabbitMQ; guest still only from loopback). */
  host?: string;
  /** Default 5672; 0 picks a free port. */
  port?: number;
  /** Offered heartbeat in seconds (default 60). */
  heartbeat?: number;
  /** Offered frame-max (default 131072, at least 4096). */
  frameMax?: number;
  /** Offered channel-max (default 2047). */
  channelMax?: number;
  /** Process RSS in bytes above which publishers are blocked (default 40% of the RAM it may use). */
  memoryHighWatermark?: number;
  /** Used V8 heap in bytes above which publishers are blocked (default half the heap limit). */
  heapHighWatermark?: number;
  logger?: Logger;
  /** Wait for close-ok before destroying a socket, ms (default 3000). */
  closeTimeoutMs?: number;
  /**
   * After a handshake error answered without connection.close (e.g. a refused login from a
   * client without authentication_failure_close), drop the socket after this many ms, as
   * RabbitMQ's SILENT_CLOSE_DELAY (default 3000; 0 drops it at once).
   */
  silentCloseDelayMs?: number;
  /** From accept to connection.open-ok, ms (default 10000). */
  handshakeTimeoutMs?: number;
  /** Bytes buffered per socket before deliveries to it pause (default 1 MiB). */
  writeHighWaterMark?: number;
  /** cluster_name announced to clients (default warren@hostname). */
  clusterName?: string;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export class AmqpServer implements ServerContext {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly logger: Logger;
  readonly limits: ServerLimits;
  readonly clusterName: string;
  private readonly ownsBroker: boolean;
  private readonly host: string;
  private readonly port: number;
  private readonly server: Server;
  private readonly connections = new Set<TcpConnection>();
  private readonly memory: MemoryMonitor;
  /** The persistent broker's free-disk alarm (none for an in-memory broker). */
  private readonly disk: DiskMonitor | undefined;
  private readonly onDiskAlarm = (alarm: boolean): void => this.alarmChanged('disk', alarm);
  private readonly closeWaiters: (() => void)[] = [];

  constructor(options: AmqpServerOptions = {}) {
    this.ownsBroker = options.broker === undefined;
    this.broker = options.broker ?? new Broker();
    this.users = options.users ?? UserStore.withDefaultUser();
    this.logger = options.logger ?? consoleLogger;
    this.host = options.host ?? '0.0.0.0';
    this.port = options.port ?? 5672;
    this.clusterName = options.clusterName ?? `warren@${hostname()}`;
    this.limits = {
      channelMax: options.channelMax ?? 2047,
      frameMax: checkFrameMax(options.frameMax ?? 131072),
      heartbeat: options.heartbeat ?? 60,
      closeTimeoutMs: options.closeTimeoutMs ?? 3000,
      silentCloseDelayMs: options.silentCloseDelayMs ?? 3000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      writeHighWaterMark: options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK,
    };
    const watermark = options.memoryHighWatermark ?? defaultMemoryHighWatermark();
    this.memory = new MemoryMonitor(
      watermark,
      (alarm) => this.onMemoryAlarm(alarm),
      options.heapHighWatermark ?? defaultHeapHighWatermark(),
    );
    this.disk = this.broker.store instanceof FileStore ? this.broker.store.disk : undefined;
    this.server = createServer((socket) => this.accept(socket));
  }

  get memoryAlarm(): boolean {
    return this.memory.alarm;
  }

  get diskAlarm(): boolean {
    return this.disk?.alarm ?? false;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Per-connection output buffering (bytes encoded or held by the socket, not yet sent). */
  connectionStats(): { peer: string; bufferedBytes: number }[] {
    return [...this.connections].map((c) => ({ peer: c.peer, bufferedBytes: c.writer.bufferedBytes }));
  }

  /** Snapshots of every connection (management API). */
  connectionInfos(): ConnectionInfo[] {
    return [...this.connections].map((c) => c.info());
  }

  /** Closes the connection named `peer` with 320 CONNECTION_FORCED; false when there is none. */
  closeConnection(peer: string, reason: string): boolean {
    const c = [...this.connections].find((x) => x.peer === peer);
    if (c === undefined) return false;
    c.forceClose(connectionForced(`Closed via management plugin: ${reason}`));
    return true;
  }

  /** The bound address once listening. */
  get address(): ListenAddress | undefined {
    const a = this.server.address();
    return a === null || typeof a === 'string' ? undefined : { host: a.address, port: a.port };
  }

  /** Binds and starts accepting; resolves with the bound address. */
  listen(): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.logger.warn(`listener error: ${err.message}`));
        this.memory.start();
        this.disk?.listeners.add(this.onDiskAlarm);
        const a = this.server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Stops listening and closes every connection with 320 CONNECTION_FORCED. */
  async close(options: { reason?: string } = {}): Promise<void> {
    this.memory.stop();
    this.disk?.listeners.delete(this.onDiskAlarm);
    const reason = options.reason ?? 'shutdown';
    const stopped = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    const error = connectionForced(`broker forced connection closure with reason '${reason}'`);
    for (const c of [...this.connections]) c.forceClose(error);
    if (this.connections.size > 0) await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    await stopped;
    if (this.ownsBroker) this.broker.close();
  }

  connectionClosed(connection: object): void {
    this.connections.delete(connection as TcpConnection);
    if (this.connections.size === 0) for (const w of this.closeWaiters.splice(0)) w();
  }

  private accept(socket: Socket): void {
    try {
      this.connections.add(new TcpConnection(socket, this));
    } catch (e) {
      this.logger.warn(`failed to accept a connection: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
    }
  }

  private onMemoryAlarm(alarm: boolean): void {
    const mib = (n: number): number => Math.round(n / 1048576);
    const { rss, heap } = this.memory.last;
    this.logger.warn(
      `memory alarm ${alarm ? 'set' : 'cleared'} (rss ${mib(rss)} MiB, heap ${mib(heap)} MiB)`,
    );
    this.alarmChanged('memory', alarm);
  }

  private alarmChanged(kind: 'memory' | 'disk', alarm: boolean): void {
    void kind; // the monitors log the flip themselves (with free space / rss)
    void alarm;
    for (const c of this.connections) c.alarmChanged();
  }
}

function checkFrameMax(v: number): number {
  if (v !== 0 && v < 4096) throw new RangeError(`frameMax must be 0 or at least 4096, got ${v}`);
  return v;
}
