/**
 * Prints typed field values the way RabbitMQ's error texts show them (Erlang's ~tp of the
 * decoded term), e.g. `<<"bogus">>`, `byte`, `[{<<"a">>,byte,1}]`. Only used to build reply
 * texts, so it aims at the common cases; Erlang's line wrapping of long terms is not copied.
 */
import { isUtf8 } from 'node:buffer';
import { Decimal } from '../../protocol/field-value.js';
import type { FieldTable, FieldTypeTag } from '../../protocol/field-value.js';
import { isTable, tableKeys, toBytes, toInteger, toTimestampSeconds, typedEntry } from './field-equality.js';
import type { Typed } from './field-equality.js';

const TYPE_NAMES: Record<FieldTypeTag, string> = {
  t: 'bool',
  b: 'byte',
  B: 'unsignedbyte',
  s: 'short',
  u: 'unsignedshort',
  I: 'signedint',
  i: 'unsignedint',
  l: 'long',
  L: 'long',
  f: 'float',
  d: 'double',
  D: 'decimal',
  S: 'longstr',
  x: 'binary',
  A: 'array',
  T: 'timestamp',
  F: 'table',
  V: 'void',
};

/** RabbitMQ's name for a field type (the atom in its {Key, Type, Value} triples). */
export function erlangTypeName(tag: FieldTypeTag): string {
  return TYPE_NAMES[tag];
}

/** The decoded Erlang value of a typed field value, printed. */
export function erlangValue(t: Typed): string {
  const { tag, value } = t;
  switch (tag) {
    case 't':
      return value ? 'true' : 'false';
    case 'f':
      return erlangFloat(Math.fround(Number(value)));
    case 'd':
      return erlangFloat(Number(value));
    case 'D':
      return value instanceof Decimal ? `{${value.scale},${value.value}}` : 'undefined';
    case 'S':
    case 'x':
      return erlangBinary(toBytes(value));
    case 'A':
      return Array.isArray(value)
        ? `[${value.map((_, i) => erlangTuple(typedEntry(value, i))).join(',')}]`
        : '[]';
    case 'T':
      return String(toTimestampSeconds(value));
    case 'F':
      return isTable(value) ? erlangTable(value) : '[]';
    case 'V':
      return 'undefined';
    case 'b':
    case 'B':
    case 's':
    case 'u':
    case 'I':
    case 'i':
    case 'l':
    case 'L':
      return String(toInteger(value));
  }
}

function erlangTuple(t: Typed): string {
  return `{${erlangTypeName(t.tag)},${erlangValue(t)}}`;
}

function erlangTable(table: FieldTable): string {
  const items = tableKeys(table).map((k) => {
    const t = typedEntry(table, k);
    return `{${erlangBinary(Buffer.from(k, 'utf8'))},${erlangTypeName(t.tag)},${erlangValue(t)}}`;
  });
  return `[${items.join(',')}]`;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\b': '\\b',
  '\f': '\\f',
  '\x1b': '\\e',
};

/**
 * A binary as RabbitMQ's texts show it: `<<"text">>` when every byte is printable Latin-1
 * (so UTF-8 text comes through as its own bytes: `<<"é">>`, as seen from RabbitMQ), else
 * the bytes: `<<1,2,3>>`.
 */
export function erlangBinary(bytes: Buffer): string {
  if (bytes.length === 0) return '<<>>';
  if (!bytes.every(isPrintableByte)) return `<<${[...bytes].join(',')}>>`;
  const text = isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
  return `<<"${[...text].map((c) => ESCAPES[c] ?? c).join('')}">>`;
}

function isPrintableByte(b: number): boolean {
  return (b >= 32 && b < 127) || b >= 160 || (b >= 8 && b <= 13) || b === 27;
}

/** Erlang prints floats with a fraction or exponent always present: 1.0, 0.5, 1.0e21. */
export function erlangFloat(n: number): string {
  const s = String(n).replace('e+', 'e');
  if (s.includes('e')) {
    const [mantissa = '', exponent = ''] = s.split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`;
  }
  return s.includes('.') ? s : `${s}.0`;
}
