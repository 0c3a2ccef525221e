/**
 * Replays the message log at start-up into per-queue indexes.
 *
 * Algorithm: the segments the layout check accepted (data-dir-layout.ts) are read oldest
 * first, each whole file at once, and scanned into records (segment-scan.ts); records are
 * applied in order (PUBLISH inserts or replaces the entry for (queue, seq) — a compaction or
 * a restart may re-publish a seq —, REMOVE kills it, DELIVERED flags it, DROP forgets the
 * queue).
 *
 * Damage: only a bad region that starts after the last valid record of the open segment and
 * runs to its end is a torn write from a crash (never confirmed, since confirms wait for
 * fdatasync): it is truncated with a warning. A bad record with valid records after it, in
 * the open segment or any sealed one, is corruption: a CorruptSegmentError naming the file
 * and offset, and nothing is truncated (`warren data repair` salvages around it).
 */
import { closeSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import type { LayoutSegment } from '../data-dir-layout.js';
import { CorruptSegmentError } from '../store-errors.js';
import { Position } from './position.js';
import { QueueIndex } from './queue-index.js';
import { FLAG_DELIVERED, RECORD_HEADER, RecordType, readHead } from './record-codec.js';
import type { RecordHead } from './record-codec.js';
import { isTornTail, scanSegment } from './segment-scan.js';

export interface ReplayResult {
  indexes: Map<string, QueueIndex>;
  segments: number[];
  /** Bytes dropped from a torn tail. */
  droppedBytes: number;
  records: number;
  /** Segment sizes after replay (a torn tail truncated), for sealing them in the manifest. */
  sizes: Map<number, number>;
}

export function replay(segments: readonly LayoutSegment[], onWarning: (text: string) => void): ReplayResult {
  const out: ReplayResult = {
    indexes: new Map(),
    segments: segments.map((s) => s.id),
    droppedBytes: 0,
    records: 0,
    sizes: new Map(),
  };
  const head: RecordHead = { type: RecordType.Publish, queueKey: '', seq: 0, flags: 0 };
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    // Not a regular file (a test points a segment at /dev/full): nothing to replay.
    const buf = seg.size > 0 ? readFileSync(seg.file) : Buffer.alloc(0);
    // Records are applied as found; a damaged segment throws after its scan anyway.
    const scan = scanSegment(buf, (pos, len) => {
      readHead(buf, pos + RECORD_HEADER, pos + len, head);
      applyRecord(out.indexes, head, seg.id, pos, len);
    });
    out.records += scan.records;
    const open = seg.sealedBytes === null && i === segments.length - 1;
    const bad = scan.damage[0];
    if (bad !== undefined && !(open && isTornTail(scan, buf.length)))
      throw new CorruptSegmentError(seg.file, bad.offset, bad.reason);
    out.sizes.set(seg.id, bad?.offset ?? buf.length);
    if (bad === undefined) continue;
    onWarning(
      `torn tail in ${seg.file} at offset ${bad.offset} (${bad.reason}): dropping ${buf.length - bad.offset} unconfirmed bytes`,
    );
    out.droppedBytes += buf.length - bad.offset;
    truncateFile(seg.file, bad.offset);
  }
  return out;
}

export function applyRecord(
  indexes: Map<string, QueueIndex>,
  h: RecordHead,
  seg: number,
  off: number,
  len: number,
): void {
  if (h.type === RecordType.Drop) {
    indexes.delete(h.queueKey);
    return;
  }
  let idx = indexes.get(h.queueKey);
  if (h.type === RecordType.Publish) {
    if (idx === undefined) indexes.set(h.queueKey, (idx = new QueueIndex(h.queueKey)));
    idx.put(h.seq, new Position(seg, off, len), (h.flags & FLAG_DELIVERED) !== 0);
  } else if (h.type === RecordType.Remove) idx?.remove(h.seq);
  else if (h.type === RecordType.Delivered) idx?.markDelivered(h.seq);
}

function truncateFile(file: string, length: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}
