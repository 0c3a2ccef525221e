/**
 * W3C Trace Context (traceparent) helpers, so a trace started by an HTTP request follows a
 * task or RPC through the broker: the client writes `traceparent` into the message headers and
 * the worker continues the trace with a child span. Format (version 00):
 * `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`, lowercase, ids not all zero.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

/** Header carrying the trace context (the W3C name, as OpenTelemetry's AMQP instrumentation uses). */
export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits: the span that sent the message. */
  spanId: string;
  /** Trace flags byte; bit 0 = sampled. */
  flags: number;
}

/** Returns `n` random bytes; injectable for tests. */
export type RandomBytes = (n: number) => Buffer;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a traceparent header; undefined when absent or invalid (the spec says: start a new trace).
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf9…4736', spanId: '00f067aa0ba902b7', flags: 1 }
 */
export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  // Fast path: an exact version-00 value, as every Warren client sends; the same checks as
  // the general path below, without the regular expressions.
  if (header.length === TRACEPARENT_00_LENGTH) {
    const fast = parseVersion00(header);
    if (fast !== null) return fast;
  }
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId = '', spanId = '', flags = '', rest] = m;
  // Version ff is invalid; version 00 has exactly four fields; later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

const TRACEPARENT_00_LENGTH = 55;

/** Value of each lowercase hex digit by char code (< 128), else -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i; // 0-9
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i; // a-f

function hexAt(h: string, i: number): number {
  const c = h.charCodeAt(i);
  return c < 128 ? (HEX_VALUE[c] as number) : -1;
}

/**
 * `00-<32 hex>-<16 hex>-<2 hex>` exactly: the parsed context, undefined if it is well-formed
 * but invalid (an all-zero id), or null when the general parser must decide (anything else).
 */
function parseVersion00(h: string): TraceContext | undefined | null {
  if (h.charCodeAt(0) !== 48 || h.charCodeAt(1) !== 48) return null;
  if (h.charCodeAt(2) !== 45 || h.charCodeAt(35) !== 45 || h.charCodeAt(52) !== 45) return null;
  // Digit values OR-ed together: negative if any is not a hex digit, 0 if the id is all zeros.
  let traceBits = 0;
  for (let i = 3; i < 35; i++) traceBits |= hexAt(h, i);
  let spanBits = 0;
  for (let i = 36; i < 52; i++) spanBits |= hexAt(h, i);
  const f1 = hexAt(h, 53);
  const f2 = hexAt(h, 54);
  if ((traceBits | spanBits | f1 | f2) < 0) return null;
  if (traceBits === 0 || spanBits === 0) return undefined;
  return { traceId: h.slice(3, 35), spanId: h.slice(36, 52), flags: f1 * 16 + f2 };
}

/** Formats a trace context as a version-00 traceparent. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${FLAGS_HEX[ctx.flags & 0xff] ?? '00'}`;
}

/** The two-digit hex form of every flags byte. */
const FLAGS_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A random, non-zero 16-hex-digit span id. */
export function createSpanId(random?: RandomBytes): string {
  return random === undefined ? pooledHex(8) : nonZeroHex(8, random);
}

/** A random, non-zero 32-hex-digit trace id. */
export function createTraceId(random?: RandomBytes): string {
  return random === undefined ? pooledHex(16) : nonZeroHex(16, random);
}

/**
 * The context of a child span: same trace and flags, new span id. Without a parent, a new
 * sampled root trace.
 *
 * @example
 * const child = childTrace(parseTraceparent(msg.properties.headers?.traceparent));
 * headers.traceparent = formatTraceparent(child);
 */
export function childTrace(parent: TraceContext | undefined, random?: RandomBytes): TraceContext {
  if (!parent) return { traceId: createTraceId(random), spanId: createSpanId(random), flags: 1 };
  return { traceId: parent.traceId, spanId: createSpanId(random), flags: parent.flags };
}

function nonZeroHex(bytes: number, random: RandomBytes): string {
  for (let i = 0; i < 8; i++) {
    const hex = random(bytes).toString('hex');
    if (hex.length === bytes * 2 && !/^0+$/.test(hex)) return hex;
  }
  throw new Error('random source returned only zero or short ids');
}

/**
 * Random bytes for ids come from a pool refilled POOL_SIZE bytes at a time: one
 * crypto.randomFillSync call per few hundred ids instead of a randomBytes call (and a new
 * Buffer) per id. The same CSPRNG, just fetched in bulk; every byte is used once.
 */
const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function pooledHex(bytes: number): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    if (poolOffset + bytes > POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += bytes;
    for (let i = start; i < poolOffset; i++) {
      if (pool[i] !== 0) return pool.toString('hex', start, poolOffset);
    }
  }
  return nonZeroHex(bytes, randomBytes);
}
