/**
 * Header matching as RabbitMQ 4.x does it (rabbit_exchange_type_headers + mc_amqpl).
 *
 * RabbitMQ turns the message headers into a map of key → untyped Erlang value and compares
 * each binding argument's untyped value to it with =:= (exact term equality):
 * - every integer type compares by value (int8 1 matches int32 1, uint64 too);
 * - integers never equal floats (1 does not match 1.0); float32 and float64 compare by value;
 * - strings and byte arrays are both binaries: "ab" matches the bytes 0x61 0x62;
 * - booleans, decimals (scale and digits) only equal their own kind;
 * - a timestamp header is seen in milliseconds (seconds × 1000) while a timestamp binding
 *   argument stays in seconds: a timestamp header T matches an integer argument T×1000, and
 *   a timestamp argument T matches an integer header T;
 * - arrays and tables compare exactly, element types included (int8 1 ≠ int32 1 inside an
 *   array), tables in wire order; an empty array equals an empty table (both are []);
 * - a void binding argument only requires the header to be present (any value, even void).
 * RabbitMQ 3.12 and older compared with == instead (so 1 matched 1.0 there) and saw
 * timestamps in seconds.
 */
import type { Decimal, FieldTable, FieldValue } from '../../protocol/field-value.js';
import {
  bytesEqual,
  tableKeys,
  toInteger,
  toTimestampSeconds,
  typedEntry,
  typedEqual,
} from './field-equality.js';
import type { Typed } from './field-equality.js';

export type RoutingValue =
  | { readonly kind: 'int'; readonly v: number | bigint }
  | { readonly kind: 'float'; readonly v: number }
  | { readonly kind: 'bin'; readonly v: FieldValue }
  | { readonly kind: 'bool'; readonly v: boolean }
  | { readonly kind: 'dec'; readonly v: Decimal }
  | { readonly kind: 'list'; readonly typed: Typed }
  | { readonly kind: 'void' };

export type XMatchMode = 'all' | 'any' | 'all-with-x' | 'any-with-x';

/** One binding argument to check: presence only (void) or equality. */
export interface HeaderTest {
  readonly key: string;
  readonly expected: RoutingValue | null;
}

export interface CompiledHeaders {
  readonly any: boolean;
  readonly tests: readonly HeaderTest[];
}

/** The value RabbitMQ compares, for a header (`inHeader`) or a binding argument. */
export function routingValue(t: Typed, inHeader: boolean): RoutingValue {
  const { tag, value } = t;
  switch (tag) {
    case 'b':
    case 'B':
    case 's':
    case 'u':
    case 'I':
    case 'i':
    case 'l':
    case 'L':
      return { kind: 'int', v: toInteger(value) };
    case 'T':
      return {
        kind: 'int',
        v: inHeader ? timesThousand(toTimestampSeconds(value)) : toTimestampSeconds(value),
      };
    case 'f':
      return { kind: 'float', v: Math.fround(Number(value)) };
    case 'd':
      return { kind: 'float', v: Number(value) };
    case 'S':
    case 'x':
      return { kind: 'bin', v: value };
    case 't':
      return { kind: 'bool', v: Boolean(value) };
    case 'D':
      return { kind: 'dec', v: value as Decimal };
    case 'A':
    case 'F':
      return { kind: 'list', typed: t };
    case 'V':
      return { kind: 'void' };
  }
}

function timesThousand(v: number | bigint): number | bigint {
  return toInteger(typeof v === 'bigint' ? v * 1000n : BigInt(v) * 1000n);
}

export function routingValuesEqual(a: RoutingValue, b: RoutingValue): boolean {
  switch (a.kind) {
    case 'int':
    case 'float':
    case 'bool':
      return b.kind === a.kind && a.v === b.v;
    case 'bin':
      return b.kind === 'bin' && bytesEqual(a.v, b.v);
    case 'dec':
      return b.kind === 'dec' && a.v.scale === b.v.scale && a.v.value === b.v.value;
    case 'list':
      return (
        b.kind === 'list' && (typedEqual(a.typed, b.typed) || (isEmptyList(a.typed) && isEmptyList(b.typed)))
      );
    case 'void':
      return b.kind === 'void';
  }
}

function isEmptyList(t: Typed): boolean {
  if (Array.isArray(t.value)) return t.value.length === 0;
  return (
    t.tag === 'F' &&
    typeof t.value === 'object' &&
    t.value !== null &&
    tableKeys(t.value as FieldTable).length === 0
  );
}

/** Compiles validated binding arguments into the checks RabbitMQ makes. */
export function compileHeaders(args: FieldTable, mode: XMatchMode): CompiledHeaders {
  const withX = mode === 'all-with-x' || mode === 'any-with-x';
  const tests: HeaderTest[] = [];
  for (const key of tableKeys(args)) {
    if (key === 'x-match' || (!withX && key.startsWith('x-'))) continue;
    const t = typedEntry(args, key);
    tests.push({ key, expected: t.tag === 'V' ? null : routingValue(t, false) });
  }
  return { any: mode === 'any' || mode === 'any-with-x', tests };
}

/** The message headers as RabbitMQ sees them for routing (x- headers included). */
export function headerValues(headers: FieldTable | undefined): Map<string, RoutingValue> {
  const map = new Map<string, RoutingValue>();
  if (headers)
    for (const key of tableKeys(headers)) map.set(key, routingValue(typedEntry(headers, key), true));
  return map;
}

export function headersMatch(compiled: CompiledHeaders, headers: ReadonlyMap<string, RoutingValue>): boolean {
  const { any, tests } = compiled;
  for (const test of tests) {
    const actual = headers.get(test.key);
    const ok = actual !== undefined && (test.expected === null || routingValuesEqual(test.expected, actual));
    if (ok === any) return any;
  }
  return !any;
}

/** The x-match values RabbitMQ accepts. */
export const X_MATCH_MODES: readonly XMatchMode[] = ['all', 'any', 'all-with-x', 'any-with-x'];
