/**
 * Turns frames into commands, per channel (channels may interleave; frames within one
 * channel may not). A content method waits for its content header, then for body frames
 * until the declared body size is reached; a body that arrives in one frame is passed on
 * as that frame's payload without copying, several fragments are concatenated once.
 *
 * State errors, all 505 UNEXPECTED_FRAME (hard): a content header or body frame with no
 * content method before it, a body frame before the header, a method frame while a
 * channel still expects a header or body, a header for another class or with a non-zero
 * weight, body frames exceeding the declared size. (RabbitMQ reports the last as 501; we
 * follow docs/errors.md.) A declared body size over `maxBodySize` is 501 FRAME_ERROR, as in
 * RabbitMQ. Heartbeats must be on channel 0 with no payload (501) and yield nothing.
 * Method decoding errors come from decodeMethodPayload (501/502/503).
 *
 * A channel being closed (`closeChannel`) ignores every frame except channel.close and
 * channel.close-ok, as the spec requires of a peer waiting for close-ok.
 */
import { frameError, unexpectedFrame, type MethodRef } from './errors.js';
import { FRAME_BODY, FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD } from './generated/constants.js';
import type { ContentMethod, NonContentMethod } from './generated/methods.js';
import type { Command, Content } from './command.js';
import { CONTENT_HEADER_PREFIX, decodeProperties, readContentHeaderPrefix } from './content-header.js';
import type { Frame } from './frame.js';
import { decodeArguments, decodeMethodPayload, methodOfPayload } from './method-codec.js';
import type { BasicProperties } from './properties.js';

/** RabbitMQ's hard limit on a message body (512 MiB). */
export const DEFAULT_MAX_BODY_SIZE = 512 * 1024 * 1024;

const CHANNEL_CLASS = 20;
const CHANNEL_CLOSE = 40;
const CHANNEL_CLOSE_OK = 41;
const EMPTY = Buffer.alloc(0);

export interface CommandAssemblerOptions {
  /** Largest body a content header may declare (default 512 MiB). */
  maxBodySize?: number;
}

/**
 * A channel's content in progress. One per channel that has carried content, reused from
 * message to message (`method === undefined` when idle) to keep the hot path allocation-free.
 */
class ChannelState {
  method: ContentMethod | undefined = undefined;
  classId = 0;
  methodId = 0;
  properties: BasicProperties | undefined = undefined;
  header: Buffer = EMPTY;
  bodySize = 0;
  received = 0;
  /** Body fragments, when the body spans several frames. */
  fragments: Buffer[] | undefined = undefined;

  begin(method: ContentMethod, classId: number, methodId: number): void {
    this.method = method;
    this.classId = classId;
    this.methodId = methodId;
  }

  clear(): void {
    this.method = undefined;
    this.properties = undefined;
    this.header = EMPTY;
    this.bodySize = 0;
    this.received = 0;
    this.fragments = undefined;
  }

  get ref(): MethodRef {
    return { classId: this.classId, methodId: this.methodId };
  }
}

/** Content as assembled; `rawProperties` is a view made on first use. */
class ReceivedContent implements Content {
  private raw: Buffer | undefined = undefined;

  constructor(
    readonly properties: BasicProperties,
    private readonly header: Buffer,
    readonly body: Buffer,
  ) {}

  get rawProperties(): Buffer {
    return (this.raw ??= this.header.subarray(CONTENT_HEADER_PREFIX));
  }
}

export class CommandAssembler {
  private readonly channels = new Map<number, ChannelState>();
  private readonly closing = new Set<number>();
  private readonly maxBodySize: number;

  constructor(options: CommandAssemblerOptions = {}) {
    this.maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  }

  /** Feeds one frame; returns the command it completes, if any. */
  push(frame: Frame): Command | undefined {
    const { type, channel, payload } = frame;
    if (this.closing.size > 0 && this.closing.has(channel)) return this.pushClosing(frame);
    switch (type) {
      case FRAME_METHOD:
        return this.onMethod(channel, payload);
      case FRAME_HEADER:
        return this.onHeader(channel, payload);
      case FRAME_BODY:
        return this.onBody(channel, payload);
      case FRAME_HEARTBEAT:
        if (channel !== 0) throw frameError(`heartbeat frame on channel ${channel}`);
        if (payload.length !== 0) throw frameError(`heartbeat frame with a ${payload.length}-byte payload`);
        return undefined;
      default:
        throw frameError(`unknown frame type ${type} on channel ${channel}`);
    }
  }

  /**
   * Starts discarding a channel's frames (after sending channel.close): pending content is
   * dropped and only channel.close / channel.close-ok get through until `resetChannel`.
   */
  closeChannel(channel: number): void {
    this.channels.delete(channel);
    this.closing.add(channel);
  }

  /** Forgets all state of a channel (closed, or about to be reopened). */
  resetChannel(channel: number): void {
    this.channels.delete(channel);
    this.closing.delete(channel);
  }

  /** True when the channel is in the middle of a content command. */
  isAssembling(channel: number): boolean {
    return this.channels.get(channel)?.method !== undefined;
  }

  private onMethod(channel: number, payload: Buffer): Command | undefined {
    let st = this.channels.get(channel);
    if (st?.method !== undefined) {
      const stage = st.properties === undefined ? 'content header' : 'content body';
      throw unexpectedFrame(`expected ${stage} on channel ${channel}, got a method frame`, st.ref);
    }
    const d = methodOfPayload(payload);
    const method = decodeArguments(d, payload);
    if (!d.hasContent) return { channel, method: method as NonContentMethod, content: undefined };
    if (st === undefined) this.channels.set(channel, (st = new ChannelState()));
    st.begin(method as ContentMethod, d.classId, d.methodId);
    return undefined;
  }

  private onHeader(channel: number, payload: Buffer): Command | undefined {
    const st = this.channels.get(channel);
    if (st?.method === undefined) {
      throw unexpectedFrame(`content header on channel ${channel} without a content method`);
    }
    if (st.properties !== undefined)
      throw unexpectedFrame(`second content header on channel ${channel}`, st.ref);
    if (payload.length < CONTENT_HEADER_PREFIX + 2) readContentHeaderPrefix(payload); // throws the 501
    const classId = (payload[0]! << 8) | payload[1]!;
    const weight = (payload[2]! << 8) | payload[3]!;
    const bodySize = payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
    if (classId !== st.classId) {
      const text = `expected a content header for class ${st.classId}, got one for class ${classId}`;
      throw unexpectedFrame(text, st.ref);
    }
    if (weight !== 0) throw unexpectedFrame(`content header weight ${weight} is not 0`, st.ref);
    if (bodySize > this.maxBodySize) {
      throw frameError(`content body size ${bodySize} exceeds the maximum of ${this.maxBodySize}`);
    }
    st.properties = decodeProperties(classId, payload);
    st.header = payload;
    st.bodySize = bodySize;
    return bodySize > 0 ? undefined : this.complete(channel, st, EMPTY);
  }

  private onBody(channel: number, payload: Buffer): Command | undefined {
    const st = this.channels.get(channel);
    if (st?.method === undefined) {
      throw unexpectedFrame(`content body on channel ${channel} without a content method`);
    }
    if (st.properties === undefined) {
      throw unexpectedFrame(`content body on channel ${channel} before the content header`, st.ref);
    }
    const received = st.received + payload.length;
    if (received > st.bodySize) {
      const text = `content body of ${received} bytes on channel ${channel} exceeds the declared ${st.bodySize}`;
      throw unexpectedFrame(text, st.ref);
    }
    if (received < st.bodySize) {
      if (payload.length > 0) (st.fragments ??= []).push(payload);
      st.received = received;
      return undefined;
    }
    if (st.fragments === undefined) return this.complete(channel, st, payload);
    st.fragments.push(payload);
    return this.complete(channel, st, Buffer.concat(st.fragments, received));
  }

  private complete(channel: number, st: ChannelState, body: Buffer): Command {
    const content = new ReceivedContent(st.properties!, st.header, body);
    const cmd: Command = { channel, method: st.method!, content };
    st.clear();
    return cmd;
  }

  private pushClosing(frame: Frame): Command | undefined {
    const { type, channel, payload } = frame;
    if (type !== FRAME_METHOD || payload.length < 4) return undefined;
    const classId = payload.readUInt16BE(0);
    const methodId = payload.readUInt16BE(2);
    if (classId !== CHANNEL_CLASS || (methodId !== CHANNEL_CLOSE && methodId !== CHANNEL_CLOSE_OK))
      return undefined;
    return { channel, method: decodeMethodPayload(payload) as NonContentMethod, content: undefined };
  }
}
