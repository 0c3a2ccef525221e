/**
 * A growable, reusable output buffer for frames.
 *
 * The writer appends into a slab (default 64 KiB). `take()` hands out the bytes written
 * since the previous take as a view of the slab and keeps appending *after* them, so a
 * taken Buffer is never overwritten and can go straight to `socket.write` while the next
 * batch is being encoded. When a slab is full the pending (not yet taken) bytes move to a
 * fresh, larger slab; earlier views keep the old slab alive until the socket is done. A slab
 * grown past 1 MiB (one huge body) is released at the next take.
 *
 * Positions saved for back-patching (`mark()`) are relative to the start of the pending
 * region, so they survive that move. Every numeric write validates its range and throws a
 * RangeError (TypeError for a wrong type) instead of silently wrapping.
 */
const DEFAULT_SLAB = 64 * 1024;
/** A slab grown beyond this is dropped once emptied, so one huge message is not kept forever. */
const MAX_RETAINED_SLAB = 1024 * 1024;
const TWO_32 = 0x1_0000_0000;
const MAX_U64 = 2 ** 64;

export class Writer {
  buf: Buffer;
  /** Start of the pending region (bytes not yet taken). */
  start = 0;
  /** Next write position. */
  pos = 0;
  private readonly slabSize: number;

  constructor(slabSize = DEFAULT_SLAB) {
    this.slabSize = slabSize;
    this.buf = Buffer.allocUnsafe(slabSize);
  }

  /** Bytes written since the last `take()`. */
  get length(): number {
    return this.pos - this.start;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const pending = this.pos - this.start;
    const needed = pending + n;
    const size = Math.max(this.slabSize, needed + (needed >>> 1));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  /** Returns the pending bytes (a view, never overwritten later) and starts a new region. */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    if (this.buf.length > Math.max(MAX_RETAINED_SLAB, this.slabSize)) {
      this.buf = Buffer.allocUnsafe(this.slabSize);
      this.pos = 0;
    }
    this.start = this.pos;
    return out;
  }

  /** Drops the pending bytes. */
  discard(): void {
    this.pos = this.start;
  }

  /** The current position, relative to the pending region (stable across growth). */
  mark(): number {
    return this.pos - this.start;
  }

  /** Truncates the pending region back to `mark` (undoes a failed encode). */
  rollback(mark: number): void {
    this.pos = this.start + mark;
  }

  patchU16(mark: number, v: number): void {
    const p = this.start + mark;
    this.buf[p] = v >>> 8;
    this.buf[p + 1] = v & 0xff;
  }

  patchU32(mark: number, v: number): void {
    this.buf.writeUInt32BE(v, this.start + mark);
  }

  u8(v: number): void {
    if ((v & 0xff) !== v) throw outOfRange('octet', v);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  i8(v: number): void {
    if ((v << 24) >> 24 !== v) throw outOfRange('int8', v);
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    if ((v & 0xffff) !== v) throw outOfRange('short', v);
    this.ensure(2);
    const p = this.pos;
    this.buf[p] = v >>> 8;
    this.buf[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  i16(v: number): void {
    if ((v << 16) >> 16 !== v) throw outOfRange('int16', v);
    this.u16(v & 0xffff);
  }

  u32(v: number): void {
    if (v >>> 0 !== v) throw outOfRange('long', v);
    this.ensure(4);
    const p = this.pos;
    const b = this.buf;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  i32(v: number): void {
    if ((v | 0) !== v) throw outOfRange('int32', v);
    this.u32(v >>> 0);
  }

  /** Unsigned 64-bit from an integer number (any integer below 2^64) or a bigint. */
  u64(v: number | bigint): void {
    if (typeof v === 'bigint') {
      if (v < 0n || v >= 1n << 64n) throw outOfRange('longlong', v);
      this.ensure(8);
      this.pos = this.buf.writeBigUInt64BE(v, this.pos);
      return;
    }
    if (!(Number.isInteger(v) && v >= 0 && v < MAX_U64)) throw outOfRange('longlong', v);
    const hi = Math.floor(v / TWO_32);
    this.u32(hi);
    this.u32(v - hi * TWO_32);
  }

  /** Signed 64-bit from a safe-integer number or a bigint. */
  i64(v: number | bigint): void {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw outOfRange('int64', v);
      v = BigInt(v);
    } else if (v < -(1n << 63n) || v >= 1n << 63n) {
      throw outOfRange('int64', v);
    }
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  f32(v: number): void {
    if (typeof v !== 'number') throw new TypeError(`float: expected a number, got ${typeof v}`);
    this.ensure(4);
    this.pos = this.buf.writeFloatBE(v, this.pos);
  }

  f64(v: number): void {
    if (typeof v !== 'number') throw new TypeError(`double: expected a number, got ${typeof v}`);
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A short string: octet length + UTF-8, at most 255 bytes (RangeError beyond). */
  shortstr(s: string): void {
    if (typeof s !== 'string') throw new TypeError(`shortstr: expected a string, got ${typeof s}`);
    const n = s.length;
    if (n > 255) throw shortstrTooLong(n);
    this.ensure(1 + 3 * n);
    const b = this.buf;
    const p = this.pos + 1;
    let len = writeAscii(b, p, s);
    if (len < 0) {
      len = b.write(s, p, 'utf8');
      if (len > 255) throw shortstrTooLong(len);
    }
    b[p - 1] = len;
    this.pos = p + len;
  }

  /** A long string: uint32 length + bytes (a string is written as UTF-8). */
  longstr(v: string | Uint8Array): void {
    if (typeof v !== 'string') {
      if (!(v instanceof Uint8Array))
        throw new TypeError(`longstr: expected a string or bytes, got ${typeof v}`);
      this.u32(v.length);
      this.bytes(v);
      return;
    }
    const n = v.length;
    const max = n <= 1024 ? 3 * n : Buffer.byteLength(v);
    this.ensure(4 + max);
    const b = this.buf;
    const p = this.pos + 4;
    let len = n <= 1024 ? writeAscii(b, p, v) : -1;
    if (len < 0) len = b.write(v, p, 'utf8');
    b.writeUInt32BE(len, p - 4);
    this.pos = p + len;
  }

  /** Starts a frame (type, channel, size placeholder); returns its mark for `endFrame`. */
  beginFrame(type: number, channel: number): number {
    if ((channel & 0xffff) !== channel) throw outOfRange('channel', channel);
    this.ensure(7);
    const mark = this.pos - this.start;
    const b = this.buf;
    const p = this.pos;
    b[p] = type;
    b[p + 1] = channel >>> 8;
    b[p + 2] = channel & 0xff;
    this.pos = p + 7;
    return mark;
  }

  /**
   * Completes the frame begun at `mark`: patches its size and writes the frame-end octet.
   * Throws a RangeError when the whole frame would exceed `frameMax` (0 = no limit).
   */
  endFrame(mark: number, frameMax: number): void {
    const size = this.pos - this.start - mark - 7;
    if (frameMax > 0 && size + 8 > frameMax) {
      throw new RangeError(`frame of ${size + 8} bytes exceeds frame-max ${frameMax}`);
    }
    this.patchU32(mark + 3, size);
    this.ensure(1);
    this.buf[this.pos++] = 0xce;
  }
}

/** Writes `s` as ASCII; returns its length, or -1 (having written garbage) if not ASCII. */
function writeAscii(b: Buffer, p: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    b[p + i] = c;
  }
  return n;
}

function outOfRange(what: string, v: unknown): RangeError | TypeError {
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    return new TypeError(`${what}: expected a number, got ${v === null ? 'null' : typeof v}`);
  }
  return new RangeError(`${what}: ${String(v)} is out of range`);
}

function shortstrTooLong(n: number): RangeError {
  return new RangeError(`shortstr: ${n} bytes exceeds the 255-byte limit`);
}
