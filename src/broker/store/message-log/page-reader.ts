/**
 * Page-in: reads a durable queue's paged-out messages (index entries whose bodies are only
 * in the log) back into Message objects, in seq order, in batches of a few MiB: entries of
 * one segment are fetched with one sequential read spanning them (async with fs callbacks
 * for dispatch, sync for basic.get and recovery).
 *
 * Invariants: a plan lists live entries with seq >= fromSeq in seq order; an entry whose
 * PUBLISH is not on disk yet (no Position) is served from its AppendedPublish's message, so a
 * read never touches bytes that may not be written. Every record read is CRC-checked.
 */
import { close, open, read } from 'node:fs';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../../message.js';
import { CorruptSegmentError } from '../store-errors.js';
import { segmentName } from './commit-log.js';
import { Position } from './position.js';
import type { QueueIndex } from './queue-index.js';
import { RECORD_HEADER, checkRecord, readMessage } from './record-codec.js';

/** One segment's span to read, or messages already in memory. */
interface Span {
  /** The segment to read (unused for `ready` spans). */
  seg: number;
  start: number;
  end: number;
  offs: number[];
  lens: number[];
  delivered: boolean[];
  /** Pending entries (no read): the messages themselves. */
  ready?: Message[];
}

/** Collects the next live entries with seq >= fromSeq, up to `maxBytes` of records or `maxCount`. */
export function planPage(idx: QueueIndex, fromSeq: number, maxBytes: number, maxCount: number): Span[] {
  const spans: Span[] = [];
  let bytes = 0;
  let n = 0;
  let cur: Span | undefined;
  for (const e of idx.entries(fromSeq)) {
    if (n >= maxCount || bytes >= maxBytes) break;
    n++;
    if (!(e.at instanceof Position)) {
      if (cur?.ready === undefined)
        spans.push((cur = { seg: -1, start: 0, end: 0, offs: [], lens: [], delivered: [], ready: [] }));
      cur.ready!.push(e.at.message);
      continue;
    }
    const { segment, offset, length } = e.at;
    bytes += length;
    if (
      cur === undefined ||
      cur.ready !== undefined ||
      cur.seg !== segment ||
      offset < cur.end ||
      offset - cur.end > 1 << 20
    ) {
      spans.push(
        (cur = { seg: segment, start: offset, end: offset + length, offs: [], lens: [], delivered: [] }),
      );
    }
    cur.end = Math.max(cur.end, offset + length);
    cur.offs.push(offset);
    cur.lens.push(length);
    cur.delivered.push(e.delivered);
  }
  return spans;
}

function decode(dir: string, s: Span, buf: Buffer, got: number, out: Message[]): void {
  for (let k = 0; k < s.offs.length; k++) {
    const at = s.offs[k]! - s.start;
    const len = s.lens[k]!;
    const ok = at + len <= got ? checkRecord(buf, at, at + len) : 'short read';
    if (ok !== len)
      throw new CorruptSegmentError(
        join(dir, segmentName(s.seg)),
        s.offs[k]!,
        typeof ok === 'string' ? ok : 'length mismatch',
      );
    const m = readMessage(buf, at + RECORD_HEADER, at + len);
    if (s.delivered[k]!) m.redelivered = true;
    out.push(m);
  }
}

export function readPageSync(dir: string, spans: Span[]): Message[] {
  const out: Message[] = [];
  for (const s of spans) {
    if (s.ready !== undefined) {
      out.push(...s.ready);
      continue;
    }
    const buf = Buffer.allocUnsafe(s.end - s.start);
    const fd = openSync(join(dir, segmentName(s.seg)), 'r');
    let got = 0;
    try {
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, s.start + got);
        if (n <= 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    decode(dir, s, buf, got, out);
  }
  return out;
}

function readSpan(dir: string, s: Span, done: (e: Error | null, buf: Buffer, got: number) => void): void {
  const buf = Buffer.allocUnsafe(s.end - s.start);
  open(join(dir, segmentName(s.seg)), 'r', (e, fd) => {
    if (e) return done(e, buf, 0);
    let got = 0;
    const step = (): void =>
      read(fd, buf, got, buf.length - got, s.start + got, (e2, n) => {
        if (e2 === null && n > 0 && (got += n) < buf.length) return step();
        close(fd, () => done(e2, buf, got));
      });
    step();
  });
}

/** Reads the spans asynchronously (one after another); `done` gets the messages in order. */
export function readPage(dir: string, spans: Span[], done: (e: unknown, messages: Message[]) => void): void {
  const out: Message[] = [];
  let i = 0;
  const next = (): void => {
    const s = spans[i++];
    if (s === undefined) return done(null, out);
    if (s.ready !== undefined) {
      out.push(...s.ready);
      return next();
    }
    readSpan(dir, s, (e, buf, got) => {
      if (e) return done(e, out);
      try {
        decode(dir, s, buf, got, out);
      } catch (err) {
        return done(err, out);
      }
      next();
    });
  };
  next();
}
