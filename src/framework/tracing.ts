/**
 * W3C Trace Context (traceparent) helpers, so a trace started by an HTTP request follows a
 * task or RPC through the broker: the client writes `traceparent` into the message headers and
 * the worker continues the trace with a child span. Format (version 00):
 * `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`, lowercase, ids not all zero.
 */
import { randomBytes } from 'node:crypto';

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
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId = '', spanId = '', flags = '', rest] = m;
  // Version ff is invalid; version 00 has exactly four fields; later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** Formats a trace context as a version-00 traceparent. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A random, non-zero 16-hex-digit span id. */
export function createSpanId(random: RandomBytes = randomBytes): string {
  return nonZeroHex(8, random);
}

/** A random, non-zero 32-hex-digit trace id. */
export function createTraceId(random: RandomBytes = randomBytes): string {
  return nonZeroHex(16, random);
}

/**
 * The context of a child span: same trace and flags, new span id. Without a parent, a new
 * sampled root trace.
 *
 * @example
 * const child = childTrace(parseTraceparent(msg.properties.headers?.traceparent));
 * headers.traceparent = formatTraceparent(child);
 */
export function childTrace(
  parent: TraceContext | undefined,
  random: RandomBytes = randomBytes,
): TraceContext {
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
