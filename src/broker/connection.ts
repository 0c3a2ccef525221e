/**
 * EngineConnection: a client connection to one vhost. Owns its channels and the exclusive
 * queues it declared (deleted when it closes). A ConnectionError thrown by any channel
 * method closes the whole connection inside the engine before it reaches the transport.
 *
 * Engine-initiated closes (Broker.deleteVhost, Broker.close, a hard error) are reported to
 * the transport through `onClosed`, so it can tell its client at once (connection.close 320
 * on a socket, 'disconnect' in process) instead of on its next call. A close the transport
 * asked for itself (close()) is not reported.
 *
 * Invariant: after close() no channel of this connection is open and none of its
 * exclusive queues exists.
 */
import { channelErrorHard } from '../protocol/errors.js';
import type { AmqpError } from '../protocol/errors.js';
import type { FieldTable } from '../protocol/field-value.js';
import { GuardedChannel } from './access/guarded-channel.js';
import type { PermissionSource } from './access/permissions.js';
import { EngineChannel } from './channel/channel.js';
import type { ChannelContext } from './channel/channel.js';
import type { ChannelSink } from './channel-sink.js';
import type { Vhost } from './vhost.js';

export interface ConnectOptions {
  vhost?: string;
  user?: string;
  clientProperties?: FieldTable;
  name?: string;
}

/**
 * Told once, after the engine closed a connection by itself (connectionFailed), with the
 * error it closed on. It runs inside the engine call that closed the connection (a channel
 * method's hard error, Broker.deleteVhost's loop over connections): it should only record
 * and notify, and open nothing new synchronously (reconnect on a later tick).
 */
export type ConnectionClosedListener = (reason: AmqpError) => void;

/** What a connection needs from its broker. */
export interface ConnectionHost {
  readonly consumerTimeout: number;
  readonly maxMessageSize: number;
  connectionClosed(connection: EngineConnection): void;
}

export class EngineConnection implements ChannelContext {
  readonly channels = new Map<number, EngineChannel>();
  open = true;
  /** Set when the engine closed the connection on a hard error. */
  closeReason: AmqpError | undefined;
  /** When set, channels enforce the user's permissions from it (access/permissions.ts). */
  access: PermissionSource | undefined = undefined;
  /** Set by the transport right after connect (see ConnectionClosedListener). */
  onClosed: ConnectionClosedListener | undefined = undefined;

  constructor(
    readonly id: number,
    readonly vhost: Vhost,
    readonly user: string,
    readonly clientProperties: FieldTable,
    readonly name: string,
    private readonly host: ConnectionHost,
  ) {}

  get owner(): object {
    return this;
  }

  get consumerTimeout(): number {
    return this.host.consumerTimeout;
  }

  get maxMessageSize(): number {
    return this.host.maxMessageSize;
  }

  /** channel.open: a channel number already open is a 504 CHANNEL_ERROR (hard error). */
  openChannel(channelId: number, sink: ChannelSink): EngineChannel {
    if (!this.open) throw channelErrorHard('connection is closed');
    if (this.channels.has(channelId)) {
      const err = channelErrorHard("second 'channel.open' seen", { classId: 20, methodId: 10 });
      this.connectionFailed(err);
      throw err;
    }
    const ch =
      this.access === undefined
        ? new EngineChannel(channelId, this, sink)
        : new GuardedChannel(channelId, this, sink, this.user, this.access);
    this.channels.set(channelId, ch);
    return ch;
  }

  channel(channelId: number): EngineChannel | undefined {
    return this.channels.get(channelId);
  }

  channelClosed(channel: EngineChannel): void {
    if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
  }

  /** The engine closes the connection on `error`; onClosed is told (once). */
  connectionFailed(error: AmqpError): void {
    this.closeReason ??= error;
    if (!this.open) return;
    this.release();
    this.notifyClosed(this.closeReason);
  }

  /** Closes every channel (requeueing their unacked messages) and deletes exclusive queues. */
  close(): void {
    if (!this.open) return;
    this.release();
  }

  private release(): void {
    this.open = false;
    const vhost = this.vhost;
    vhost.scheduler.run(() => {
      for (const ch of [...this.channels.values()]) ch.release();
      for (const q of [...vhost.queues.values()]) if (q.exclusiveOwner === this) vhost.deleteQueue(q);
    });
    this.host.connectionClosed(this);
  }

  /** A throwing listener must not break the engine loop that closed us (rethrown later). */
  private notifyClosed(reason: AmqpError): void {
    const listener = this.onClosed;
    this.onClosed = undefined;
    try {
      listener?.(reason);
    } catch (e) {
      setImmediate(() => {
        throw e;
      });
    }
  }
}
