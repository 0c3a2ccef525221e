/**
 * Values carried in AMQP field tables and arrays, as users and the broker see them.
 *
 * Decoding yields plain JavaScript values (string, number, boolean, bigint, Buffer, Date,
 * Decimal, null, arrays, tables). Plain values are encoded with an inferred wire type
 * (see field-table.ts). Where the wire type is not the inferred one (an int64 holding 5, a
 * short string), the decoder remembers it on the containing table or array under
 * WIRE_TYPES, a non-enumerable symbol, so re-encoding a decoded table is byte-identical
 * while users still read plain values. To choose a type explicitly, wrap a value with
 * `typed(tag, value)`.
 */

/** RabbitMQ's field-value type tags (the set amqplib and RabbitMQ use on the wire). */
export type FieldTypeTag =
  | 't' // boolean
  | 'b' // int8
  | 'B' // uint8
  | 's' // int16
  | 'u' // uint16
  | 'I' // int32
  | 'i' // uint32
  | 'l' // int64
  | 'L' // uint64 (not in RabbitMQ's set proper, decoded for robustness)
  | 'f' // float32
  | 'd' // float64
  | 'D' // decimal: scale octet + uint32 (RabbitMQ and amqplib read the value unsigned)
  | 'S' // long string (bytes; decoded as UTF-8 string)
  | 'x' // byte array
  | 'A' // field array
  | 'T' // timestamp, seconds
  | 'F' // nested table
  | 'V'; // void

/** AMQP decimal: value × 10^-scale. */
export class Decimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
  toNumber(): number {
    return this.value / 10 ** this.scale;
  }
}

/** An explicitly typed field value: encoded with exactly `type`. */
export class TypedValue {
  constructor(
    readonly type: FieldTypeTag,
    readonly value: FieldValue,
  ) {}
}

export type FieldValue =
  | string
  | number
  | boolean
  | bigint
  | Buffer
  | Uint8Array
  | Date
  | Decimal
  | TypedValue
  | null
  | undefined
  | FieldValue[]
  | FieldTable;

export interface FieldTable {
  [key: string]: FieldValue;
}

/** Non-enumerable map key → wire tag (tables) or index → tag (arrays), set by the decoder. */
export const WIRE_TYPES: unique symbol = Symbol('warren.wireTypes');

/** The map stored under WIRE_TYPES: table key or array index → the tag it was decoded from. */
export type WireTypes = Map<string | number, FieldTypeTag>;

export function typed(type: FieldTypeTag, value: FieldValue): TypedValue {
  return new TypedValue(type, value);
}
