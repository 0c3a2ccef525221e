/**
 * Typed field values as RabbitMQ compares them, for identifying bindings and for the headers
 * exchange.
 *
 * RabbitMQ keeps a table entry as {Key, Type, Value} and a binding's identity is its
 * (source, destination, routing key, arguments) term, arguments sorted by key. So two binding
 * tables are equal when they hold the same keys (top-level order ignored) with the same wire
 * type and value: int8 1 and int32 1 are different bindings, and so are the string "v" and
 * the byte array "v". Nested tables are not sorted by RabbitMQ, so their key order matters.
 *
 * A value's wire type is, in order: a `TypedValue` wrapper's tag, the tag the decoder recorded
 * under WIRE_TYPES on the containing table or array, or the tag the codec infers for the
 * plain value (protocol/field-table.ts `inferFieldType`: int32 → I, other integers → l,
 * fractions → d, ...), so a decoded table and the table a user built compare alike.
 * Keys whose value is `undefined` are treated as absent (the encoder skips them).
 */
import { inferFieldType } from '../../protocol/field-table.js';
import { Decimal, TypedValue, WIRE_TYPES } from '../../protocol/field-value.js';
import type { FieldTable, FieldTypeTag, FieldValue, WireTypes } from '../../protocol/field-value.js';

/** A value paired with its wire type; `value` is never a TypedValue. */
export interface Typed {
  readonly tag: FieldTypeTag;
  readonly value: FieldValue;
}

function wireTypeOf(container: object, key: string | number): FieldTypeTag | undefined {
  const types = (container as { [WIRE_TYPES]?: WireTypes | Readonly<Record<string, FieldTypeTag>> })[
    WIRE_TYPES
  ];
  if (types === undefined) return undefined;
  if (types instanceof Map) return types.get(key) ?? types.get(String(key));
  return types[String(key)];
}

/** Resolves the wire type of `container[key]` (a table entry or an array element). */
export function typedEntry(container: FieldTable | readonly FieldValue[], key: string | number): Typed {
  const raw = (container as Record<string | number, FieldValue>)[key];
  if (raw instanceof TypedValue) return { tag: raw.type, value: raw.value };
  return { tag: wireTypeOf(container, key) ?? inferFieldType(raw), value: raw };
}

/** The keys of a table that are encoded (own enumerable keys whose value is not undefined). */
export function tableKeys(table: FieldTable): string[] {
  return Object.keys(table).filter((k) => table[k] !== undefined);
}

/** Binding-argument equality: same keys in any order, each with equal type and value. */
export function fieldTablesEqual(a: FieldTable, b: FieldTable): boolean {
  if (a === b) return true;
  const keys = tableKeys(a);
  if (keys.length !== tableKeys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && typedEqual(typedEntry(a, k), typedEntry(b, k)));
}

/** Exact equality of two typed values (Erlang's =:= on {Type, Value}). */
export function typedEqual(a: Typed, b: Typed): boolean {
  return a.tag === b.tag && valuesEqualAs(a.tag, a.value, b.value);
}

function valuesEqualAs(tag: FieldTypeTag, a: FieldValue, b: FieldValue): boolean {
  switch (tag) {
    case 'b':
    case 'B':
    case 's':
    case 'u':
    case 'I':
    case 'i':
    case 'l':
    case 'L':
      return toInteger(a) === toInteger(b);
    case 'f':
      return Math.fround(Number(a)) === Math.fround(Number(b));
    case 'd':
      return Number(a) === Number(b);
    case 'S':
    case 'x':
      return bytesEqual(a, b);
    case 't':
      return Boolean(a) === Boolean(b);
    case 'T':
      return toTimestampSeconds(a) === toTimestampSeconds(b);
    case 'D':
      return decimalsEqual(a, b);
    case 'A':
      return Array.isArray(a) && Array.isArray(b) && arraysEqual(a, b);
    case 'F':
      return isTable(a) && isTable(b) && orderedTablesEqual(a, b);
    case 'V':
      return true;
  }
}

function arraysEqual(a: readonly FieldValue[], b: readonly FieldValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!typedEqual(typedEntry(a, i), typedEntry(b, i))) return false;
  }
  return true;
}

/** Nested tables: RabbitMQ keeps their wire order, so order matters. */
function orderedTablesEqual(a: FieldTable, b: FieldTable): boolean {
  const ka = tableKeys(a);
  const kb = tableKeys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && typedEqual(typedEntry(a, k), typedEntry(b, k)));
}

export function isTable(v: FieldValue): v is FieldTable {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Date) &&
    !(v instanceof Decimal) &&
    !(v instanceof TypedValue)
  );
}

/** An integer as a number when it is safe, else as a bigint, so `===` compares exactly. */
export function toInteger(v: FieldValue): number | bigint {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : safeBig(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return toTimestampSeconds(v);
  return Number.NaN;
}

function safeBig(n: number): number | bigint {
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : Number.NaN;
}

/** A timestamp's value in seconds (the wire unit), from a Date or a number of seconds. */
export function toTimestampSeconds(v: FieldValue): number | bigint {
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  return toInteger(v);
}

export function toBytes(v: FieldValue): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return Buffer.from(String(v));
  return Buffer.alloc(0);
}

/** Strings and byte arrays are both Erlang binaries: compare their bytes. */
export function bytesEqual(a: FieldValue, b: FieldValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return toBytes(a).equals(toBytes(b));
}

function decimalsEqual(a: FieldValue, b: FieldValue): boolean {
  return a instanceof Decimal && b instanceof Decimal && a.scale === b.scale && a.value === b.value;
}
