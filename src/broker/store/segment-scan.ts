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

export interface ScannedRecord {
  /** Offset of the record header in the file. */
  pos: number;
  /** Total length (header + payload). */
  len: number;
}

export interface DamagedRegion {
  /** First byte that is not part of a valid record. */
  offset: number;
  /** Where the next valid record starts (or the file's end). */
  end: number;
  reason: string;
}

export interface SegmentScan {
  records: ScannedRecord[];
  damage: DamagedRegion[];
}

/** Smallest payload of each record type: type byte, fixed fields, empty queue key. */
const MIN_PAYLOAD: Record<number, number> = {
  [RecordType.Publish]: 1 + 1 + 2 + 8 + 8 + 1 + 1 + 4,
  [RecordType.Remove]: 1 + 2 + 8,
  [RecordType.Delivered]: 1 + 2 + 8,
  [RecordType.Drop]: 1 + 2,
};

/** The record at `pos` is whole, checksummed and well formed: its length, else a reason. */
export function validRecordAt(buf: Buffer, pos: number): number | string {
  const len = checkRecord(buf, pos, buf.length);
  if (typeof len === 'string') return len;
  return malformed(buf, pos + RECORD_HEADER, pos + len) ?? len;
}

/** What is structurally wrong with the payload `buf[p, end)`, read without trusting its CRC. */
function malformed(buf: Buffer, p: number, end: number): string | undefined {
  const type = buf[p]! as RecordType;
  const min = MIN_PAYLOAD[type];
  if (min === undefined) return `unknown record type ${type}`;
  if (end - p < min) return `record too short for type ${type}`;
  const publish = type === RecordType.Publish;
  if (publish && (buf[p + 1]! & ~FLAG_DELIVERED) !== 0) return 'unknown flags';
  const keyAt = p + (publish ? 4 : 3);
  const keyLen = buf.readUInt16BE(keyAt - 2);
  if (keyLen > end - p - min) return 'queue key runs past the record';
  // A queue key is "vhost\0name".
  if (buf.indexOf(0, keyAt) < 0 || buf.indexOf(0, keyAt) >= keyAt + keyLen) return 'not a queue key';
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
  const min = MIN_PAYLOAD[buf[pos + RECORD_HEADER]!];
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

export function scanSegment(buf: Buffer): SegmentScan {
  const out: SegmentScan = { records: [], damage: [] };
  if (buf.length === 0) return out;
  let pos = SEGMENT_MAGIC.length;
  if (!hasSegmentHeader(buf)) {
    const next = resync(buf, 0);
    out.damage.push({ offset: 0, end: next, reason: 'bad segment header' });
    pos = next;
  }
  while (pos < buf.length) {
    const len = validRecordAt(buf, pos);
    if (typeof len === 'number') {
      out.records.push({ pos, len });
      pos += len;
      continue;
    }
    const next = resync(buf, pos + 1);
    out.damage.push({ offset: pos, end: next, reason: len });
    pos = next;
  }
  return out;
}

/** The only damage is one region running to the end of the file: a write cut short. */
export function isTornTail(scan: SegmentScan, size: number): boolean {
  return scan.damage.length === 1 && scan.damage[0]!.end === size && scan.damage[0]!.offset > 0;
}
