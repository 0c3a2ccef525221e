/**
 * Warren's own AMQP 0-9-1 client connection, on the codec the server uses (src/protocol):
 * to Warren's server or to RabbitMQ. It owns the socket, the handshake (PLAIN login, tune,
 * vhost), heartbeats, the channel numbers and connection.close in both directions; channels
 * (amqp-channel.ts) get the commands addressed to them and send through it.
 *
 * Output is encoded straight into one slab and written once per turn (FrameWriter), so a
 * burst of publishes and acks is one socket write; input is parsed zero-copy (FrameParser,
 * CommandAssembler). A broker's connection.close becomes the ConnectionError it carries; a
 * lost socket a TransportClosedError; either way every channel fails with it.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import type { Command, OutgoingContent } from '../../protocol/command.js';
import { CommandAssembler } from '../../protocol/command-assembler.js';
import { AmqpError, ConnectionError, ReplyCode, unexpectedFrame } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { FrameParser } from '../../protocol/frame-parser.js';
import type { Method } from '../../protocol/generated/methods.js';
import { PROTOCOL_HEADER } from '../../protocol/protocol-header.js';
import { TransportClosedError } from '../errors.js';
import { FrameWriter } from '../tcp/frame-writer.js';
import { parseAmqpUrl, type AmqpEndpoint } from './amqp-url.js';

/** What a channel gets from its connection. */
export interface ChannelPeer {
  /** A command the broker sent on this channel. */
  receive(command: Command): void;
  /** The connection is gone: the channel is dead, with `error`. */
  connectionLost(error: Error): void;
  /** The socket has room again after `writable` was false. */
  resume(): void;
}

export interface ClientConnectionOptions {
  /** Heartbeat to ask for, seconds, when the URL does not say (0: none). Default: the server's. */
  heartbeat?: number;
  /** Sent in connection.start-ok (connection_name shows in the broker's connection list). */
  clientProperties?: FieldTable;
  /** Give up on a handshake not finished in this long, ms (default 30 000). */
  handshakeTimeout?: number;
  /** For amqps:// URLs: node:tls options (`ca` for a private CA, `cert` and `key` for a client certificate). */
  tls?: TlsOptions;
}

export interface ConnectionEvents {
  /** The connection ended: undefined after close(), else why. Called once. */
  onClose?: (error: Error | undefined) => void;
  onBlocked?: (reason: string) => void;
  onUnblocked?: () => void;
}

/** What RabbitMQ wants a client to say it can do (as amqplib and pika say it). */
const CAPABILITIES: FieldTable = {
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  authentication_failure_close: true,
};

const DEFAULT_FRAME_MAX = 131_072;
const DEFAULT_CHANNEL_MAX = 2047;
const CLOSE_OK_TIMEOUT_MS = 5_000;

/** amqplib's rule: 0 means "no limit" on either side; otherwise the lower value. */
function negotiate(server: number, client: number | undefined): number {
  if (client === undefined) return server;
  if (server === 0 || client === 0) return Math.max(server, client);
  return Math.min(server, client);
}

type Phase = 'start' | 'tune' | 'open' | 'open-ok' | 'closing' | 'closed';

export class ClientConnection {
  readonly endpoint: AmqpEndpoint;
  serverProperties: FieldTable = {};
  frameMax = 4096;
  channelMax = DEFAULT_CHANNEL_MAX;
  heartbeat = 0;

  readonly #socket: Socket;
  readonly #parser = new FrameParser({ frameMax: 0 });
  readonly #assembler = new CommandAssembler();
  readonly #writer: FrameWriter;
  readonly #options: ClientConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #channels = new Map<number, ChannelPeer>();
  #nextChannel = 1;
  #phase: Phase = 'start';
  /** Set once connection.open-ok came: before it, a failure rejects open(). */
  #wasOpen = false;
  #error: Error | undefined;
  #opened: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #closed: Promise<void>;
  #markClosed!: () => void;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #readSinceTick = true;
  #wroteSinceTick = false;
  #silentTicks = 0;

  private constructor(endpoint: AmqpEndpoint, options: ClientConnectionOptions, events: ConnectionEvents) {
    this.endpoint = endpoint;
    this.#options = options;
    this.#events = events;
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
    const socketOptions = { host: endpoint.host, port: endpoint.port, noDelay: true };
    this.#socket = endpoint.tls
      ? tlsConnect({ servername: endpoint.host, ...options.tls, ...socketOptions })
      : netConnect(socketOptions);
    this.#writer = new FrameWriter(this.#socket, {
      onWritable: () => {
        for (const peer of this.#channels.values()) peer.resume();
      },
      onFlush: () => {
        this.#wroteSinceTick = true;
      },
    });
    this.#socket.on(endpoint.tls ? 'secureConnect' : 'connect', () => this.#socket.write(PROTOCOL_HEADER));
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (err: Error) => {
      // Before the handshake, the socket's own error (ECONNREFUSED…): what a caller retries on.
      this.#error ??= this.#wasOpen
        ? new TransportClosedError(`connection lost: ${err.message}`, { cause: err })
        : err;
    });
    this.#socket.on('close', () => this.#onSocketClosed());
  }

  /** Connects to `url` and finishes the handshake; rejects with why it could not. */
  static open(
    url: string,
    options: ClientConnectionOptions = {},
    events: ConnectionEvents = {},
  ): Promise<ClientConnection> {
    const connection = new ClientConnection(parseAmqpUrl(url), options, events);
    return connection.#handshake();
  }

  /** False while the socket is backed up: publishers wait for their channel's resume(). */
  get writable(): boolean {
    return this.#writer.writable;
  }

  /** Registers a channel and returns its number (channel.open is the channel's to send). */
  attach(peer: ChannelPeer): number {
    if (this.#phase !== 'open-ok') throw this.#error ?? new TransportClosedError('connection is closed');
    const max = this.channelMax === 0 ? 0xffff : this.channelMax;
    for (let tried = 0; tried < max; tried++) {
      const id = this.#nextChannel;
      this.#nextChannel = id >= max ? 1 : id + 1;
      if (!this.#channels.has(id)) {
        this.#channels.set(id, peer);
        return id;
      }
    }
    // The connection is fine; this process asked for more channels than were negotiated.
    throw new RangeError(`no free channel number: all ${max} (channel_max) are open`);
  }

  /** The channel sent channel.close: ignore its frames but close/close-ok until detach(). */
  closing(id: number): void {
    this.#assembler.closeChannel(id);
  }

  /** The channel is closed: its number may be reused. */
  detach(id: number): void {
    this.#channels.delete(id);
    this.#assembler.resetChannel(id);
  }

  /** Encodes a command for the next write (this turn's). Throws on a value the codec refuses. */
  send(channel: number, method: Method, content?: OutgoingContent): void {
    if (this.#phase !== 'open-ok') throw this.#error ?? new TransportClosedError('connection is closed');
    this.#writer.out.command(channel, method, content);
    this.#writer.schedule();
  }

  /** connection.close, then waits for close-ok (or the socket's end). Idempotent. */
  async close(): Promise<void> {
    if (this.#phase === 'open-ok') {
      this.#phase = 'closing';
      this.#writer.out.command(0, {
        name: 'connection.close',
        replyCode: ReplyCode.REPLY_SUCCESS,
        replyText: 'Goodbye',
        classId: 0,
        methodId: 0,
      });
      this.#writer.flush();
      const timer = setTimeout(() => this.#socket.destroy(), CLOSE_OK_TIMEOUT_MS);
      await this.#closed;
      clearTimeout(timer);
      return;
    }
    if (this.#phase !== 'closed') this.#socket.destroy();
    await this.#closed;
  }

  #handshake(): Promise<ClientConnection> {
    const timeoutMs = this.#options.handshakeTimeout ?? 30_000;
    return new Promise<ClientConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#error ??= new TransportClosedError(`no AMQP handshake within ${timeoutMs} ms`);
        this.#socket.destroy();
      }, timeoutMs);
      this.#opened = {
        resolve: () => {
          clearTimeout(timer);
          resolve(this);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  #onData(chunk: Buffer): void {
    this.#readSinceTick = true;
    try {
      for (const frame of this.#parser.push(chunk)) {
        const command = this.#assembler.push(frame);
        if (command === undefined) continue;
        if (command.channel === 0) this.#onConnectionCommand(command);
        else this.#toChannel(command);
        if (this.#phase === 'closed') return;
      }
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #toChannel(command: Command): void {
    const peer = this.#channels.get(command.channel);
    if (peer === undefined) {
      throw new ConnectionError(
        ReplyCode.CHANNEL_ERROR,
        `CHANNEL_ERROR - ${command.method.name} on channel ${command.channel}, which is not open`,
      );
    }
    peer.receive(command);
  }

  #onConnectionCommand(command: Command): void {
    const m = command.method;
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
    switch (m.name) {
      case 'connection.start':
        return this.#onStart(m.serverProperties, m.mechanisms.toString('utf8'));
      case 'connection.tune':
        return this.#onTune(m.channelMax, m.frameMax, m.heartbeat);
      case 'connection.open-ok':
        this.#phase = 'open-ok';
        this.#wasOpen = true;
        this.#startHeartbeats();
        return this.#opened?.resolve();
      case 'connection.close': {
        const error = new ConnectionError(m.replyCode, m.replyText, m);
        this.#writer.out.command(0, { name: 'connection.close-ok' });
        this.#error = error;
        this.#phase = 'closing';
        this.#writer.end();
        // The broker closes the socket after our close-ok; do not wait on it forever.
        setTimeout(() => this.#socket.destroy(), CLOSE_OK_TIMEOUT_MS).unref();
        return;
      }
      case 'connection.close-ok':
        this.#socket.destroy();
        return;
      case 'connection.blocked':
        return this.#events.onBlocked?.(m.reason);
      case 'connection.unblocked':
        return this.#events.onUnblocked?.();
      default:
        throw unexpectedFrame(`${m.name} on channel 0`);
    }
  }

  #onStart(serverProperties: FieldTable, mechanisms: string): void {
    if (this.#phase !== 'start') throw unexpectedFrame('connection.start after the handshake began');
    this.serverProperties = serverProperties;
    if (!mechanisms.split(' ').includes('PLAIN')) {
      throw new ConnectionError(
        ReplyCode.NOT_IMPLEMENTED,
        `NOT_IMPLEMENTED - the broker offers no PLAIN login (offers: ${mechanisms})`,
      );
    }
    const { username, password } = this.endpoint;
    this.#phase = 'tune';
    this.#writeNow({
      name: 'connection.start-ok',
      clientProperties: {
        product: 'Warren',
        platform: `Node.js ${process.version}`,
        ...this.#options.clientProperties,
        capabilities: CAPABILITIES,
      },
      mechanism: 'PLAIN',
      response: Buffer.from(`\0${username}\0${password}`, 'utf8'),
      locale: 'en_US',
    });
  }

  #onTune(channelMax: number, frameMax: number, heartbeat: number): void {
    if (this.#phase !== 'tune') throw unexpectedFrame('connection.tune out of order');
    const e = this.endpoint;
    this.channelMax = negotiate(channelMax, e.channelMax ?? DEFAULT_CHANNEL_MAX);
    this.frameMax = negotiate(frameMax, e.frameMax ?? DEFAULT_FRAME_MAX);
    this.heartbeat = negotiate(heartbeat, e.heartbeat ?? this.#options.heartbeat);
    this.#writer.out.frameMax = this.frameMax;
    this.#parser.frameMax = this.frameMax;
    this.#phase = 'open';
    this.#writeNow({
      name: 'connection.tune-ok',
      channelMax: this.channelMax,
      frameMax: this.frameMax,
      heartbeat: this.heartbeat,
    });
    this.#writeNow({ name: 'connection.open', virtualHost: e.vhost, capabilities: '', insist: false });
  }

  #writeNow(method: Method): void {
    this.#writer.out.command(0, method);
    this.#writer.flush();
  }

  /**
   * Sends a heartbeat when nothing else was written for a while, and gives the broker up
   * after two heartbeat intervals without a byte from it (as RabbitMQ and amqplib do).
   */
  #startHeartbeats(): void {
    if (this.heartbeat === 0) return;
    const halfInterval = (this.heartbeat * 1000) / 2;
    this.#heartbeatTimer = setInterval(() => {
      if (this.#readSinceTick) this.#silentTicks = 0;
      else if (++this.#silentTicks >= 4) {
        this.#error ??= new TransportClosedError(
          `missed heartbeats from the broker (${this.heartbeat} s interval)`,
        );
        this.#socket.destroy();
        return;
      }
      this.#readSinceTick = false;
      if (!this.#wroteSinceTick) {
        this.#writer.out.heartbeat();
        this.#writer.flush();
      }
      this.#wroteSinceTick = false;
    }, halfInterval);
    this.#heartbeatTimer.unref();
  }

  /** A protocol error of the broker's making: say so with connection.close, then drop it. */
  #fail(error: Error): void {
    this.#error ??= error;
    if (this.#phase === 'open-ok' && error instanceof AmqpError) {
      this.#phase = 'closing';
      const { replyCode, replyText, classId, methodId } = error;
      this.#writer.out.command(0, { name: 'connection.close', replyCode, replyText, classId, methodId });
      this.#writer.flush();
      setTimeout(() => this.#socket.destroy(), CLOSE_OK_TIMEOUT_MS).unref();
      return;
    }
    this.#socket.destroy();
  }

  #onSocketClosed(): void {
    if (this.#phase === 'closed') return;
    const byUs = this.#phase === 'closing' && this.#error === undefined;
    const handshaking = !this.#wasOpen;
    this.#phase = 'closed';
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#writer.destroy();
    const error =
      this.#error ??
      new TransportClosedError(
        handshaking ? 'the broker closed the connection during the handshake' : 'connection closed',
      );
    if (handshaking) this.#opened?.reject(error);
    for (const peer of [...this.#channels.values()])
      peer.connectionLost(byUs ? new TransportClosedError('connection closed') : error);
    this.#channels.clear();
    this.#markClosed();
    if (!handshaking) this.#events.onClose?.(byUs ? undefined : error);
  }
}
