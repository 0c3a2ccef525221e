/**
 * The message log's writer: numbered segment files, group commit, segment deletion.
 *
 * Group commit: records are encoded into the open LogBatch as they arrive; the first append
 * of a batch schedules a flush with setImmediate, so everything appended in that turn of the
 * event loop (and everything appended while a flush is in progress) goes out in one write
 * (fs callback APIs on a raw fd, so the event loop keeps serving meanwhile).
 *
 * Only batches carrying PUBLISH records (or waited on by sync()/close) are fdatasynced.
 * Batches of REMOVE / DELIVERED / DROP records only are written without a sync (RabbitMQ
 * does not fsync acks synchronously either): they become durable with the next synced
 * flush (at the latest LAZY_SYNC_MS later), so acks never cost a disk flush of their own.
 *
 * Ordering invariants:
 * - append → write → fdatasync → complete(): only then is the batch handed to the
 *   `durable` hook, which releases its confirms, so a confirm is never sent for a record
 *   not on disk.
 * - A failed write or fdatasync truncates the segment back to its last good length and
 *   reports the batch failed (publishers get nacks); its REMOVE records are re-appended,
 *   and so are those of earlier unsynced batches when an fdatasync fails.
 * - A removal's segment accounting (and so segment deletion) happens only after an
 *   fdatasync covering its record completed (ack record on disk before segment deletion);
 *   rolling to a new segment fdatasyncs the old one first when it holds unsynced bytes.
 *   Only the oldest segments are deleted and never the one being written, so a REMOVE /
 *   DROP record is never needed for a PUBLISH that still exists in an older file.
 * - The manifest (../manifest.ts) lists a new segment before any record goes into it, and
 *   drops a segment before it is unlinked, so recovery can tell a lost file from history.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../sync-dir.js';
import { LogBatch, segmentOf } from './log-batch.js';
import type { Removal } from './log-batch.js';
import { closeFd, datasyncFd, openFd, truncateFd, writeAll } from './log-file.js';
import { SEGMENT_MAGIC } from './record-codec.js';

/** Longest an ack-only batch stays unsynced. */
const LAZY_SYNC_MS = 50;

/** What the flush loop measured (for benches and diagnostics). */
export interface LogStats {
  /** Batches written. */
  writes: number;
  bytes: number;
  /** fdatasyncs of batches (== flushes). */
  syncs: number;
  writeMs: number;
  syncMs: number;
}

export interface CommitLogHooks {
  /** Flush-time hook run before each write (definitions are saved first). */
  beforeWrite(): Promise<void>;
  onError(e: unknown, file: string): void;
  /** A batch with publishes or confirms is on disk (its publishes have their Positions): confirm it. */
  durable(batch: LogBatch): void;
  /** A batch could not be written: its publishes failed (LogBatch.confirmFailed). */
  failed(batch: LogBatch): void;
}

/** What the log tells the data dir's manifest (manifest.ts ManifestWriter). */
export interface SegmentManifest {
  readonly dataDir: string;
  /** `sealed` (if any) is complete at `bytes`; `opened` is the segment now written. */
  rolled(sealed: number | undefined, bytes: number, opened: number): Promise<void>;
  /** The segments are about to be unlinked. */
  retired(ids: readonly number[]): Promise<void>;
}

export const segmentName = (id: number): string => `${String(id).padStart(8, '0')}.seg`;

export class CommitLog {
  private batch = new LogBatch();
  /** Live PUBLISH records per segment id (by flushed records only). */
  readonly live = new Map<number, number>();
  /** Segment ids on disk, oldest first (the last is the one being written). */
  readonly segments: number[] = [];
  readonly stats: LogStats = { writes: 0, bytes: 0, syncs: 0, writeMs: 0, syncMs: 0 };
  private fd = -1;
  private writeId: number;
  private size = 0;
  private flushing = false;
  private scheduled = false;
  private closed = false;
  /** The open segment holds written but not fdatasynced bytes. */
  private dirty = false;
  /** Removals written by unsynced batches: released at the next successful fdatasync. */
  private unsynced: Removal[] = [];
  private syncWanted = false;
  private lazyTimer: NodeJS.Timeout | undefined;
  /** The last flush failed (idle() then does not wait for the retries). */
  private failing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly dir: string,
    recovered: number[],
    private readonly segmentSize: number,
    private readonly manifest: SegmentManifest,
    private readonly hooks: CommitLogHooks,
  ) {
    this.segments.push(...recovered);
    this.writeId = (recovered[recovered.length - 1] ?? 0) + 1;
  }

  /** The open batch to append records to; a flush of it is scheduled. */
  append(): LogBatch {
    this.kick();
    return this.batch;
  }

  private kick(): void {
    if (this.scheduled || this.flushing || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  get busy(): boolean {
    return this.flushing || this.scheduled || this.batch.w.length > 0 || this.dirty;
  }

  /** Resolves when every appended record is written and synced (or failed). */
  idle(): Promise<void> {
    if (!this.busy || (this.failing && !this.flushing)) return Promise.resolve();
    this.syncWanted = true;
    if (!this.flushing && !this.scheduled) this.kick();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private needsSync(b: LogBatch): boolean {
    return b.needsSync || this.syncWanted || this.idleWaiters.length > 0;
  }

  private async flush(): Promise<void> {
    const b = this.batch;
    if (this.flushing) return;
    const sync = this.needsSync(b);
    if (b.w.length === 0 && !(sync && this.dirty)) return this.settleIdle();
    this.flushing = true;
    this.batch = new LogBatch();
    if (sync) this.syncWanted = false;
    const buf = b.w.take();
    let failed = false;
    try {
      await this.hooks.beforeWrite();
      if (this.fd < 0 || this.size >= this.segmentSize) await this.roll();
      const seg = this.writeId;
      const base = this.size;
      await this.writeAndSync(buf, base, sync);
      this.failing = false;
      this.complete(b, seg, base, sync);
    } catch (e) {
      failed = true;
      this.failing = true;
      this.fail(b, e);
    } finally {
      this.flushing = false;
    }
    if (failed) return this.retryLater();
    if ((this.batch.w.length > 0 || (this.dirty && this.syncWanted)) && !this.closed) return this.flush();
    if (this.dirty) this.armLazySync();
    this.settleIdle();
  }

  /** Appends `buf` at `base` and (when `sync`) fdatasyncs; truncates back on failure. */
  private async writeAndSync(buf: Buffer, base: number, sync: boolean): Promise<void> {
    const fd = this.fd;
    try {
      const t0 = performance.now();
      if (buf.length > 0) {
        await writeAll(fd, buf, base);
        this.size = base + buf.length;
        this.dirty = true;
        this.stats.writes++;
        this.stats.bytes += buf.length;
      }
      const t1 = performance.now();
      this.stats.writeMs += t1 - t0;
      if (!sync) return;
      await datasyncFd(fd);
      this.dirty = false;
      this.stats.syncs++;
      this.stats.syncMs += performance.now() - t1;
    } catch (e) {
      await truncateFd(fd, base);
      this.size = base;
      throw e;
    }
  }

  /** Ack-only bytes do not wait for a publish forever: sync them soon. */
  private armLazySync(): void {
    if (this.lazyTimer !== undefined || this.closed) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = undefined;
      if (!this.dirty) return;
      this.syncWanted = true;
      this.kick();
    }, LAZY_SYNC_MS);
    this.lazyTimer.unref();
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
    if (this.fd >= 0 && this.dirty) {
      await datasyncFd(this.fd);
      this.dirty = false;
    }
    const next = this.fd < 0 ? this.writeId : this.writeId + 1;
    const fd = await openFd(join(this.dir, segmentName(next)), 'w');
    try {
      await writeAll(fd, SEGMENT_MAGIC, 0);
      await datasyncFd(fd);
      syncDir(this.dir);
      await this.manifest.rolled(this.fd >= 0 ? this.writeId : undefined, this.size, next);
    } catch (e) {
      await closeFd(fd).catch(() => undefined);
      throw e;
    }
    const old = this.fd;
    this.fd = fd;
    this.writeId = next;
    this.size = SEGMENT_MAGIC.length;
    this.segments.push(next);
    this.live.set(next, 0);
    if (old >= 0) await closeFd(old);
  }

  /** A batch is written at `base` of `seg` (and synced when `synced`). */
  private complete(b: LogBatch, seg: number, base: number, synced: boolean): void {
    b.placed(seg, base);
    if (b.publishes.length > 0) this.live.set(seg, (this.live.get(seg) ?? 0) + b.publishes.length);
    if (!synced) {
      for (const r of b.removals) this.unsynced.push(r);
      return;
    }
    for (const r of this.unsynced) this.release(r);
    this.unsynced = [];
    for (const r of b.removals) this.release(r);
    this.hooks.durable(b);
    this.collect();
  }

  /** A removal's record is on disk: the records it retires no longer keep their segments. */
  private release(r: Removal): void {
    for (const at of r.held) {
      const seg = segmentOf(at);
      if (seg !== undefined) this.live.set(seg, (this.live.get(seg) ?? 0) - 1);
    }
    for (const [seg, n] of r.segments ?? []) this.live.set(seg, (this.live.get(seg) ?? 0) - n);
  }

  /** A failed batch: nack its publishes; its removals (and unsynced ones) are re-appended. */
  private fail(b: LogBatch, e: unknown): void {
    this.hooks.onError(e, join(this.dir, segmentName(this.writeId)));
    for (const r of this.unsynced) this.batch.reappend(r);
    for (const r of b.removals) this.batch.reappend(r);
    this.unsynced = [];
    this.hooks.failed(b);
  }

  /** Deletes the oldest segments without live messages (never the one being written). */
  private collect(): void {
    const retired: number[] = [];
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest === this.writeId || (this.live.get(oldest) ?? 0) > 0) break;
      this.segments.shift();
      this.live.delete(oldest);
      retired.push(oldest);
    }
    if (retired.length > 0) void this.retire(retired);
  }

  /** Saves the manifest without the segments, then unlinks them (a crash between is harmless). */
  private async retire(ids: number[]): Promise<void> {
    try {
      await this.manifest.retired(ids);
    } catch (e) {
      // Still listed: the files stay (recovery replays them, their messages are all settled).
      this.hooks.onError(e, join(this.manifest.dataDir, 'manifest.json'));
      return;
    }
    for (const id of ids)
      await unlink(join(this.dir, segmentName(id))).catch((e: unknown) =>
        this.hooks.onError(e, join(this.dir, segmentName(id))),
      );
  }

  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    if (this.lazyTimer !== undefined) clearTimeout(this.lazyTimer);
    if (this.fd >= 0) await closeFd(this.fd);
    this.fd = -1;
  }
}
