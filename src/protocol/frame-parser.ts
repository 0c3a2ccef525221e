/**
 * Incremental frame parser: feed it TCP chunks of any size, get whole frames back.
 *
 * Zero-copy when possible: a frame lying inside one chunk is returned as a `subarray` view
 * of that chunk; only a frame straddling chunks is copied (once, when it is complete), and
 * the bytes of an incomplete frame are kept as views until then, so memory grows with what
 * the peer actually sent, never with what a frame header merely claims. The caller must not
 * mutate a chunk after pushing it.
 *
 * What the frame envelope alone can tell is checked as soon as the 7 header bytes are in —
 * unknown type, heartbeat off channel 0 or with a payload, size over frame-max — and a bad
 * frame-end octet when the frame completes: all 501 FRAME_ERROR. After such an error (or a
 * bad protocol header) the byte stream cannot be resynchronised, so the parser stays failed
 * and rethrows it. `push` parses the whole chunk before returning, so the parser's state is
 * always consistent even if the caller fails while handling the returned frames.
 */
import { FrameError, frameError } from './errors.js';
import { FRAME_END, FRAME_MIN_SIZE } from './generated/constants.js';
import { FRAME_HEADER_SIZE, checkFrameHeader, type Frame } from './frame.js';
import { PROTOCOL_HEADER, ProtocolHeaderError } from './protocol-header.js';

export interface FrameParserOptions {
  /**
   * Largest whole frame accepted, overhead included; 0 = no limit. Defaults to
   * FRAME_MIN_SIZE (4096), what a peer must accept before connection.tune-ok.
   */
  frameMax?: number;
  /** Expect the 8-byte protocol header before the first frame (server side). */
  expectProtocolHeader?: boolean;
}

export class FrameParser {
  private _frameMax: number;
  /** Protocol header bytes still expected (0 once matched). */
  private headerLeft: number;
  private readonly headerSeen = Buffer.alloc(PROTOCOL_HEADER.length);
  /** Bytes of a partial frame header (fewer than 7 so far), or of the current partial frame. */
  private readonly partHeader = Buffer.alloc(FRAME_HEADER_SIZE);
  private partHeaderLen = 0;
  /** Set while a frame whose header is known is incomplete. */
  private partial = false;
  private partType = 0;
  private partChannel = 0;
  /** payload + frame-end bytes of the partial frame. */
  private partNeed = 0;
  private partHave = 0;
  private partChunks: Buffer[] = [];
  private failure: Error | undefined;

  constructor(options: FrameParserOptions = {}) {
    this._frameMax = checkFrameMax(options.frameMax ?? FRAME_MIN_SIZE);
    this.headerLeft = options.expectProtocolHeader === true ? PROTOCOL_HEADER.length : 0;
  }

  /** Current frame-max (update it after connection.tune-ok). */
  get frameMax(): number {
    return this._frameMax;
  }

  set frameMax(value: number) {
    this._frameMax = checkFrameMax(value);
  }

  /** True while bytes of an incomplete frame (or protocol header) are buffered. */
  get hasPartialData(): boolean {
    const inProtocolHeader = this.headerLeft > 0 && this.headerLeft < PROTOCOL_HEADER.length;
    return this.partial || this.partHeaderLen > 0 || inProtocolHeader;
  }

  /**
   * Parses a chunk and returns the frames it completes (possibly none). Throws
   * ProtocolHeaderError on a wrong protocol header and FrameError (501) on a bad frame.
   */
  push(chunk: Buffer): Frame[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.parse(chunk);
    } catch (e) {
      if (e instanceof FrameError || e instanceof ProtocolHeaderError) this.failure = e;
      throw e;
    }
  }

  private parse(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    const len = chunk.length;
    let off = 0;
    if (this.headerLeft > 0) {
      off = this.readProtocolHeader(chunk);
      if (this.headerLeft > 0) return frames;
    }
    if (this.partial || this.partHeaderLen > 0) {
      off = this.continuePartial(chunk, off, frames);
      if (this.partial || this.partHeaderLen > 0) return frames;
    }
    const frameMax = this._frameMax;
    while (len - off >= FRAME_HEADER_SIZE) {
      const type = chunk[off]!;
      const channel = (chunk[off + 1]! << 8) | chunk[off + 2]!;
      const size = chunk.readUInt32BE(off + 3);
      checkFrameHeader(type, channel, size, frameMax);
      const endAt = off + FRAME_HEADER_SIZE + size;
      if (endAt >= len) break;
      if (chunk[endAt] !== FRAME_END) throw badFrameEnd(chunk[endAt]!, type, channel);
      frames.push({ type, channel, payload: chunk.subarray(off + FRAME_HEADER_SIZE, endAt) });
      off = endAt + 1;
    }
    if (off < len) this.startPartial(chunk, off);
    return frames;
  }

  private readProtocolHeader(chunk: Buffer): number {
    const at = PROTOCOL_HEADER.length - this.headerLeft;
    const n = Math.min(this.headerLeft, chunk.length);
    for (let i = 0; i < n; i++) {
      this.headerSeen[at + i] = chunk[i]!;
      if (chunk[i] !== PROTOCOL_HEADER[at + i]) {
        throw new ProtocolHeaderError(Buffer.from(this.headerSeen.subarray(0, at + i + 1)));
      }
    }
    this.headerLeft -= n;
    return n;
  }

  /** Buffers the tail of a chunk that does not hold a whole frame. */
  private startPartial(chunk: Buffer, off: number): void {
    const avail = chunk.length - off;
    if (avail < FRAME_HEADER_SIZE) {
      chunk.copy(this.partHeader, 0, off);
      this.partHeaderLen = avail;
      return;
    }
    chunk.copy(this.partHeader, 0, off, off + FRAME_HEADER_SIZE);
    this.partHeaderLen = FRAME_HEADER_SIZE;
    this.beginBody();
    this.partChunks.push(chunk.subarray(off + FRAME_HEADER_SIZE));
    this.partHave = avail - FRAME_HEADER_SIZE;
  }

  /** The 7 header bytes of the partial frame are in: validate and start collecting its body. */
  private beginBody(): void {
    const h = this.partHeader;
    this.partType = h[0]!;
    this.partChannel = h.readUInt16BE(1);
    const size = h.readUInt32BE(3);
    checkFrameHeader(this.partType, this.partChannel, size, this._frameMax);
    this.partial = true;
    this.partNeed = size + 1;
    this.partHave = 0;
    this.partChunks = [];
  }

  /** Feeds the start of `chunk` to the partial frame; returns the offset after what it used. */
  private continuePartial(chunk: Buffer, off: number, frames: Frame[]): number {
    if (!this.partial) {
      const n = Math.min(FRAME_HEADER_SIZE - this.partHeaderLen, chunk.length - off);
      chunk.copy(this.partHeader, this.partHeaderLen, off, off + n);
      this.partHeaderLen += n;
      off += n;
      if (this.partHeaderLen < FRAME_HEADER_SIZE) return off;
      this.beginBody();
    }
    const take = Math.min(this.partNeed - this.partHave, chunk.length - off);
    if (take > 0) this.partChunks.push(chunk.subarray(off, off + take));
    this.partHave += take;
    off += take;
    if (this.partHave < this.partNeed) return off;
    const whole =
      this.partChunks.length === 1 ? this.partChunks[0]! : Buffer.concat(this.partChunks, this.partNeed);
    const size = this.partNeed - 1;
    if (whole[size] !== FRAME_END) throw badFrameEnd(whole[size]!, this.partType, this.partChannel);
    frames.push({ type: this.partType, channel: this.partChannel, payload: whole.subarray(0, size) });
    this.partial = false;
    this.partHeaderLen = 0;
    this.partChunks = [];
    return off;
  }
}

function checkFrameMax(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff || (v !== 0 && v < FRAME_MIN_SIZE)) {
    throw new RangeError(`frame-max must be 0 or an integer from ${FRAME_MIN_SIZE} to 2^32-1, got ${v}`);
  }
  return v;
}

function badFrameEnd(octet: number, type: number, channel: number): FrameError {
  return frameError(`bad frame-end octet 0x${octet.toString(16)} (type ${type}, channel ${channel})`);
}
