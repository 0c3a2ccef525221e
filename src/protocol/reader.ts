/**
 * A bounds-checked cursor over one frame payload (or a window of it).
 *
 * Invariants: `pos <= end <= buf.length`; every read first checks that it stays before
 * `end` and otherwise throws a 502 SYNTAX_ERROR FrameError naming `method` (set by the
 * method dispatcher), so malformed input can never read past a payload, hang or surface as a
 * RangeError. Field tables narrow `end` to their declared length while they are read.
 *
 * 64-bit integers read as `number` (`u64`) are exact up to Number.MAX_SAFE_INTEGER and
 * rounded to the nearest double beyond it; `u64Exact`/`i64Exact` return a bigint then.
 */
import { isUtf8 } from 'node:buffer';
import { frameError, syntaxError, type MethodRef } from './errors.js';

const TWO_32 = 0x1_0000_0000;

export class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  /** The method being decoded, for error reports (0/0 when none). */
  method: MethodRef | undefined = undefined;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** Points the reader at a new window; returns `this` so a reader can be reused. */
  reset(buf: Buffer, pos = 0, end = buf.length, method?: MethodRef): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.method = method;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a 502 SYNTAX_ERROR describing what could not be read. */
  fail(what: string): never {
    throw syntaxError(`${what} (offset ${this.pos}, ${this.end - this.pos} bytes left)`, this.method);
  }

  /** Checks that `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`truncated ${what}: needs ${n} bytes`);
  }

  /** Checks that the window was consumed exactly (no trailing bytes). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes after ${what}`);
  }

  u8(): number {
    const p = this.pos;
    if (p >= this.end) this.fail('truncated octet');
    this.pos = p + 1;
    return this.buf[p]!;
  }

  i8(): number {
    const v = this.u8();
    return v > 0x7f ? v - 0x100 : v;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.fail('truncated short');
    this.pos = p + 2;
    const b = this.buf;
    return (b[p]! << 8) | b[p + 1]!;
  }

  i16(): number {
    const v = this.u16();
    return v > 0x7fff ? v - 0x10000 : v;
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.fail('truncated long');
    this.pos = p + 4;
    const b = this.buf;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  i32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.fail('truncated long');
    this.pos = p + 4;
    const b = this.buf;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** Unsigned 64-bit as a number (rounded beyond 2^53). */
  u64(): number {
    const hi = this.u32();
    return hi * TWO_32 + this.u32();
  }

  /** Unsigned 64-bit: a number when safe, else a bigint. */
  u64Exact(): number | bigint {
    this.need(8, 'longlong');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** Signed 64-bit: a number when safe, else a bigint. */
  i64Exact(): number | bigint {
    this.need(8, 'longlong');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
  }

  f32(): number {
    this.need(4, 'float');
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A short string (octet length + UTF-8 bytes). Malformed UTF-8 is a 501 as in RabbitMQ:
   * decoding it would replace bad bytes with U+FFFD, so two different names on the wire
   * would alias one queue or exchange.
   */
  shortstr(): string {
    const n = this.u8();
    const p = this.pos;
    if (p + n > this.end) this.fail(`shortstr of ${n} bytes runs past the payload`);
    this.pos = p + n;
    const s = utf8(this.buf, p, p + n);
    // Pure ASCII (the common case) decodes to as many chars as bytes and never to U+FFFD.
    if ((s.length !== n || s.includes('\ufffd')) && !isUtf8(this.buf.subarray(p, p + n))) {
      throw frameError('Malformed UTF-8 in shortstr');
    }
    return s;
  }

  /** A field-table key: a short string RabbitMQ does not validate (bad bytes become U+FFFD). */
  tableKey(): string {
    const n = this.u8();
    const p = this.pos;
    if (p + n > this.end) this.fail(`shortstr of ${n} bytes runs past the payload`);
    this.pos = p + n;
    return utf8(this.buf, p, p + n);
  }

  /** A long string's bytes, copied (method arguments outlive the TCP chunk they came in). */
  longstr(): Buffer {
    const n = this.u32();
    const p = this.pos;
    if (p + n > this.end) this.fail(`longstr of ${n} bytes runs past the payload`);
    this.pos = p + n;
    return Buffer.from(this.buf.subarray(p, p + n));
  }

  /** `n` raw bytes as a view into the underlying buffer (no copy). */
  view(n: number, what: string): Buffer {
    const p = this.pos;
    if (p + n > this.end) this.fail(`${what} of ${n} bytes runs past the payload`);
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }
}

/** Node's native slice decoder (undocumented but present on every Buffer since 0.x). */
interface NativeSlices {
  utf8Slice(start: number, end: number): string;
}

const HAS_UTF8_SLICE = typeof (Buffer.prototype as Partial<NativeSlices>).utf8Slice === 'function';

function nativeUtf8(buf: Buffer, start: number, end: number): string {
  return HAS_UTF8_SLICE
    ? (buf as unknown as NativeSlices).utf8Slice(start, end)
    : buf.toString('utf8', start, end);
}

/** Direct-mapped cache of recently decoded short ASCII strings (names, keys, tags repeat). */
const CACHE_SIZE = 1024;
const CACHE_MAX_LENGTH = 32;
const cache: string[] = new Array<string>(CACHE_SIZE).fill('');

/**
 * Decodes UTF-8 (invalid sequences become U+FFFD). AMQP traffic is full of short, repeated
 * ASCII strings (exchange names, routing keys, header keys, content types), so those are
 * looked up in a small cache by an FNV-1a hash of their bytes and compared byte by byte;
 * misses and anything else go to Node's native decoder, called directly because
 * `toString('utf8', …)`'s argument handling costs as much as decoding a short string.
 */
export function utf8(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n > CACHE_MAX_LENGTH) return nativeUtf8(buf, start, end);
  let h = 0x811c9dc5 ^ n;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c > 0x7f) return nativeUtf8(buf, start, end);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h >>> 0) & (CACHE_SIZE - 1);
  const hit = cache[slot]!;
  if (hit.length === n) {
    let j = 0;
    while (j < n && hit.charCodeAt(j) === buf[start + j]) j++;
    if (j === n) return hit;
  }
  const s = nativeUtf8(buf, start, end);
  cache[slot] = s;
  return s;
}
