/**
 * EngineConnection: a client connection to one vhost. Owns its channels and the exclusive
 * queues it declared (deleted when it closes). A ConnectionError thrown by any channel
 * method closes the whole connection inside the engine before it reaches the transport.
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

/** What a connection needs from its broker. */
export interface ConnectionHost {
  readonly consumerTimeout: number;
  connectionClosed(connection: EngineConnection): void;
}

export class EngineConnection implements ChannelContext {
  readonly channels = new Map<number, EngineChannel>();
  open = true;
  /** Set when the engine closed the connection on a hard error. */
  closeReason: AmqpError | undefined;
  /** When set, channels enforce the user's permissions from it (access/permissions.ts). */
  access: PermissionSource | undefined = undefined;

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

  connectionFailed(error: AmqpError): void {
    this.closeReason ??= error;
    this.close();
  }

  /** Closes every channel (requeueing their unacked messages) and deletes exclusive queues. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const vhost = this.vhost;
    vhost.scheduler.run(() => {
      for (const ch of [...this.channels.values()]) ch.release();
      for (const q of [...vhost.queues.values()]) if (q.exclusiveOwner === this) vhost.deleteQueue(q);
    });
    this.host.connectionClosed(this);
  }
}
