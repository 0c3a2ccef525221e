/**
 * The message log's writer: numbered segment files, group commit, segment deletion.
 *
 * Group commit: records are encoded into the open Batch as they arrive; the first append
 * of a batch schedules a flush with setImmediate, so everything appended in that turn of the
 * event loop (and everything appended while a flush is in progress) goes out in one write
 * and one fdatasync, through fs async APIs, so the event loop keeps serving meanwhile.
 *
 * Ordering invariants:
 * - append → write → fdatasync → complete(): only then are confirms released
 *   (`onDurable`), so a confirm is never sent for a record not on disk.
 * - A failed write or fdatasync truncates the segment back to its last good length and
 *   reports the batch failed (publishers get nacks); its REMOVE records are re-appended.
 * - Segment deletion happens after the flush that made its last message dead completed
 *   (ack record on disk before segment deletion), and only for the oldest segments and
 *   never the one being written, so a REMOVE / DROP record never outlives... is never
 *   needed for a PUBLISH that still exists in an older file.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writer } from '../../protocol/writer.js';
import { SEGMENT_MAGIC } from './record-codec.js';
import type { PendingRecord, QueueIndex } from './queue-index.js';
import { SEG_PENDING } from './queue-index.js';

/** A removal whose segment accounting waits for its record to be on disk. */
export interface Removal {
  queueKey: string;
  seq: number;
  /** The segment of the removed PUBLISH, or its pending record (resolved at completion). */
  where: number | PendingRecord;
  /** DROP of a whole queue: per-segment counts to release instead of one. */
  counts?: Map<number, number>;
  pendings?: PendingRecord[];
}

export class Batch {
  readonly w = new Writer(64 * 1024);
  readonly pubIndex: QueueIndex[] = [];
  readonly pubRecords: PendingRecord[] = [];
  readonly removals: Removal[] = [];
  readonly waiters: { durable(token: number): void; failed?(token: number): void }[] = [];
  readonly tokens: number[] = [];
}

export interface CommitLogHooks {
  /** Re-encodes a removal record into `w` (after a failed write). */
  reappend(w: Writer, r: Removal): void;
  /** Flush-time hook run before each write (definitions are saved first). */
  beforeWrite(): Promise<void>;
  onError(e: unknown, file: string): void;
  /** Runs confirm callbacks as an engine entry point. */
  run(fn: () => void): void;
}

export const segmentName = (id: number): string => `${String(id).padStart(8, '0')}.seg`;

export class CommitLog {
  batch = new Batch();
  /** Live PUBLISH records per segment id (by flushed records only). */
  readonly live = new Map<number, number>();
  /** Segment ids on disk, oldest first (the last is the one being written). */
  readonly segments: number[] = [];
  flushes = 0;
  private fh: FileHandle | undefined;
  private writeId: number;
  private size = 0;
  private flushing = false;
  private scheduled = false;
  private closed = false;
  /** The last flush failed (idle() then does not wait for the retries). */
  private failing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly dir: string,
    recovered: number[],
    private readonly segmentSize: number,
    private readonly hooks: CommitLogHooks,
  ) {
    this.segments.push(...recovered);
    this.writeId = (recovered[recovered.length - 1] ?? 0) + 1;
  }

  /** Schedules a flush of the open batch (called after every append). */
  kick(): void {
    if (this.scheduled || this.flushing || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  get busy(): boolean {
    return this.flushing || this.scheduled || this.batch.w.length > 0;
  }

  /** Resolves when every appended record is written (or failed). */
  idle(): Promise<void> {
    if (!this.busy || (this.failing && !this.flushing)) return Promise.resolve();
    if (!this.flushing && !this.scheduled) this.kick();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async flush(): Promise<void> {
    const b = this.batch;
    if (b.w.length === 0 || this.flushing) return this.settleIdle();
    this.flushing = true;
    this.batch = new Batch();
    const buf = b.w.take();
    let seg = -1;
    let failed = false;
    try {
      await this.hooks.beforeWrite();
      if (this.fh === undefined || this.size >= this.segmentSize) await this.roll();
      seg = this.writeId;
      const fh = this.fh!;
      const base = this.size;
      try {
        let done = 0;
        while (done < buf.length) {
          const { bytesWritten } = await fh.write(buf, done, buf.length - done, base + done);
          if (bytesWritten <= 0) throw new Error('short write');
          done += bytesWritten;
        }
        await fh.datasync();
      } catch (e) {
        await fh.truncate(base).catch(() => undefined);
        throw e;
      }
      this.size = base + buf.length;
      this.flushes++;
      this.failing = false;
      this.hooks.run(() => this.complete(b, seg, base));
    } catch (e) {
      failed = true;
      this.failing = true;
      this.hooks.run(() => this.fail(b, e));
    } finally {
      this.flushing = false;
    }
    if (failed) return this.retryLater();
    if (this.batch.w.length > 0 && !this.closed) return this.flush();
    this.settleIdle();
  }

  /** After a failure: wake idle() waiters, retry what is left (re-appended removals) later. */
  private retryLater(): void {
    for (const w of this.idleWaiters.splice(0)) w();
    if (this.batch.w.length === 0 || this.closed || this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, 200).unref();
  }

  private settleIdle(): void {
    if (this.busy) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async roll(): Promise<void> {
    const next = this.fh === undefined ? this.writeId : this.writeId + 1;
    const path = join(this.dir, segmentName(next));
    const fh = await open(path, 'w');
    try {
      await fh.write(SEGMENT_MAGIC, 0, SEGMENT_MAGIC.length, 0);
      await fh.datasync();
      syncDir(this.dir);
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    const old = this.fh;
    this.fh = fh;
    this.writeId = next;
    this.size = SEGMENT_MAGIC.length;
    this.segments.push(next);
    this.live.set(next, 0);
    if (old !== undefined) await old.close();
  }

  private complete(b: Batch, seg: number, base: number): void {
    const live = this.live;
    for (let i = 0; i < b.pubRecords.length; i++) {
      const rec = b.pubRecords[i]!;
      const idx = b.pubIndex[i]!;
      rec.seg = seg;
      rec.off += base;
      const seq = rec.message.seq;
      const at = idx.find(seq);
      if (at >= 0 && idx.segs[at] === SEG_PENDING && idx.pending.get(seq) === rec) {
        idx.segs[at] = seg;
        idx.offs[at] = rec.off;
        idx.pending.delete(seq);
      }
      live.set(seg, (live.get(seg) ?? 0) + 1);
    }
    for (const r of b.removals) this.release(r);
    for (let i = 0; i < b.waiters.length; i++) b.waiters[i]!.durable(b.tokens[i]!);
    this.collect();
  }

  private release(r: Removal): void {
    const dec = (seg: number, n: number): void => {
      if (seg >= 0) this.live.set(seg, (this.live.get(seg) ?? 0) - n);
    };
    if (r.counts !== undefined) for (const [seg, n] of r.counts) dec(seg, n);
    for (const p of r.pendings ?? []) dec(p.seg, 1);
    if (r.counts === undefined && r.pendings === undefined)
      dec(typeof r.where === 'number' ? r.where : r.where.seg, 1);
  }

  private fail(b: Batch, e: unknown): void {
    this.hooks.onError(e, join(this.dir, segmentName(this.writeId)));
    for (const rec of b.pubRecords) rec.seg = -2;
    for (const r of b.removals) {
      this.hooks.reappend(this.batch.w, r);
      this.batch.removals.push(r);
    }
    for (let i = 0; i < b.waiters.length; i++) b.waiters[i]!.failed?.(b.tokens[i]!);
  }

  /** Deletes the oldest segments without live messages (never the one being written). */
  private collect(): void {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest === this.writeId || (this.live.get(oldest) ?? 0) > 0) break;
      this.segments.shift();
      this.live.delete(oldest);
      void unlink(join(this.dir, segmentName(oldest))).catch((e: unknown) =>
        this.hooks.onError(e, join(this.dir, segmentName(oldest))),
      );
    }
  }

  get writeSegment(): number {
    return this.writeId;
  }

  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    await this.fh?.close();
    this.fh = undefined;
  }
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
