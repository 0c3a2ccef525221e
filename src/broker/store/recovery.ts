/**
 * Replays the message log at start-up into per-queue indexes.
 *
 * Algorithm: segments are read oldest first, each whole file at once; records are applied
 * in order (PUBLISH inserts or replaces the entry for (queue, seq) — a compaction or a
 * restart may re-publish a seq —, REMOVE kills it, DELIVERED flags it, DROP forgets the
 * queue). The first record failing its framing or checksum ends the scan: in the newest
 * segment it is a torn write from a crash (the file is truncated there, never confirmed
 * since confirms wait for fdatasync); in any other segment it is corruption, reported as a
 * CorruptSegmentError naming file and offset, unless `repair` is set (then that segment is
 * truncated there too and the loss is reported through `onWarning`).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { F_DELIVERED, QueueIndex } from './queue-index.js';
import {
  FLAG_DELIVERED,
  RECORD_HEADER,
  RecordType,
  SEGMENT_MAGIC,
  checkRecord,
  readHead,
} from './record-codec.js';
import type { RecordHead } from './record-codec.js';
import { CorruptSegmentError } from './store-errors.js';

export interface ReplayResult {
  indexes: Map<string, QueueIndex>;
  segments: number[];
  /** Bytes dropped from torn tails (or repaired segments). */
  droppedBytes: number;
  records: number;
}

export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^\d{8}\.seg$/.test(f))
    .map((f) => Number(f.slice(0, 8)))
    .sort((a, b) => a - b);
}

export function replay(dir: string, repair: boolean, onWarning: (text: string) => void): ReplayResult {
  const segments = listSegments(dir);
  const out: ReplayResult = { indexes: new Map(), segments, droppedBytes: 0, records: 0 };
  const head: RecordHead = { type: RecordType.Publish, queueKey: '', seq: 0, flags: 0 };
  for (let s = 0; s < segments.length; s++) {
    const id = segments[s]!;
    const file = join(dir, `${String(id).padStart(8, '0')}.seg`);
    // Not a regular file (a test points a segment at /dev/full): nothing to replay.
    const buf = statSync(file).isFile() ? readFileSync(file) : Buffer.alloc(0);
    const newest = s === segments.length - 1;
    let pos = 0;
    let bad: string | undefined;
    if (buf.length > 0) {
      if (buf.length < SEGMENT_MAGIC.length || !buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC))
        bad = 'bad segment header';
      else pos = SEGMENT_MAGIC.length;
    }
    while (bad === undefined && pos < buf.length) {
      const len = checkRecord(buf, pos, buf.length);
      if (typeof len === 'string') {
        bad = len;
        break;
      }
      readHead(buf, pos + RECORD_HEADER, pos + len, head);
      apply(out.indexes, head, id, pos, len);
      out.records++;
      pos += len;
    }
    if (bad === undefined) continue;
    if (!newest && !repair) throw new CorruptSegmentError(file, pos, bad);
    onWarning(
      `${newest ? 'torn tail' : 'REPAIR: corrupt record'} in ${file} at offset ${pos} (${bad}): dropping ${buf.length - pos} bytes`,
    );
    out.droppedBytes += buf.length - pos;
    truncateFile(file, pos);
  }
  return out;
}

function apply(indexes: Map<string, QueueIndex>, h: RecordHead, seg: number, off: number, len: number): void {
  if (h.type === RecordType.Drop) {
    indexes.delete(h.queueKey);
    return;
  }
  let idx = indexes.get(h.queueKey);
  if (h.type === RecordType.Publish) {
    if (idx === undefined) indexes.set(h.queueKey, (idx = new QueueIndex(h.queueKey)));
    idx.upsert(h.seq, seg, off, len, (h.flags & FLAG_DELIVERED) !== 0 ? F_DELIVERED : 0);
    return;
  }
  if (idx === undefined) return;
  const i = idx.find(h.seq);
  if (i < 0) return;
  if (h.type === RecordType.Remove) idx.kill(i);
  else if (h.type === RecordType.Delivered) idx.flags[i] = idx.flags[i]! | F_DELIVERED;
}

function truncateFile(file: string, length: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}
