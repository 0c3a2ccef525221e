/**
 * RabbitMQ's names for field-value types, as they appear in its error texts
 * ("received the value '1000' of type 'short' but current is none"). Uses the wire type a
 * decoded table remembers (WIRE_TYPES) and otherwise the type the codec would encode the
 * plain value with (so the name matches what actually goes on the wire).
 */
import { Decimal, TypedValue } from '../protocol/field-value.js';
import { erlangTypeName } from './exchange/erlang-term.js';
import { typedEntry } from './exchange/field-equality.js';
import type { FieldTable, FieldValue } from '../protocol/field-value.js';

/** RabbitMQ's type name for `table[key]` (its wire type, resolved as bindings resolve it). */
export function fieldTypeName(table: FieldTable, key: string): string {
  return erlangTypeName(typedEntry(table, key).tag);
}

/** The plain value behind a possibly typed field value. */
export function plainValue(value: FieldValue): FieldValue {
  return value instanceof TypedValue ? value.value : value;
}

/** How RabbitMQ prints a value inside '…' in error texts. */
export function showValue(value: FieldValue): string {
  const v = plainValue(value);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return String(Math.floor(v.getTime() / 1000));
  if (v instanceof Decimal) return String(v.toNumber());
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** Deep equality of field values, as argument-equivalence checks need it. */
export function fieldValuesEqual(a: FieldValue, b: FieldValue): boolean {
  const x = plainValue(a);
  const y = plainValue(b);
  if (x === y) return true;
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    return (typeof x === 'number' || typeof x === 'bigint') &&
      (typeof y === 'number' || typeof y === 'bigint')
      ? BigInt(x) === BigInt(y)
      : false;
  }
  if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  if (x instanceof Decimal && y instanceof Decimal) return x.scale === y.scale && x.value === y.value;
  if (Array.isArray(x) && Array.isArray(y)) {
    return x.length === y.length && x.every((v, i) => fieldValuesEqual(v, y[i]));
  }
  if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
    if (Array.isArray(x) || Array.isArray(y) || Buffer.isBuffer(x) || Buffer.isBuffer(y)) return false;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    return kx.every(
      (k) => Object.hasOwn(y, k) && fieldValuesEqual((x as FieldTable)[k], (y as FieldTable)[k]),
    );
  }
  return false;
}
