/**
 * One client socket: bytes → frames → commands, the connection-level state machine
 * (protocol header, start/start-ok, tune/tune-ok, open/open-ok, close/close-ok), heartbeats,
 * flow control, and turning every failure into the right close.
 *
 * Error policy (as RabbitMQ's rabbit_reader):
 * - a wrong protocol header is answered with the 0-9-1 header, then the socket is closed;
 * - before connection.open-ok only a refused login (403, when the client advertises
 *   authentication_failure_close) and a refused vhost (530) get a connection.close, then we
 *   wait (bounded) for close-ok; any other handshake error (a refused login without that
 *   capability, a refused tune-ok, an unexpected frame) gets no close: reading stops and
 *   the socket is dropped after `silentCloseDelayMs` (RabbitMQ's SILENT_CLOSE_DELAY, 3 s,
 *   which keeps a client from hammering the server with failed logins);
 * - after open, a ConnectionError (engine or codec FrameError 501/502/503/505) is sent as
 *   connection.close, everything but close/close-ok is then ignored, and the socket is
 *   destroyed on close-ok or after `closeTimeoutMs`; anything else thrown while handling
 *   this connection is a bug and becomes 541 INTERNAL_ERROR for this connection only;
 * - when the engine closes the connection by itself (vhost deleted, Broker.close) its
 *   reason (320 CONNECTION_FORCED) is sent as connection.close the same way.
 * Invariant: when the socket is gone the engine connection is closed (unacked requeued).
 */
import type { Socket } from 'node:net';
import type { EngineConnection } from '../../broker/connection.js';
import type { Command } from '../../protocol/command.js';
import { CommandAssembler } from '../../protocol/command-assembler.js';
import { AmqpError, ConnectionError, channelErrorHard, internalError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type {
  ConnectionOpen,
  ConnectionStartOk,
  ConnectionTuneOk,
  Method,
} from '../../protocol/generated/methods.js';
import { FrameParser } from '../../protocol/frame-parser.js';
import { PROTOCOL_HEADER, ProtocolHeaderError } from '../../protocol/protocol-header.js';
import { ChannelTable } from './channel-table.js';
import { FrameWriter } from './frame-writer.js';
import { authenticate, checkVhostAccess, negotiateTune, tuneFor } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import { clientHasCapability, connectionStart } from './server-properties.js';
import type { ServerContext } from './server-context.js';
import type { ConnectionInfo } from './connection-info.js';

type State = 'header' | 'start' | 'tune' | 'open' | 'running' | 'closing' | 'closed';

/** A handshake-time failure that RabbitMQ answers by just closing the socket. */
class HandshakeError extends Error {}

/** Output backlog (× the write high-water mark) at which we stop reading from the client. */
const READ_PAUSE_FACTOR = 4;
/** Commands queued behind held channels (a definitions save) at which we stop reading. */
const MAX_HELD_COMMANDS = 10_000;

export class TcpConnection {
  readonly peer: string;
  readonly writer: FrameWriter;
  private state: State = 'header';
  private readonly parser = new FrameParser({ expectProtocolHeader: true });
  private readonly assembler = new CommandAssembler();
  private readonly heartbeat: Heartbeat;
  private engine: EngineConnection | undefined;
  private channels: ChannelTable | undefined;
  private user = '';
  private vhost = '';
  private clientProperties: FieldTable = {};
  private channelMax = 0;
  private bytesIn = 0;
  private timer: NodeJS.Timeout | undefined;
  private closeReason = 'client closed the socket';
  private readingPaused = false;
  private blockedSent = false;
  /** A failed handshake waiting out silentCloseDelayMs before the socket is dropped. */
  private silentClosing = false;
  private readonly connectedAt = Date.now();

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ServerContext,
  ) {
    socket.setNoDelay(true);
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.writer = new FrameWriter(
      socket,
      { onWritable: () => this.channels?.resumeDeliveries(), onFlush: () => this.heartbeat.sent() },
      ctx.limits.writeHighWaterMark,
    );
    this.heartbeat = new Heartbeat({
      sendHeartbeat: () => this.sendHeartbeat(),
      peerDead: () => this.peerDead(),
      readingPaused: () => this.readingPaused,
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.updateReading());
    socket.on('error', (err) => (this.closeReason = `socket error: ${err.message}`));
    socket.on('close', () => this.onSocketClosed());
    this.arm(ctx.limits.handshakeTimeoutMs, () => this.abort('handshake timeout'), false);
  }

  /** A snapshot for the management API. */
  info(): ConnectionInfo {
    return {
      peer: this.peer,
      user: this.user,
      vhost: this.vhost,
      state: this.state,
      connectedAt: this.connectedAt,
      clientProperties: this.clientProperties,
      heartbeat: this.heartbeat.intervalSeconds,
      engine: this.engine,
      bufferedBytes: this.writer.bufferedBytes,
    };
  }

  get isOpen(): boolean {
    return this.state === 'running';
  }

  /** Server shutdown or an admin action: connection.close with `error` (e.g. 320). */
  forceClose(error: ConnectionError): void {
    if (this.state === 'running') this.closeWith(error);
    else if (this.silentClosing) this.socket.destroy();
    else if (this.state !== 'closing' && this.state !== 'closed') this.abort(error.replyText);
  }

  /**
   * The memory or disk alarm changed. As RabbitMQ, a connection is blocked (connection.blocked
   * to capable clients, reading paused) once it publishes during an alarm; unblocked after.
   */
  alarmChanged(): void {
    this.updateReading();
  }

  // ---- input ----

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.heartbeat.received();
    try {
      this.bytesIn += chunk.length;
      const frames = this.parser.push(chunk);
      if (this.state === 'header' && this.bytesIn >= PROTOCOL_HEADER.length) this.sendStart();
      for (const frame of frames) {
        // Handling a command may close the connection (the narrowing does not see it).
        if ((this.state as State) === 'closed') return;
        const cmd = this.assembler.push(frame);
        if (cmd !== undefined) this.onCommand(cmd);
      }
    } catch (e) {
      this.onError(e);
    }
    this.updateReading();
  }

  private onCommand(cmd: Command): void {
    if (cmd.channel === 0) return this.onConnectionMethod(cmd.method);
    if (this.state === 'running') return this.channels!.onCommand(cmd);
    if (this.state === 'closing') return;
    throw new HandshakeError(`frame on channel ${cmd.channel} before connection.open`);
  }

  private onConnectionMethod(m: Method): void {
    switch (this.state) {
      case 'start':
        if (m.name === 'connection.start-ok') return this.onStartOk(m);
        break;
      case 'tune':
        if (m.name === 'connection.tune-ok') return this.onTuneOk(m);
        break;
      case 'open':
        if (m.name === 'connection.open') return this.onOpen(m);
        break;
      case 'running':
        return this.onRunningMethod(m);
      case 'closing':
        if (m.name === 'connection.close') this.send({ name: 'connection.close-ok' });
        if (m.name === 'connection.close' || m.name === 'connection.close-ok') this.finish();
        return;
      case 'header':
      case 'closed':
        break;
    }
    throw new HandshakeError(`unexpected ${m.name} in connection state ${this.state}`);
  }

  private onRunningMethod(m: Method): void {
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
    switch (m.name) {
      case 'connection.close':
        this.closeReason = `client closed: ${m.replyCode} ${m.replyText}`;
        this.engine!.close();
        this.send({ name: 'connection.close-ok' });
        return this.finish();
      case 'connection.update-secret':
        return this.send({ name: 'connection.update-secret-ok' });
      case 'connection.blocked':
      case 'connection.unblocked':
        return;
      default:
        throw channelErrorHard('unexpected method in connection state running');
    }
  }

  // ---- handshake ----

  private sendStart(): void {
    this.state = 'start';
    this.send(connectionStart(this.ctx.clusterName));
  }

  private onStartOk(m: ConnectionStartOk): void {
    this.clientProperties = m.clientProperties;
    const result = authenticate(this.ctx.users, m, isLoopback(this.socket.remoteAddress));
    if (typeof result !== 'string') {
      this.ctx.logger.warn(`connection ${this.peer}: ${result.replyText}`);
      if (clientHasCapability(m.clientProperties, 'authentication_failure_close'))
        return this.closeWith(result);
      return this.silentClose(result.replyText);
    }
    this.user = result;
    this.state = 'tune';
    this.send(tuneFor(this.ctx.limits));
  }

  private onTuneOk(m: ConnectionTuneOk): void {
    const tuning = negotiateTune(this.ctx.limits, m);
    this.parser.frameMax = tuning.frameMax;
    this.writer.out.frameMax = tuning.frameMax;
    this.channelMax = tuning.channelMax;
    this.heartbeat.start(tuning.heartbeat);
    this.state = 'open';
  }

  private onOpen(m: ConnectionOpen): void {
    try {
      checkVhostAccess(this.ctx.broker, this.ctx.users, this.user, m.virtualHost);
      this.engine = this.ctx.broker.connect({
        vhost: m.virtualHost,
        user: this.user,
        clientProperties: this.clientProperties,
        name: this.peer,
      });
      this.engine.access = this.ctx.users;
      this.engine.onClosed = (reason) => this.engineClosed(reason);
    } catch (e) {
      if (e instanceof ConnectionError) return this.closeWith(e);
      throw e;
    }
    this.vhost = m.virtualHost;
    this.channels = new ChannelTable(
      this.writer,
      this.assembler,
      this.ctx.broker,
      this.engine,
      this.channelMax,
      { replay: (cmd) => this.replay(cmd), failed: (e) => this.closeWith(e) },
    );
    this.state = 'running';
    this.disarm();
    this.send({ name: 'connection.open-ok', knownHosts: '' });
    this.ctx.logger.info(`connection ${this.peer} opened: user '${this.user}', vhost '${this.vhost}'`);
  }

  /** A command that waited for its channel (a definitions save): handled now, if still running. */
  private replay(cmd: Command): void {
    if (this.state !== 'running') return;
    try {
      this.onCommand(cmd);
    } catch (e) {
      this.onError(e);
    }
    this.updateReading();
  }

  // ---- errors and closing ----

  /**
   * The engine closed the connection itself. Deferred to a microtask: when this runs inside
   * a channel method that then throws the same hard error, onError sends the close first and
   * this becomes a no-op; otherwise (vhost deleted, broker closed) this sends it.
   */
  private engineClosed(reason: AmqpError): void {
    queueMicrotask(() => {
      if (this.state === 'running') this.closeWith(reason);
    });
  }

  private onError(e: unknown): void {
    if (e instanceof ProtocolHeaderError) {
      this.closeReason = e.message;
      this.state = 'closed';
      this.socket.end(e.reply);
      return;
    }
    if (this.state === 'closing' || this.state === 'closed') return this.abort(describe(e));
    if (this.state !== 'running') return this.silentClose(`handshake failed: ${describe(e)}`);
    if (e instanceof AmqpError && e.scope === 'connection') return this.closeWith(e);
    this.ctx.logger.warn(
      `connection ${this.peer}: internal error: ${e instanceof Error ? e.stack : String(e)}`,
    );
    this.closeWith(internalError(describe(e)));
  }

  /** Sends connection.close and waits (bounded) for close-ok. */
  private closeWith(error: AmqpError): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.engine?.connectionFailed(error);
    this.closeReason = error.replyText;
    this.state = 'closing';
    const { replyCode, replyText, classId, methodId } = error;
    this.send({ name: 'connection.close', replyCode, replyText, classId, methodId });
    this.arm(this.ctx.limits.closeTimeoutMs, () => this.socket.destroy());
  }

  /** Close handshake done: flush, half-close, and give the peer a bounded time to go. */
  private finish(): void {
    this.state = 'closed';
    this.writer.end();
    this.arm(this.ctx.limits.closeTimeoutMs, () => this.socket.destroy());
  }

  /** Drops the socket without a close handshake (handshake errors, dead peer). */
  private abort(reason: string): void {
    this.closeReason = reason;
    this.state = 'closed';
    this.writer.end();
    this.socket.destroy();
  }

  /**
   * A handshake error RabbitMQ answers without connection.close: stop reading and drop the
   * socket after silentCloseDelayMs (rabbit_reader sleeps SILENT_CLOSE_DELAY, then closes).
   */
  private silentClose(reason: string): void {
    this.closeReason = reason;
    this.state = 'closed';
    this.heartbeat.stop();
    if (this.ctx.limits.silentCloseDelayMs <= 0) return this.abort(reason);
    this.silentClosing = true;
    this.readingPaused = true;
    this.socket.pause();
    this.arm(this.ctx.limits.silentCloseDelayMs, () => this.socket.destroy(), false);
  }

  private peerDead(): void {
    this.abort(`missed heartbeats from client, timeout: ${this.heartbeatSeconds()}s`);
  }

  private heartbeatSeconds(): number {
    return this.heartbeat.intervalSeconds;
  }

  private onSocketClosed(): void {
    const wasOpen = this.engine !== undefined;
    this.state = 'closed';
    this.disarm();
    this.heartbeat.stop();
    this.writer.destroy();
    try {
      this.engine?.close();
    } catch (e) {
      this.ctx.logger.warn(`connection ${this.peer}: error releasing: ${describe(e)}`);
    }
    const what = wasOpen ? `connection ${this.peer} closed` : `connection ${this.peer} closed before open`;
    this.ctx.logger.info(`${what}: ${this.closeReason}`);
    this.ctx.connectionClosed(this);
  }

  // ---- output and flow control ----

  private send(method: Method): void {
    if (this.writer.isClosed) return;
    // Coalesced publisher acks go before a connection.close (nothing may follow it).
    this.writer.releaseHeld();
    this.writer.out.command(0, method);
    this.writer.schedule();
  }

  private sendHeartbeat(): void {
    if (this.writer.isClosed) return;
    this.writer.out.heartbeat();
    this.writer.schedule();
  }

  /**
   * Pause reading while a resource alarm is set (publishers only: memory over the watermark,
   * disk under the free limit) or while our output is backed up.
   */
  private updateReading(): void {
    if (this.state === 'closed') return;
    const alarm = (this.ctx.memoryAlarm || this.ctx.diskAlarm) && (this.channels?.publishing ?? false);
    if (alarm !== this.blockedSent && this.state === 'running') this.notifyBlocked(alarm);
    const backlog =
      this.writer.bufferedBytes > READ_PAUSE_FACTOR * this.ctx.limits.writeHighWaterMark ||
      (this.channels?.heldCount ?? 0) > MAX_HELD_COMMANDS;
    const pause = alarm || backlog;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  private notifyBlocked(blocked: boolean): void {
    this.blockedSent = blocked;
    if (!clientHasCapability(this.clientProperties, 'connection.blocked')) return;
    this.send(
      blocked
        ? { name: 'connection.blocked', reason: this.ctx.memoryAlarm ? 'low on memory' : 'low on disk' }
        : { name: 'connection.unblocked' },
    );
  }

  /** One timer at a time; `keepAlive` for close timeouts, so a shutdown always completes. */
  private arm(ms: number, fn: () => void, keepAlive = true): void {
    this.disarm();
    this.timer = setTimeout(fn, ms);
    if (!keepAlive) this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
