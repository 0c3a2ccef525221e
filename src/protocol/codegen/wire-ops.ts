/**
 * How generated code reads and writes one non-bit field of each wire type, shared by the
 * method and property emitters so both speak to Reader/Writer the same way. Bits are packed
 * into octets by the method emitter itself (properties have none).
 */
import type { WireType } from './spec-model.js';

export type ByteWireType = Exclude<WireType, 'bit'>;

export const READ: Record<ByteWireType, string> = {
  octet: 'r.u8()',
  short: 'r.u16()',
  long: 'r.u32()',
  longlong: 'r.u64()',
  timestamp: 'r.u64()',
  shortstr: 'r.shortstr()',
  longstr: 'r.longstr()',
  table: 'decodeFieldTable(r)',
};

export const WRITE: Record<ByteWireType, (v: string) => string> = {
  octet: (v) => `w.u8(${v});`,
  short: (v) => `w.u16(${v});`,
  long: (v) => `w.u32(${v});`,
  longlong: (v) => `w.u64(${v});`,
  timestamp: (v) => `w.u64(${v});`,
  shortstr: (v) => `w.shortstr(${v});`,
  longstr: (v) => `w.longstr(${v});`,
  table: (v) => `encodeFieldTable(w, ${v});`,
};

/** The field's type, asserted not to be a bit (bits never reach READ/WRITE). */
export function byteType(type: WireType, what: string): ByteWireType {
  if (type === 'bit') throw new Error(`${what}: bit fields are packed, not read one by one`);
  return type;
}
