/**
 * Reads one segment file's bytes into its valid records and its damaged regions, without
 * changing anything. Shared by recovery (which decides torn tail vs corruption), by
 * `warren data check` and by `warren data repair`.
 *
 * After a bad record the scan resynchronises on the record framing: it looks, byte by
 * byte, for the next offset where a record's length fits, its type byte and queue-key
 * length are plausible and its CRC32 matches, and carries on from there. A CRC32 match on
 * random bytes has odds of 2^-32 per candidate; a message body that itself contains a
 * well-formed record could still be mistaken for one inside a damaged region (the limit of
 * any framing-only resync). Before a CRC the candidate must be well formed (type, flags,
 * a "vhost NUL name" queue key, a whole-number seq, field lengths inside the record), so the
 * scan stays linear in practice.
 */
import {
  FLAG_DELIVERED,
  LEGACY_SEGMENT_MAGIC,
  RECORD_HEADER,
  RecordType,
  SEGMENT_MAGIC,
  checkRecord,
} from './record-codec.js';
import { crc32 } from 'node:zlib';

/** Called for each valid record, in file order: header offset and total length. */
export type OnRecord = (pos: number, len: number) => void;

export interface DamagedRegion {
  /** First byte that is not part of a valid record. */
  offset: number;
  /** Where the next valid record starts (or the file's end). */
  end: number;
  reason: string;
}

export interface SegmentScan {
  /** Valid records found. */
  records: number;
  damage: DamagedRegion[];
}

/** Smallest payload of each record type (index = type byte; 0 = no such type). */
const MIN_PAYLOAD: readonly number[] = [
  0,
  /* Publish */ 1 + 1 + 2 + 8 + 8 + 1 + 1 + 4,
  /* Remove */ 1 + 2 + 8,
  /* Delivered */ 1 + 2 + 8,
  /* Drop */ 1 + 2,
];

const minPayload = (type: number): number | undefined =>
  type >= 1 && type <= 4 ? MIN_PAYLOAD[type] : undefined;

/** The hot path of a healthy segment: the record's total length, or -1 (validRecordAt says why). */
function recordLength(buf: Buffer, pos: number): number {
  if (pos + RECORD_HEADER + 3 > buf.length) return -1;
  const len = buf.readUInt32BE(pos);
  const p = pos + RECORD_HEADER;
  if (p + len > buf.length) return -1;
  const type = buf[p]!;
  if (type < 1 || type > 4 || len < MIN_PAYLOAD[type]!) return -1;
  const keyLen = buf.readUInt16BE(type === 1 ? p + 2 : p + 1);
  if (keyLen > len - MIN_PAYLOAD[type]!) return -1;
  if (crc32(buf.subarray(p, p + len)) !== buf.readUInt32BE(pos + 4)) return -1;
  return len + RECORD_HEADER;
}

/**
 * The record at `pos` is whole, checksummed and its head readable: its length, else a
 * reason. (A CRC-valid record is trusted beyond its head, as before the scan existed; the
 * full structure check is for resync candidates, which have no such trust.)
 */
export function validRecordAt(buf: Buffer, pos: number): number | string {
  const len = checkRecord(buf, pos, buf.length);
  if (typeof len === 'string') return len;
  const p = pos + RECORD_HEADER;
  const type = buf[p]! as RecordType;
  const min = minPayload(type);
  if (min === undefined) return `unknown record type ${type}`;
  if (len - RECORD_HEADER < min) return `record too short for type ${type}`;
  const keyLen = buf.readUInt16BE(type === RecordType.Publish ? p + 2 : p + 1);
  if (keyLen > len - RECORD_HEADER - min) return 'queue key runs past the record';
  return len;
}

/** A queue key is "vhost NUL name" (scans only the key's bytes). */
function hasNul(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === 0) return true;
  return false;
}

/** What is structurally wrong with the payload `buf[p, end)`, read without trusting its CRC. */
function malformed(buf: Buffer, p: number, end: number): string | undefined {
  const type = buf[p]! as RecordType;
  const min = minPayload(type);
  if (min === undefined) return `unknown record type ${type}`;
  if (end - p < min) return `record too short for type ${type}`;
  const publish = type === RecordType.Publish;
  if (publish && (buf[p + 1]! & ~FLAG_DELIVERED) !== 0) return 'unknown flags';
  const keyAt = p + (publish ? 4 : 3);
  const keyLen = buf.readUInt16BE(keyAt - 2);
  if (keyLen > end - p - min) return 'queue key runs past the record';
  if (!hasNul(buf, keyAt, keyAt + keyLen)) return 'not a queue key';
  if (type === RecordType.Drop)
    return end - p === min + keyLen ? undefined : 'record length does not match its type';
  const seq = buf.readDoubleBE(keyAt + keyLen);
  if (!Number.isSafeInteger(seq) || seq < 0) return 'not a sequence number';
  if (!publish) return end - p === min + keyLen ? undefined : 'record length does not match its type';
  // exchange, routing key, properties: each length must stay inside the record.
  let q = keyAt + keyLen + 16;
  q += 1 + buf[q]!;
  if (q >= end) return 'exchange runs past the record';
  q += 1 + buf[q]!;
  if (q + 4 > end) return 'routing key runs past the record';
  if (q + 4 + buf.readUInt32BE(q) > end) return 'properties run past the record';
  return undefined;
}

/** Framing and structure allow a record at `pos` (checked before paying for a CRC). */
function couldStart(buf: Buffer, pos: number): boolean {
  if (pos + RECORD_HEADER + 3 > buf.length) return false;
  const len = buf.readUInt32BE(pos);
  const min = minPayload(buf[pos + RECORD_HEADER]!);
  if (min === undefined || len < min || pos + RECORD_HEADER + len > buf.length) return false;
  return malformed(buf, pos + RECORD_HEADER, pos + RECORD_HEADER + len) === undefined;
}

/** The next offset at or after `from` where a valid record starts, or the buffer's length. */
export function resync(buf: Buffer, from: number): number {
  for (let p = from; p < buf.length; p++)
    if (couldStart(buf, p) && typeof checkRecord(buf, p, buf.length) === 'number') return p;
  return buf.length;
}

/** Has the segment header (current or legacy magic). */
export function hasSegmentHeader(buf: Buffer): boolean {
  if (buf.length < SEGMENT_MAGIC.length) return false;
  const head = buf.subarray(0, SEGMENT_MAGIC.length);
  return head.equals(SEGMENT_MAGIC) || head.equals(LEGACY_SEGMENT_MAGIC);
}

export function scanSegment(buf: Buffer, onRecord: OnRecord): SegmentScan {
  const out: SegmentScan = { records: 0, damage: [] };
  if (buf.length === 0) return out;
  let pos = SEGMENT_MAGIC.length;
  if (!hasSegmentHeader(buf)) {
    const next = resync(buf, 0);
    out.damage.push({ offset: 0, end: next, reason: 'bad segment header' });
    pos = next;
  }
  while (pos < buf.length) {
    const len = recordLength(buf, pos);
    if (len > 0) {
      out.records++;
      onRecord(pos, len);
      pos += len;
      continue;
    }
    const next = resync(buf, pos + 1);
    out.damage.push({ offset: pos, end: next, reason: String(validRecordAt(buf, pos)) });
    pos = next;
  }
  return out;
}

/** The only damage is one region running to the end of the file: a write cut short. */
export function isTornTail(scan: SegmentScan, size: number): boolean {
  return scan.damage.length === 1 && scan.damage[0]!.end === size && scan.damage[0]!.offset > 0;
}
