/**
 * The message log's writer: numbered segment files, group commit, segment deletion.
 *
 * Group commit: records are encoded into the open Batch as they arrive; the first append
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
 * - append → write → fdatasync → complete(): only then are confirms released
 *   (`onDurable`), so a confirm is never sent for a record not on disk.
 * - A failed write or fdatasync truncates the segment back to its last good length and
 *   reports the batch failed (publishers get nacks); its REMOVE records are re-appended,
 *   and so are those of earlier unsynced batches when an fdatasync fails.
 * - A removal's segment accounting (and so segment deletion) happens only after an
 *   fdatasync covering its record completed (ack record on disk before segment deletion);
 *   rolling to a new segment fdatasyncs the old one first when it holds unsynced bytes.
 *   Only the oldest segments are deleted and never the one being written, so a REMOVE /
 *   DROP record is never needed for a PUBLISH that still exists in an older file.
 * - The manifest (manifest.ts) lists a new segment before any record goes into it, and
 *   drops a segment before it is unlinked, so recovery can tell a lost file from history.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Writer } from '../../protocol/writer.js';
import type { Message } from '../message.js';
import { SEGMENT_MAGIC } from './record-codec.js';
import type { ManifestWriter } from './manifest.js';
import { syncDir } from './sync-dir.js';
import type { PendingRecord, QueueIndex } from './queue-index.js';
import { SEG_PENDING } from './queue-index.js';
import { closeFd, datasyncFd, openFd, truncateFd, writeAll } from './log-file.js';

/** Longest an ack-only batch stays unsynced. */
const LAZY_SYNC_MS = 50;

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
  /** Re-encodes a removal record into `w` (after a failed write). */
  reappend(w: Writer, r: Removal): void;
  /** Flush-time hook run before each write (definitions are saved first). */
  beforeWrite(): Promise<void>;
  onError(e: unknown, file: string): void;
  /** Runs confirm callbacks as an engine entry point. */
  run(fn: () => void): void;
  /** A PUBLISH record is synced (`ok`) or its write failed: its queue may deliver or drop it. */
  stored(queueKey: string, message: Message, ok: boolean): void;
}

export const segmentName = (id: number): string => `${String(id).padStart(8, '0')}.seg`;

export class CommitLog {
  batch = new Batch();
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
    private readonly hooks: CommitLogHooks,
    private readonly manifest?: ManifestWriter,
  ) {
    this.segments.push(...recovered);
    this.writeId = (recovered[recovered.length - 1] ?? 0) + 1;
  }

  /** fdatasyncs done so far. */
  get flushes(): number {
    return this.stats.syncs;
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
    return this.flushing || this.scheduled || this.batch.w.length > 0 || this.dirty;
  }

  /** Resolves when every appended record is written and synced (or failed). */
  idle(): Promise<void> {
    if (!this.busy || (this.failing && !this.flushing)) return Promise.resolve();
    this.syncWanted = true;
    if (!this.flushing && !this.scheduled) this.kick();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private needsSync(b: Batch): boolean {
    return b.pubRecords.length > 0 || b.waiters.length > 0 || this.syncWanted || this.idleWaiters.length > 0;
  }

  private async flush(): Promise<void> {
    const b = this.batch;
    if (this.flushing) return;
    const sync = this.needsSync(b);
    if (b.w.length === 0 && !(sync && this.dirty)) return this.settleIdle();
    this.flushing = true;
    this.batch = new Batch();
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
      this.hooks.run(() => this.complete(b, seg, base, sync));
    } catch (e) {
      failed = true;
      this.failing = true;
      this.hooks.run(() => this.fail(b, e));
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
      await this.manifest?.rolled(this.fd >= 0 ? this.writeId : undefined, this.size, next);
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

  private complete(b: Batch, seg: number, base: number, synced: boolean): void {
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
    if (!synced) {
      for (const r of b.removals) this.unsynced.push(r);
      return;
    }
    for (const r of this.unsynced) this.release(r);
    this.unsynced = [];
    for (const r of b.removals) this.release(r);
    for (let i = 0; i < b.waiters.length; i++) b.waiters[i]!.durable(b.tokens[i]!);
    for (let i = 0; i < b.pubRecords.length; i++)
      this.hooks.stored(b.pubIndex[i]!.queueKey, b.pubRecords[i]!.message, true);
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

  /** A failed batch: nack its publishes; its removals (and unsynced ones) are re-appended. */
  private fail(b: Batch, e: unknown): void {
    this.hooks.onError(e, join(this.dir, segmentName(this.writeId)));
    for (const rec of b.pubRecords) rec.seg = -2;
    const again = [...this.unsynced, ...b.removals];
    this.unsynced = [];
    for (const r of again) {
      this.hooks.reappend(this.batch.w, r);
      this.batch.removals.push(r);
    }
    for (let i = 0; i < b.waiters.length; i++) b.waiters[i]!.failed?.(b.tokens[i]!);
    for (let i = 0; i < b.pubRecords.length; i++)
      this.hooks.stored(b.pubIndex[i]!.queueKey, b.pubRecords[i]!.message, false);
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
      await this.manifest?.retired(ids);
    } catch (e) {
      // Still listed: the files stay (recovery replays them, their messages are all settled).
      this.hooks.onError(e, join(this.manifest!.dataDir, 'manifest.json'));
      return;
    }
    for (const id of ids)
      await unlink(join(this.dir, segmentName(id))).catch((e: unknown) =>
        this.hooks.onError(e, join(this.dir, segmentName(id))),
      );
  }

  get writeSegment(): number {
    return this.writeId;
  }

  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    if (this.lazyTimer !== undefined) clearTimeout(this.lazyTimer);
    if (this.fd >= 0) await closeFd(this.fd);
    this.fd = -1;
  }
}
