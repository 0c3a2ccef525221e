/**
 * A connection's open channels, on the wire side: channel.open / close / close-ok / flow, and
 * every other channel method handed to the engine through channel-dispatch.
 *
 * Invariants (spec §2.3.5 / RabbitMQ):
 * - opening a channel when channel_max channels are already open is a 530 NOT_ALLOWED
 *   connection error; the channel number itself may exceed channel_max (RabbitMQ 3.10);
 * - a frame on a channel that is not open is a 504 CHANNEL_ERROR connection error;
 * - after we send channel.close the channel is `closing`: the assembler drops everything on
 *   it except channel.close / close-ok, and the number stays taken until close-ok arrives,
 *   even when the client's own channel.close crosses ours (we answer it with close-ok and
 *   keep waiting, as rabbit_channel does);
 * - channel.flow(active=false) is 540 NOT_IMPLEMENTED, a connection error, as in RabbitMQ;
 * - an engine ChannelError has already released the engine channel, so closing it here only
 *   means telling the client; a ConnectionError propagates to the connection. Either carries
 *   the class and method ids of the method that failed, stamped here in one place (as
 *   rabbit_channel stamps the method it was handling onto every amqp_error).
 * Engine calls run inside one scheduler turn together with writing their reply, so the -ok
 * (e.g. basic.consume-ok) is always on the wire before the deliveries it enables.
 * - a method that changed durable definitions (declare, bind, delete of durable entities) is
 *   answered only after the broker saved them (fsync), as publisher confirms; until then the
 *   channel is held: its later commands wait, in order, so nothing overtakes the -ok. A
 *   failed save closes the connection with 541 INTERNAL_ERROR (never an -ok).
 */
import type { Broker } from '../../broker/broker.js';
import type { EngineChannel } from '../../broker/channel/channel.js';
import type { EngineConnection } from '../../broker/connection.js';
import type { Command, OutgoingContent } from '../../protocol/command.js';
import type { CommandAssembler } from '../../protocol/command-assembler.js';
import {
  AmqpError,
  ChannelError,
  channelErrorHard,
  internalError,
  notAllowed,
  notImplemented,
} from '../../protocol/errors.js';
import type { Method } from '../../protocol/generated/methods.js';
import { methodRef } from '../../protocol/method-codec.js';
import { dispatchChannelMethod } from './channel-dispatch.js';
import type { FrameWriter } from './frame-writer.js';
import { SocketSink } from './socket-sink.js';
import type { SinkOwner } from './socket-sink.js';

interface ChannelEntry {
  readonly engine: EngineChannel;
  readonly sink: SocketSink;
  closing: boolean;
  /** Commands waiting for a definitions save this channel's last method needs. */
  held: Command[] | undefined;
}

/** What the table needs from its connection for work finishing after a command returned. */
export interface ChannelTableHost {
  /** Handles a command that waited (as if it had just arrived). */
  replay(cmd: Command): void;
  /** An asynchronous failure (a failed definitions save): close the connection with it. */
  failed(error: AmqpError): void;
}

/** Methods that may change durable definitions: answered only once those are on disk. */
const DEFINITION_METHODS: ReadonlySet<string> = new Set([
  'exchange.declare',
  'exchange.delete',
  'exchange.bind',
  'exchange.unbind',
  'queue.declare',
  'queue.bind',
  'queue.unbind',
  'queue.delete',
]);

type HeldReply = [Method, OutgoingContent | undefined];

const CHANNEL_OPEN = { classId: 20, methodId: 10 };

export class ChannelTable implements SinkOwner {
  private readonly channels = new Map<number, ChannelEntry>();
  /** Set once a basic.publish was seen (a memory alarm pauses only publishers). */
  publishing = false;
  /** Commands waiting on held channels (the connection stops reading while there are many). */
  heldCount = 0;

  constructor(
    readonly writer: FrameWriter,
    private readonly assembler: CommandAssembler,
    private readonly broker: Broker,
    private readonly engine: EngineConnection,
    private readonly channelMax: number,
    private readonly host: ChannelTableHost,
  ) {}

  get size(): number {
    return this.channels.size;
  }

  /** Handles one command on a non-zero channel of a running connection. */
  onCommand(cmd: Command): void {
    const id = cmd.channel;
    const m = cmd.method;
    const entry = this.channels.get(id);
    if (m.name === 'channel.open') return this.open(id, entry);
    if (entry === undefined) throw channelErrorHard("expected 'channel.open'", methodRef(m));
    if (entry.held !== undefined) {
      entry.held.push(cmd);
      this.heldCount++;
      return;
    }
    if (entry.closing) return this.onClosing(id, m);
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
    switch (m.name) {
      case 'channel.close':
        entry.engine.close();
        entry.sink.flushPending();
        this.drop(id);
        return this.send(id, { name: 'channel.close-ok' });
      case 'channel.close-ok':
      case 'channel.flow-ok':
        return;
      case 'channel.flow':
        if (!m.active) throw notImplemented('active=false', methodRef(m));
        return this.send(id, { name: 'channel.flow-ok', active: entry.engine.channelFlow(true) });
      default:
        return this.run(id, entry, cmd);
    }
  }

  /** Sends channel.close for an engine ChannelError (already released in the engine). */
  channelFailed(id: number, error: AmqpError): void {
    const entry = this.channels.get(id);
    if (entry === undefined || entry.closing) return;
    entry.closing = true;
    this.assembler.closeChannel(id);
    const { replyCode, replyText, classId, methodId } = error;
    this.send(id, { name: 'channel.close', replyCode, replyText, classId, methodId });
  }

  /** The socket can take more: restart deliveries the engine held back. */
  resumeDeliveries(): void {
    for (const entry of this.channels.values()) if (!entry.closing) entry.engine.resumeDelivery();
  }

  private open(id: number, entry: ChannelEntry | undefined): void {
    if (entry !== undefined) throw channelErrorHard("second 'channel.open' seen", CHANNEL_OPEN);
    // As rabbit_reader:create_channel: the limit is on the count of open channels (closing
    // ones included until their close-ok), not on the channel number, and the 530 names no method.
    if (this.channelMax !== 0 && this.channels.size >= this.channelMax) {
      throw notAllowed(
        `number of channels opened (${this.channels.size}) has reached the negotiated channel_max (${this.channelMax})`,
      );
    }
    const sink = new SocketSink(id, this);
    const engine = this.engine.openChannel(id, sink);
    this.channels.set(id, { engine, sink, closing: false, held: undefined });
    this.assembler.resetChannel(id);
    this.send(id, { name: 'channel.open-ok', channelId: Buffer.alloc(0) });
  }

  /** Our channel.close is out: answer a crossing channel.close, free the number on close-ok. */
  private onClosing(id: number, m: Method): void {
    if (m.name === 'channel.close') this.send(id, { name: 'channel.close-ok' });
    else if (m.name === 'channel.close-ok') this.drop(id);
  }

  private run(id: number, entry: ChannelEntry, cmd: Command): void {
    if (cmd.content !== undefined) this.publishing = true;
    const name = cmd.content === undefined ? cmd.method.name : '';
    const durable = DEFINITION_METHODS.has(name);
    let reply: HeldReply | undefined;
    try {
      this.broker.scheduler.run(() =>
        dispatchChannelMethod(entry.engine, cmd, (method, content) => {
          // Held back: a durable change's -ok until saved, a get-empty until we know it is not
          // just a message still being written. Anything else goes out inside the turn.
          if (durable || method.name === 'basic.get-empty') reply = [method, content];
          else this.send(id, method, content);
        }),
      );
    } catch (e) {
      if (e instanceof AmqpError) e.stampMethod(methodRef(cmd.method));
      if (e instanceof ChannelError) return this.channelFailed(id, e);
      throw e;
    }
    if (durable) return this.afterDefinitionsSaved(id, entry, cmd, reply);
    if (reply === undefined) return;
    if (reply[0].name === 'basic.get-empty' && this.getWaitsForSync(id, entry, cmd)) return;
    this.send(id, reply[0], reply[1]);
  }

  private afterDefinitionsSaved(
    id: number,
    entry: ChannelEntry,
    cmd: Command,
    reply: HeldReply | undefined,
  ): void {
    const saved = this.broker.definitionsSaved();
    if (saved === undefined) {
      if (reply !== undefined) this.send(id, reply[0], reply[1]);
      return;
    }
    entry.held = [];
    saved.then(
      () => this.release(id, entry, reply),
      (e: unknown) => {
        const text = e instanceof Error ? e.message : String(e);
        this.host.failed(internalError(`definitions could not be saved: ${text}`, methodRef(cmd.method)));
      },
    );
  }

  /**
   * basic.get found the queue's next message still being written (persistent messages of
   * durable queues are deliverable once synced): instead of get-empty, the channel is held
   * until the log is synced and the get runs again. True when it waits.
   */
  private getWaitsForSync(id: number, entry: ChannelEntry, cmd: Command): boolean {
    const m = cmd.method;
    const store = this.broker.store;
    if (m.name !== 'basic.get' || store.sync === undefined) return false;
    if (this.engine.vhost.queues.get(m.queue)?.headUnsynced !== true) return false;
    entry.held = [cmd];
    this.heldCount++;
    // Through a timer, not straight from the promise: while the log is failing sync()
    // resolves at once, and a microtask loop of retried gets would starve the retry itself.
    void store.sync().then(() => setTimeout(() => this.release(id, entry, undefined), 1));
    return true;
  }

  /** The save a held channel waited for is done: answer, then replay what waited, in order. */
  private release(id: number, entry: ChannelEntry, reply: HeldReply | undefined): void {
    const held = entry.held ?? [];
    entry.held = undefined;
    this.heldCount -= held.length;
    if (this.channels.get(id) !== entry || this.writer.isClosed) return;
    if (reply !== undefined) this.send(id, reply[0], reply[1]);
    for (let i = 0; i < held.length; i++) {
      // A replayed declaration may hold the channel again: the rest waits behind it.
      const again = entry.held as Command[] | undefined;
      if (again !== undefined) {
        const rest = held.slice(i);
        again.push(...rest);
        this.heldCount += rest.length;
        return;
      }
      this.host.replay(held[i]!);
    }
  }

  private drop(id: number): void {
    this.channels.delete(id);
    this.assembler.resetChannel(id);
  }

  /** Writes a reply or close on channel `id`, after the publisher acks it has queued. */
  private send(id: number, method: Method, content?: OutgoingContent): void {
    if (this.writer.isClosed) return;
    this.channels.get(id)?.sink.flushPending();
    this.writer.out.command(id, method, content);
    this.writer.schedule();
  }
}
