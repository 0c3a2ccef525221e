/**
 * AMQP field tables ↔ JSON, as the management API shows arguments and headers: byte
 * strings as UTF-8 text, 64-bit integers as numbers, timestamps as seconds, decimals as
 * numbers. From JSON: integers stay integers, objects become nested tables.
 */
import { Decimal, TypedValue } from '../../protocol/field-value.js';
import type { FieldTable, FieldValue } from '../../protocol/field-value.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function valueToJson(v: FieldValue | undefined): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (v instanceof Decimal) return v.toNumber();
  if (v instanceof TypedValue) return valueToJson(v.value);
  if (Array.isArray(v)) return v.map((x) => valueToJson(x));
  return tableToJson(v);
}

export function tableToJson(t: FieldTable | undefined): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (t === undefined) return out;
  for (const [k, v] of Object.entries(t)) out[k] = valueToJson(v);
  return out;
}

export function jsonToValue(v: unknown): FieldValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map((x) => jsonToValue(x));
  if (typeof v === 'object') return jsonToTable(v);
  return null;
}

export function jsonToTable(v: unknown): FieldTable {
  const out: FieldTable = {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonToValue(x);
  return out;
}
