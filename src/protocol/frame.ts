/**
 * Frames: `type(1) channel(2) size(4) payload(size) frame-end(0xCE)`.
 *
 * `frameMax` is the negotiated maximum size of a whole frame, overhead included (so a body
 * frame carries at most frameMax - 8 bytes); 0 means no limit. Frames handed out by the
 * parser are views of the received chunks: treat them as read-only.
 */
import { frameError, unexpectedFrame } from './errors.js';
import {
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_OVERHEAD,
} from './generated/constants.js';
import type { Writer } from './writer.js';

export interface Frame {
  /** FRAME_METHOD, FRAME_HEADER, FRAME_BODY or FRAME_HEARTBEAT. */
  readonly type: number;
  readonly channel: number;
  readonly payload: Buffer;
}

/** Type + channel + size. */
export const FRAME_HEADER_SIZE = 7;

/** The only heartbeat frame there is: type 8, channel 0, empty payload. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);

/** Largest payload a frame may carry under `frameMax` (0 = no limit → 2^32 - 1). */
export function maxPayload(frameMax: number): number {
  return frameMax === 0 ? 0xffff_ffff : frameMax - FRAME_OVERHEAD;
}

/**
 * Checks what the 7-byte frame header alone can tell: a known type, a heartbeat on
 * channel 0 with an empty payload, and (when frameMax > 0) the size limit. 501 otherwise,
 * except a heartbeat on another channel: 505 UNEXPECTED_FRAME, as RabbitMQ's reader answers.
 */
export function checkFrameHeader(type: number, channel: number, size: number, frameMax: number): void {
  if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY) {
    if (type !== FRAME_HEARTBEAT) throw frameError(`unknown frame type ${type} on channel ${channel}`);
    if (channel !== 0) throw unexpectedFrame(`heartbeat frame on channel ${channel}`);
    if (size !== 0) throw frameError(`heartbeat frame with a ${size}-byte payload`);
  }
  if (frameMax > 0 && size + FRAME_OVERHEAD > frameMax) {
    throw frameError(`frame of ${size + FRAME_OVERHEAD} bytes exceeds frame-max ${frameMax}`);
  }
}

/** Appends one frame with the given payload. */
export function writeFrame(
  w: Writer,
  type: number,
  channel: number,
  payload: Uint8Array,
  frameMax = 0,
): void {
  const mark = w.beginFrame(type, channel);
  w.bytes(payload);
  w.endFrame(mark, frameMax);
}

/** Appends `body` as body frames of at most frameMax - 8 bytes each (none for an empty body). */
export function writeBodyFrames(w: Writer, channel: number, body: Uint8Array, frameMax: number): void {
  const step = maxPayload(frameMax);
  if (step <= 0) throw new RangeError(`frame-max ${frameMax} leaves no room for a body`);
  const n = body.length;
  w.ensure(n + FRAME_OVERHEAD * Math.ceil(n / step));
  for (let off = 0; off < n; off += step) {
    const end = Math.min(n, off + step);
    const mark = w.beginFrame(FRAME_BODY, channel);
    w.bytes(end - off === n ? body : body.subarray(off, end));
    w.endFrame(mark, 0);
  }
}
