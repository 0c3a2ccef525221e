/**
 * Encoding whole commands for the server's output path.
 *
 * A CommandWriter appends method / header / body frames for any number of commands into one
 * growable Writer; `take()` returns everything appended since the last take as one Buffer,
 * so a burst of deliveries becomes a single `socket.write`. Each command is encoded
 * atomically: if any part fails (a shortstr over 255 bytes, a value out of range, a frame
 * over frame-max) the writer is rolled back to where the command began and the error
 * (RangeError/TypeError naming the method) is rethrown.
 *
 * Bodies are copied into the output buffer and split into frames of at most frameMax - 8
 * bytes. `writeDeliver` is the hand-inlined fast path for basic.deliver + content, the
 * server's most frequent output; it accepts `rawProperties` so properties received with a
 * publish can be forwarded without re-encoding.
 */
import { writeContentHeaderFrame } from './content-header.js';
import { ClassId, FRAME_MIN_SIZE, FRAME_METHOD } from './generated/constants.js';
import type { Method } from './generated/methods.js';
import type { OutgoingContent } from './command.js';
import { HEARTBEAT_FRAME, writeBodyFrames } from './frame.js';
import { descriptorOf, withContext } from './method-codec.js';
import { Writer } from './writer.js';

/** `basic.deliver` ids as one 32-bit word. */
const BASIC_DELIVER_KEY = (ClassId.BASIC << 16) | 60;
const NO_PROPERTIES = Buffer.from([0, 0]);

/** Appends one method frame (nothing on error). */
export function writeMethodFrame(w: Writer, channel: number, method: Method, frameMax: number): void {
  const d = descriptorOf(method);
  const mark = w.beginFrame(FRAME_METHOD, channel);
  try {
    w.u32(d.key);
    d.encode(w, method);
    w.endFrame(mark, frameMax);
  } catch (e) {
    w.rollback(mark);
    throw withContext(e, d.name);
  }
}

/**
 * Appends a command: the method frame and, for content methods, the content header and
 * body frames. Content is required for content methods and rejected for the others.
 */
export function writeCommand(
  w: Writer,
  channel: number,
  method: Method,
  content: OutgoingContent | undefined,
  frameMax: number,
): void {
  const start = w.mark();
  try {
    const d = descriptorOf(method);
    if (d.hasContent !== (content !== undefined)) {
      throw new TypeError(`${d.name} ${d.hasContent ? 'requires' : 'does not take'} content`);
    }
    writeMethodFrame(w, channel, method, frameMax);
    if (content !== undefined) writeContent(w, channel, d.classId, content, frameMax);
  } catch (e) {
    w.rollback(start);
    throw e;
  }
}

/** Appends a content header frame and the body frames. */
export function writeContent(
  w: Writer,
  channel: number,
  classId: number,
  content: OutgoingContent,
  frameMax: number,
): void {
  const body = content.body;
  const properties = content.rawProperties ?? content.properties ?? NO_PROPERTIES;
  writeContentHeaderFrame(w, channel, classId, body.length, properties, frameMax);
  writeBodyFrames(w, channel, body, frameMax);
}

/** Arguments of basic.deliver, in wire order, for the fast path. */
export interface DeliverArgs {
  consumerTag: string;
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
}

/** Appends basic.deliver + content without building a method object (the hot path). */
export function writeDeliver(
  w: Writer,
  channel: number,
  args: DeliverArgs,
  content: OutgoingContent,
  frameMax: number,
): void {
  const start = w.mark();
  try {
    const mark = w.beginFrame(FRAME_METHOD, channel);
    w.u32(BASIC_DELIVER_KEY);
    w.shortstr(args.consumerTag);
    w.u64(args.deliveryTag);
    w.u8(args.redelivered ? 1 : 0);
    w.shortstr(args.exchange);
    w.shortstr(args.routingKey);
    w.endFrame(mark, frameMax);
    writeContent(w, channel, ClassId.BASIC, content, frameMax);
  } catch (e) {
    w.rollback(start);
    throw withContext(e, 'basic.deliver');
  }
}

export interface CommandWriterOptions {
  /** Negotiated frame-max (default FRAME_MIN_SIZE until tune-ok; 0 = no limit). */
  frameMax?: number;
  /** Initial output slab size in bytes (default 64 KiB). */
  slabSize?: number;
}

/** Per-connection output: append commands, then `take()` one Buffer for socket.write. */
export class CommandWriter {
  readonly writer: Writer;
  frameMax: number;

  constructor(options: CommandWriterOptions = {}) {
    this.writer = new Writer(options.slabSize);
    this.frameMax = options.frameMax ?? FRAME_MIN_SIZE;
  }

  /** Bytes appended since the last take. */
  get length(): number {
    return this.writer.length;
  }

  /** Appends a method, with content when it is a content method. */
  command(channel: number, method: Method, content?: OutgoingContent): this {
    writeCommand(this.writer, channel, method, content, this.frameMax);
    return this;
  }

  /** Appends basic.deliver + content (fast path). */
  deliver(channel: number, args: DeliverArgs, content: OutgoingContent): this {
    writeDeliver(this.writer, channel, args, content, this.frameMax);
    return this;
  }

  heartbeat(): this {
    this.writer.bytes(HEARTBEAT_FRAME);
    return this;
  }

  /** Everything appended since the last take, as one Buffer (never overwritten later). */
  take(): Buffer {
    return this.writer.take();
  }
}

const scratch = new Writer();

/** Encodes one command into a standalone Buffer (a view of a shared, append-only slab). */
export function encodeCommand(
  channel: number,
  method: Method,
  content?: OutgoingContent,
  frameMax: number = 0,
): Buffer {
  writeCommand(scratch, channel, method, content, frameMax);
  return scratch.take();
}
