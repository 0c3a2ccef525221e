/**
 * fast-check arbitraries driven by the vendored spec JSON, read here independently of the
 * codegen so the tests cross-check it: the method list, each argument's resolved domain
 * type, and values for every type. Also "typed trees" — field values paired with an
 * explicit wire tag — from which both our TypedValue input and amqplib's `{'!': type}`
 * input are derived, plus the plain values each decoder should produce.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  Decimal,
  typed,
  type FieldTable,
  type FieldTypeTag,
  type FieldValue,
} from '../../src/protocol/index.js';

export type WireType =
  'bit' | 'octet' | 'short' | 'long' | 'longlong' | 'shortstr' | 'longstr' | 'table' | 'timestamp';

export interface SpecField {
  name: string;
  type: WireType;
}

export interface SpecMethod {
  fullName: string;
  classId: number;
  methodId: number;
  hasContent: boolean;
  fields: SpecField[];
}

interface RawArg {
  name: string;
  type?: string;
  domain?: string;
}

interface RawSpec {
  domains: [string, string][];
  classes: {
    id: number;
    name: string;
    methods: { id: number; name: string; content?: boolean; arguments: RawArg[] }[];
    properties?: RawArg[];
  }[];
}

const SPEC_URL = new URL('../../src/protocol/spec/amqp0-9-1.json', import.meta.url);
export const RAW_SPEC = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as RawSpec;

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const domains = new Map(RAW_SPEC.domains);
const resolve = (a: RawArg): SpecField => ({
  name: camel(a.name),
  type: (a.type ?? domains.get(a.domain ?? '')) as WireType,
});

/** Every method of the spec JSON, in spec order. */
export const SPEC_METHODS: SpecMethod[] = RAW_SPEC.classes.flatMap((c) =>
  c.methods.map((m) => ({
    fullName: `${c.name}.${m.name}`,
    classId: c.id,
    methodId: m.id,
    hasContent: m.content === true,
    fields: m.arguments.map(resolve),
  })),
);

/** The basic class's content properties. */
export const SPEC_BASIC_PROPERTIES: SpecField[] = (
  RAW_SPEC.classes.find((c) => c.name === 'basic')?.properties ?? []
).map(resolve);

const u32 = fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map(Number);

/** Strings of at most 255 UTF-8 bytes, mixing any code points and long ASCII. */
export const shortstr = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 63 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 255 }),
);

const key = shortstr.filter((k) => k !== '__proto__');

// ---------------------------------------------------------------------------------------
// Typed trees: a value together with the wire tag it must be encoded with.

export type TypedTree =
  | { tag: Exclude<FieldTypeTag, 'A' | 'F'>; value: FieldValue }
  | { tag: 'A'; items: TypedTree[] }
  | { tag: 'F'; entries: [string, TypedTree][] };

export interface TreeOptions {
  /** Restrict to what amqplib encodes and decodes faithfully. */
  amqplib?: boolean;
  /** Allow S values that are arbitrary bytes (maybe invalid UTF-8). */
  rawStrings?: boolean;
}

function leafArbitrary(opts: TreeOptions): fc.Arbitrary<TypedTree> {
  const int = (min: number, max: number) => fc.integer({ min, max });
  const leaf = <T extends FieldValue>(tag: Exclude<FieldTypeTag, 'A' | 'F'>, arb: fc.Arbitrary<T>) =>
    arb.map((value): TypedTree => ({ tag, value }));
  const safe = fc.maxSafeInteger();
  const leaves = [
    leaf('t', fc.boolean()),
    leaf('b', int(-128, 127)),
    leaf('B', int(0, 255)),
    leaf('s', int(-0x8000, 0x7fff)),
    leaf('u', int(0, 0xffff)),
    leaf('I', int(-0x8000_0000, 0x7fff_ffff)),
    leaf('i', u32),
    leaf<number | bigint>('l', opts.amqplib ? safe : fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })),
    leaf('f', fc.float({ noDefaultInfinity: opts.amqplib, noNaN: opts.amqplib })),
    leaf('d', fc.double({ noNaN: opts.amqplib })),
    leaf(
      'D',
      fc.tuple(int(0, 255), u32).map(([s, v]) => new Decimal(s, v)),
    ),
    leaf('S', fc.string({ unit: 'binary', maxLength: 40 })),
    leaf(
      'x',
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    ),
    leaf<number | bigint>(
      'T',
      opts.amqplib ? fc.maxSafeNat() : fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    ),
    leaf('V', fc.constant(null)),
  ];
  if (!opts.amqplib) leaves.push(leaf('L', fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })));
  if (opts.rawStrings)
    leaves.push(
      leaf(
        'S',
        fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
      ),
    );
  return fc.oneof(...leaves);
}

/** A field table as a typed tree. */
export function typedTableArbitrary(opts: TreeOptions = {}): fc.Arbitrary<[string, TypedTree][]> {
  const { tree } = fc.letrec<{ tree: TypedTree; table: TypedTree; array: TypedTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArbitrary(opts),
      tie('table'),
      tie('array'),
    ),
    table: fc
      .uniqueArray(fc.tuple(key, tie('tree')), { maxLength: 5, selector: ([k]) => k })
      .map((entries): TypedTree => ({ tag: 'F', entries })),
    array: fc.array(tie('tree'), { maxLength: 5 }).map((items): TypedTree => ({ tag: 'A', items })),
  }));
  return fc.uniqueArray(fc.tuple(key, tree), { maxLength: 6, selector: ([k]) => k });
}

/** Our encoder input: TypedValue leaves. */
export function toTyped(t: TypedTree): FieldValue {
  if (t.tag === 'A') return typed('A', t.items.map(toTyped));
  if (t.tag === 'F') return typed('F', Object.fromEntries(t.entries.map(([k, v]) => [k, toTyped(v)])));
  return typed(t.tag, t.value);
}

export function toTypedTable(entries: [string, TypedTree][]): FieldTable {
  return Object.fromEntries(entries.map(([k, v]) => [k, toTyped(v)]));
}

/** What our decoder yields for a tree. */
export function toPlain(t: TypedTree): FieldValue {
  if (t.tag === 'A') return t.items.map(toPlain);
  if (t.tag === 'F') return plainOfTree(t.entries);
  if (t.tag === 'l' || t.tag === 'L') {
    return typeof t.value === 'bigint' && narrowable(t.value) ? Number(t.value) : t.value;
  }
  if (t.tag === 'T') return plainTimestamp(t.value as number | bigint);
  if (t.tag === 'S' && t.value instanceof Uint8Array && isValidUtf8(t.value)) {
    return Buffer.from(t.value).toString('utf8');
  }
  return t.value;
}

/** What our decoder yields for a typed table. */
export function plainOfTree(entries: [string, TypedTree][]): FieldTable {
  return Object.fromEntries(entries.map(([k, v]) => [k, toPlain(v)]));
}

function narrowable(v: bigint): boolean {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
}

function plainTimestamp(v: number | bigint): FieldValue {
  const n = typeof v === 'bigint' && narrowable(v) ? Number(v) : v;
  return typeof n === 'number' && n <= 8.64e12 ? new Date(n * 1000) : n;
}

function isValidUtf8(b: Uint8Array): boolean {
  return Buffer.from(Buffer.from(b).toString('utf8'), 'utf8').equals(b);
}

const AMQPLIB_TYPES: Partial<Record<FieldTypeTag, string>> = {
  b: 'int8',
  B: 'uint8',
  s: 'int16',
  u: 'uint16',
  I: 'int32',
  i: 'uint32',
  l: 'int64',
  f: 'float',
  d: 'double',
  T: 'timestamp',
};

/** amqplib's encoder input for a tree (its `{'!': type, value}` trapdoor for typed numbers). */
export function toAmqplib(t: TypedTree): unknown {
  if (t.tag === 'A') return t.items.map(toAmqplib);
  if (t.tag === 'F') return Object.fromEntries(t.entries.map(([k, v]) => [k, toAmqplib(v)]));
  if (t.tag === 'D') {
    const d = t.value as Decimal;
    return { '!': 'decimal', value: { places: d.scale, digits: d.value } };
  }
  const type = AMQPLIB_TYPES[t.tag];
  return type === undefined ? t.value : { '!': type, value: t.value };
}

/**
 * What amqplib's decoder yields for a tree: numbers plain, T and D boxed as
 * `{'!': 'timestamp' | 'decimal', value}`, everything else as given.
 */
export function amqplibDecoded(t: TypedTree): unknown {
  if (t.tag === 'A') return t.items.map(amqplibDecoded);
  if (t.tag === 'F') return Object.fromEntries(t.entries.map(([k, v]) => [k, amqplibDecoded(v)]));
  const boxed = toAmqplib(t);
  if (t.tag === 'T' || t.tag === 'D') return boxed;
  return t.value;
}

// ---------------------------------------------------------------------------------------
// Plain field tables (values encoded by inference).

const plainLeaf: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
    fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: (1n << 63n) - 1n }),
  ),
  fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
  fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => new Date(s * 1000)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), u32).map(([s, v]) => new Decimal(s, v)),
  fc.constant(null),
);

/** Field tables of plain values whose decoded form equals the input (up to depth 3). */
export const plainTableArbitrary: fc.Arbitrary<FieldTable> = fc.letrec<{
  value: FieldValue;
  table: FieldTable;
}>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, plainLeaf, tie('table'), fc.array(tie('value'), { maxLength: 4 })),
  table: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
})).table;

// ---------------------------------------------------------------------------------------
// Method arguments

/** Values for a method argument of the given type; tables come from `table`. */
export function fieldArbitrary(
  type: WireType,
  table: fc.Arbitrary<unknown> = plainTableArbitrary,
): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bit':
      return fc.boolean();
    case 'octet':
      return fc.integer({ min: 0, max: 255 });
    case 'short':
      return fc.integer({ min: 0, max: 0xffff });
    case 'long':
      return u32;
    case 'longlong':
    case 'timestamp':
      return fc.maxSafeNat();
    case 'shortstr':
      return shortstr;
    case 'longstr':
      return fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
    case 'table':
      return table;
  }
}

/** A method object (`{ name, ...fields }`) with arbitrary arguments. */
export function methodArbitrary(
  m: SpecMethod,
  table?: fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(m.fields.map((f) => [f.name, fieldArbitrary(f.type, table)]));
  return fc.record(fields).map((r) => ({ name: m.fullName, ...r }));
}
