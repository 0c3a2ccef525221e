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
import { frameError, unexpectedFrame } from './errors.js';
import { FRAME_BODY, FRAME_HEADER, FRAME_HEARTBEAT, FRAME_METHOD } from './generated/constants.js';
import type { ContentMethod, NonContentMethod } from './generated/methods.js';
import type { Command, Content } from './command.js';
import { CONTENT_HEADER_PREFIX, decodeProperties, readContentHeaderPrefix } from './content-header.js';
import type { Frame } from './frame.js';
import { decodeArguments, decodeMethodPayload, methodOfPayload, methodRef } from './method-codec.js';
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

/** A content method waiting for its header (properties undefined) or body. */
class PendingContent {
  properties: BasicProperties | undefined = undefined;
  header: Buffer = EMPTY;
  bodySize = 0;
  received = 0;
  fragments: Buffer[] = [];

  constructor(
    readonly method: ContentMethod,
    readonly classId: number,
  ) {}
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
  private readonly pending = new Map<number, PendingContent>();
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
    this.pending.delete(channel);
    this.closing.add(channel);
  }

  /** Forgets all state of a channel (closed, or about to be reopened). */
  resetChannel(channel: number): void {
    this.pending.delete(channel);
    this.closing.delete(channel);
  }

  /** True when the channel is in the middle of a content command. */
  isAssembling(channel: number): boolean {
    return this.pending.has(channel);
  }

  private onMethod(channel: number, payload: Buffer): Command | undefined {
    const waiting = this.pending.get(channel);
    if (waiting !== undefined) {
      const stage = waiting.properties === undefined ? 'content header' : 'content body';
      throw unexpectedFrame(
        `expected ${stage} on channel ${channel}, got a method frame`,
        methodRef(waiting.method),
      );
    }
    const d = methodOfPayload(payload);
    const method = decodeArguments(d, payload);
    if (!d.hasContent) return { channel, method: method as NonContentMethod, content: undefined };
    this.pending.set(channel, new PendingContent(method as ContentMethod, d.classId));
    return undefined;
  }

  private onHeader(channel: number, payload: Buffer): Command | undefined {
    const p = this.pending.get(channel);
    if (p === undefined)
      throw unexpectedFrame(`content header on channel ${channel} without a content method`);
    const ref = methodRef(p.method);
    if (p.properties !== undefined) throw unexpectedFrame(`second content header on channel ${channel}`, ref);
    if (payload.length < CONTENT_HEADER_PREFIX + 2) readContentHeaderPrefix(payload); // throws the 501
    const classId = (payload[0]! << 8) | payload[1]!;
    const weight = (payload[2]! << 8) | payload[3]!;
    const bodySize = payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
    if (classId !== p.classId) {
      throw unexpectedFrame(
        `expected a content header for class ${p.classId}, got one for class ${classId}`,
        ref,
      );
    }
    if (weight !== 0) throw unexpectedFrame(`content header weight ${weight} is not 0`, ref);
    if (bodySize > this.maxBodySize) {
      throw frameError(`content body size ${bodySize} exceeds the maximum of ${this.maxBodySize}`);
    }
    p.properties = decodeProperties(classId, payload);
    p.header = payload;
    p.bodySize = bodySize;
    if (bodySize > 0) return undefined;
    this.pending.delete(channel);
    return this.complete(channel, p, EMPTY);
  }

  private onBody(channel: number, payload: Buffer): Command | undefined {
    const p = this.pending.get(channel);
    if (p === undefined) throw unexpectedFrame(`content body on channel ${channel} without a content method`);
    if (p.properties === undefined) {
      throw unexpectedFrame(
        `content body on channel ${channel} before the content header`,
        methodRef(p.method),
      );
    }
    const received = p.received + payload.length;
    if (received > p.bodySize) {
      throw unexpectedFrame(
        `content body of ${received} bytes on channel ${channel} exceeds the declared ${p.bodySize}`,
        methodRef(p.method),
      );
    }
    if (received < p.bodySize) {
      if (payload.length > 0) p.fragments.push(payload);
      p.received = received;
      return undefined;
    }
    this.pending.delete(channel);
    if (p.fragments.length === 0) return this.complete(channel, p, payload);
    p.fragments.push(payload);
    return this.complete(channel, p, Buffer.concat(p.fragments, received));
  }

  private complete(channel: number, p: PendingContent, body: Buffer): Command {
    return { channel, method: p.method, content: new ReceivedContent(p.properties!, p.header, body) };
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
