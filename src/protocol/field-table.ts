/**
 * Field tables and field arrays: RabbitMQ's tag set (t b B s u I i l L f d D S x A T F V).
 *
 * Encoding a plain value infers its tag: string→S, boolean→t, integer in int32→I, other safe
 * integers→l, bigint→l, any other number (fractions, -0, NaN, ±Infinity, unsafe
 * integers)→d, Buffer/Uint8Array→x, Date→T (whole seconds), Decimal→D, null/undefined→V,
 * array→A, other object→F, TypedValue→its own tag.
 *
 * Decoding yields plain values (l/L beyond Number.MAX_SAFE_INTEGER → bigint, T → Date, D →
 * Decimal, x → Buffer copy, S → string) and, whenever the wire tag differs from what
 * inference would pick for the decoded value, records it in the container's non-enumerable
 * WIRE_TYPES map; the encoder prefers a recorded tag while the value still fits it, so
 * decode→encode is byte-identical. Two values have no faithful plain form and are kept
 * raw with their tag recorded: an S whose bytes are not valid UTF-8 (→ Buffer) and a T
 * beyond the Date range (→ number/bigint seconds). Not preserved: non-0/1 boolean octets,
 * duplicate keys (last wins).
 *
 * Malformed input (truncation, a length running past its container, an unknown tag,
 * nesting deeper than MAX_DEPTH) throws a 502 SYNTAX_ERROR FrameError via the Reader.
 */
import { isUtf8 } from 'node:buffer';
import { Decimal, TypedValue, WIRE_TYPES } from './field-value.js';
import type { FieldTable, FieldTypeTag, FieldValue, WireTypes } from './field-value.js';
import { Reader, utf8 } from './reader.js';
import { Writer } from './writer.js';

/** Nesting limit for tables/arrays; deeper input is rejected (protects the stack). */
export const MAX_DEPTH = 100;

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const MAX_DATE_SECONDS = 8.64e12;
const INT64_MIN = -(1n << 63n);
const INT64_LIMIT = 1n << 63n;
const UINT64_LIMIT = 1n << 64n;

type Tagged = { [WIRE_TYPES]?: WireTypes };

/** The tag a plain value is encoded with when nothing else is known. */
export function inferFieldType(v: FieldValue): FieldTypeTag {
  switch (typeof v) {
    case 'string':
      return 'S';
    case 'boolean':
      return 't';
    case 'number':
      if (Number.isInteger(v) && !Object.is(v, -0)) {
        if (v >= INT32_MIN && v <= INT32_MAX) return 'I';
        if (Number.isSafeInteger(v)) return 'l';
      }
      return 'd';
    case 'bigint':
      return 'l';
    case 'undefined':
      return 'V';
    case 'object':
      return inferObjectType(v);
    case 'function':
    case 'symbol':
      throw new TypeError(`a ${typeof v} cannot be encoded in a field table`);
  }
}

function inferObjectType(v: object | null): FieldTypeTag {
  if (v === null) return 'V';
  if (v instanceof TypedValue) return v.type;
  if (v instanceof Uint8Array) return 'x';
  if (Array.isArray(v)) return 'A';
  if (v instanceof Date) return 'T';
  if (v instanceof Decimal) return 'D';
  return 'F';
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Current nesting while encoding (guards against cyclic or absurdly deep values). */
let encodeDepth = 0;

function enter(): void {
  if (++encodeDepth > MAX_DEPTH) {
    encodeDepth = 0;
    throw new RangeError(`field tables/arrays nested deeper than ${MAX_DEPTH} (a cycle?)`);
  }
}

/** Appends a field table (uint32 length + entries). */
export function encodeFieldTable(w: Writer, table: FieldTable): void {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new TypeError(`field table: expected an object, got ${describe(table)}`);
  }
  enter();
  try {
    const lengthMark = w.mark();
    w.u32(0);
    const types = (table as Tagged)[WIRE_TYPES];
    for (const key of Object.keys(table)) {
      w.shortstr(key);
      writeValue(w, table[key], types?.get(key));
    }
    w.patchU32(lengthMark, w.mark() - lengthMark - 4);
  } finally {
    if (encodeDepth > 0) encodeDepth--;
  }
}

/** Appends a field array (uint32 length + tagged values). */
export function encodeFieldArray(w: Writer, array: readonly FieldValue[]): void {
  enter();
  try {
    const lengthMark = w.mark();
    w.u32(0);
    const types = (array as Tagged)[WIRE_TYPES];
    for (let i = 0; i < array.length; i++) writeValue(w, array[i], types?.get(i));
    w.patchU32(lengthMark, w.mark() - lengthMark - 4);
  } finally {
    if (encodeDepth > 0) encodeDepth--;
  }
}

/** Appends one tagged value: the recorded tag if the value still fits it, else typed/inferred. */
export function writeValue(w: Writer, v: FieldValue, recorded: FieldTypeTag | undefined): void {
  if (v instanceof TypedValue) {
    if (!fits(v.type, v.value)) {
      throw new TypeError(`typed('${v.type}', …): ${describe(v.value)} cannot be encoded as '${v.type}'`);
    }
    writeAs(w, v.type, v.value);
    return;
  }
  if (recorded !== undefined && fits(recorded, v)) {
    writeAs(w, recorded, v);
    return;
  }
  const tag = inferFieldType(v);
  if (!fits(tag, v)) throw new RangeError(`${describe(v)} cannot be encoded as '${tag}'`);
  writeAs(w, tag, v);
}

/** Whether `v` can be encoded with `tag`. */
function fits(tag: FieldTypeTag, v: FieldValue): boolean {
  switch (tag) {
    case 't':
      return typeof v === 'boolean';
    case 'b':
      return isIntIn(v, -0x80, 0x7f);
    case 'B':
      return isIntIn(v, 0, 0xff);
    case 's':
      return isIntIn(v, -0x8000, 0x7fff);
    case 'u':
      return isIntIn(v, 0, 0xffff);
    case 'I':
      return isIntIn(v, INT32_MIN, INT32_MAX);
    case 'i':
      return isIntIn(v, 0, 0xffff_ffff);
    case 'l':
      return isInt64(v, INT64_MIN, INT64_LIMIT);
    case 'L':
      return isInt64(v, 0n, UINT64_LIMIT);
    case 'f':
    case 'd':
      return typeof v === 'number';
    case 'D':
      return v instanceof Decimal && isIntIn(v.scale, 0, 0xff) && isIntIn(v.value, 0, 0xffff_ffff);
    case 'S':
      return typeof v === 'string' || v instanceof Uint8Array;
    case 'x':
      return v instanceof Uint8Array;
    case 'A':
      return Array.isArray(v);
    case 'T':
      return v instanceof Date ? v.getTime() >= 0 : isInt64(v, 0n, UINT64_LIMIT);
    case 'F':
      return typeof v === 'object' && inferObjectType(v) === 'F';
    case 'V':
      return v === null || v === undefined;
  }
}

/** Writes tag + value; `fits(tag, v)` must hold (the casts rely on it). */
function writeAs(w: Writer, tag: FieldTypeTag, v: FieldValue): void {
  w.u8(tag.charCodeAt(0));
  switch (tag) {
    case 't':
      return w.u8(v === true ? 1 : 0);
    case 'b':
      return w.i8(v as number);
    case 'B':
      return w.u8(v as number);
    case 's':
      return w.i16(v as number);
    case 'u':
      return w.u16(v as number);
    case 'I':
      return w.i32(v as number);
    case 'i':
      return w.u32(v as number);
    case 'l':
      return w.i64(v as number | bigint);
    case 'L':
      return w.u64(v as number | bigint);
    case 'f':
      return w.f32(v as number);
    case 'd':
      return w.f64(v as number);
    case 'D':
      w.u8((v as Decimal).scale);
      return w.u32((v as Decimal).value);
    case 'S':
      return w.longstr(v as string | Uint8Array);
    case 'x':
      w.u32((v as Uint8Array).length);
      return w.bytes(v as Uint8Array);
    case 'A':
      return encodeFieldArray(w, v as FieldValue[]);
    case 'T':
      return w.u64(v instanceof Date ? Math.floor(v.getTime() / 1000) : (v as number | bigint));
    case 'F':
      return encodeFieldTable(w, v as FieldTable);
    case 'V':
      return;
  }
}

function isIntIn(v: FieldValue, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isInt64(v: FieldValue, min: bigint, limit: bigint): v is number | bigint {
  if (typeof v === 'bigint') return v >= min && v < limit;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= Number(min);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v.constructor as { name?: string } | undefined)?.name ?? 'object';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

// ---------------------------------------------------------------------------------------
// Decoding

/** Reads a field table (uint32 length + entries) at the reader's position. */
export function decodeFieldTable(r: Reader, depth = 0): FieldTable {
  const n = r.u32();
  const end = r.pos + n;
  if (end > r.end) r.fail(`field table of ${n} bytes runs past its container`);
  if (depth >= MAX_DEPTH) r.fail(`field tables nested deeper than ${MAX_DEPTH}`);
  const outer = r.end;
  r.end = end;
  const table: FieldTable = {};
  let types: WireTypes | undefined;
  while (r.pos < end) {
    const key = r.tableKey();
    const tag = r.u8();
    const value = readValue(r, tag, depth);
    if (key === '__proto__') {
      Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      table[key] = value;
    }
    const wire = tagOf(tag);
    if (inferFieldType(value) !== wire) (types ??= new Map()).set(key, wire);
  }
  r.end = outer;
  if (types !== undefined) attachWireTypes(table, types);
  return table;
}

/** Reads a field array (uint32 length + tagged values) at the reader's position. */
export function decodeFieldArray(r: Reader, depth = 0): FieldValue[] {
  const n = r.u32();
  const end = r.pos + n;
  if (end > r.end) r.fail(`field array of ${n} bytes runs past its container`);
  if (depth >= MAX_DEPTH) r.fail(`field arrays nested deeper than ${MAX_DEPTH}`);
  const outer = r.end;
  r.end = end;
  const array: FieldValue[] = [];
  let types: WireTypes | undefined;
  while (r.pos < end) {
    const tag = r.u8();
    const value = readValue(r, tag, depth);
    const wire = tagOf(tag);
    if (inferFieldType(value) !== wire) (types ??= new Map()).set(array.length, wire);
    array.push(value);
  }
  r.end = outer;
  if (types !== undefined) attachWireTypes(array, types);
  return array;
}

function attachWireTypes(target: object, types: WireTypes): void {
  Object.defineProperty(target, WIRE_TYPES, {
    value: types,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

function readValue(r: Reader, tag: number, depth: number): FieldValue {
  switch (tag) {
    case 0x74: // t
      return r.u8() !== 0;
    case 0x62: // b
      return r.i8();
    case 0x42: // B
      return r.u8();
    case 0x73: // s
      return r.i16();
    case 0x75: // u
      return r.u16();
    case 0x49: // I
      return r.i32();
    case 0x69: // i
      return r.u32();
    case 0x6c: // l
      return r.i64Exact();
    case 0x4c: // L
      return r.u64Exact();
    case 0x66: // f
      return r.f32();
    case 0x64: // d
      return r.f64();
    default:
      return readComposite(r, tag, depth);
  }
}

function readComposite(r: Reader, tag: number, depth: number): FieldValue {
  switch (tag) {
    case 0x44: // D
      return new Decimal(r.u8(), r.u32());
    case 0x53: // S
      return readLongString(r);
    case 0x78: // x
      return Buffer.from(r.view(r.u32(), 'byte array'));
    case 0x41: // A
      return decodeFieldArray(r, depth + 1);
    case 0x54: // T
      return readTimestamp(r);
    case 0x46: // F
      return decodeFieldTable(r, depth + 1);
    case 0x56: // V
      return null;
    default:
      return r.fail(`unknown field type tag 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

function readLongString(r: Reader): string | Buffer {
  const n = r.u32();
  const start = r.pos;
  r.need(n, 'long string');
  r.pos = start + n;
  const s = utf8(r.buf, start, start + n);
  if (!s.includes('\uFFFD')) return s;
  const bytes = r.buf.subarray(start, start + n);
  return isUtf8(bytes) ? s : Buffer.from(bytes);
}

function readTimestamp(r: Reader): Date | number | bigint {
  const seconds = r.u64Exact();
  return typeof seconds === 'number' && seconds <= MAX_DATE_SECONDS ? new Date(seconds * 1000) : seconds;
}

const TAGS: readonly FieldTypeTag[] = [
  't',
  'b',
  'B',
  's',
  'u',
  'I',
  'i',
  'l',
  'L',
  'f',
  'd',
  'D',
  'S',
  'x',
  'A',
  'T',
  'F',
  'V',
];
const TAG_BY_CODE: (FieldTypeTag | undefined)[] = [];
for (const t of TAGS) TAG_BY_CODE[t.charCodeAt(0)] = t;

function tagOf(code: number): FieldTypeTag {
  return TAG_BY_CODE[code]!;
}

// ---------------------------------------------------------------------------------------
// Standalone helpers

/** Encodes a table to a standalone Buffer (length prefix included). */
export function encodeTable(table: FieldTable): Buffer {
  const w = new Writer(256);
  encodeFieldTable(w, table);
  return w.take();
}

/** Decodes a standalone encoded table (length prefix included); rejects trailing bytes. */
export function decodeTable(buf: Buffer): FieldTable {
  const r = new Reader(buf);
  const table = decodeFieldTable(r);
  r.expectEnd('field table');
  return table;
}
