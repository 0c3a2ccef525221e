/**
 * FileStore: the durable MessageStore and DefinitionsListener, under one data directory:
 *
 *   <dataDir>/definitions.json   durable vhosts, exchanges, queues, bindings, users, permissions
 *   <dataDir>/messages/NNNNNNNN.seg   the message log (see record-codec.ts, commit-log.ts)
 *
 * Persistent messages of durable queues are appended as PUBLISH records and confirmed after
 * the group commit's fdatasync; acks, drops, expiries, purges append REMOVE records and
 * queue deletion a DROP record; a first delivery appends DELIVERED (recovered messages come
 * back with redelivered set). A segment is deleted once every message in it is settled and
 * every older segment is gone. In memory the store keeps only a QueueIndex per queue.
 *
 * Invariants: append → fdatasync → confirm; the REMOVE (or DROP) record of a message is on
 * disk before the segment of its PUBLISH is deleted; a seq is indexed at most once per queue.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { inspectLayout } from './data-dir-layout.js';
import type { Layout } from './data-dir-layout.js';
import { repairDataDir } from './data-dir-repair.js';
import { DEFINITIONS_FILE } from './definitions-file.js';
import { ManifestWriter, emptyManifest, writeFileDurablySync, writeManifestSync } from './manifest.js';
import type { Manifest } from './manifest.js';
import { join } from 'node:path';
import { preconditionFailed } from '../../protocol/errors.js';
import type { Writer } from '../../protocol/writer.js';
import type { UserStore } from '../access/user-store.js';
import type { Message } from '../message.js';
import { Method } from '../methods.js';
import { CommitLog } from './commit-log.js';
import type { Removal } from './commit-log.js';
import { DefinitionsFile } from './definitions-file.js';
import { DeliveryHorizons } from './delivery-horizon.js';
import { DEFAULT_DISK_FREE_LIMIT, DiskMonitor } from './disk-monitor.js';
import type { DurableWaiter, MessageStore } from './message-store.js';
import { F_DEAD, F_DELIVERED, QueueIndex, SEG_PENDING } from './queue-index.js';
import { planPage, readPage, readPageSync } from './page-reader.js';
import type { PendingRecord } from './queue-index.js';
import { FLAG_DELIVERED, RecordType, writeDrop, writePublish, writeSeqRecord } from './record-codec.js';
import { replay } from './recovery.js';
import { DamagedDataDirError, DataDirError, errorText } from './store-errors.js';
import { usersSnapshot, restoreUsers } from './users-snapshot.js';

export interface FileStoreOptions {
  /** Segment size in bytes before rolling to a new file (default 64 MiB). */
  segmentSize?: number;
  /**
   * Explicit repair mode: a damaged data dir is first repaired as `warren data repair --apply`
   * does (every readable record salvaged, originals moved aside; reported through onWarning)
   * instead of failing the start.
   */
  repair?: boolean;
  /**
   * Paging threshold per durable queue: once its in-memory messages exceed this many bytes
   * (bodies + ~256 B overhead each), new persistent messages keep only their index entry and
   * are paged in ahead of consumers (default 64 MiB; Infinity disables paging).
   */
  pageThreshold?: number;
  /** Torn tails, repairs, write failures (default: console.warn). */
  onWarning?: (text: string) => void;
  /**
   * Free bytes on the data dir's file system below which the disk alarm blocks publishers
   * (RabbitMQ's disk_free_limit; default 50 MB; 0 disables the alarm).
   */
  diskFreeLimit?: number;
}

export interface RecoveryStats {
  /** Messages found live in the log. */
  messages: number;
  records: number;
  segments: number;
  droppedBytes: number;
  ms: number;
}

export class FileStore implements MessageStore {
  readonly definitions: DefinitionsFile;
  readonly log: CommitLog;
  readonly indexes: Map<string, QueueIndex>;
  readonly recovery: RecoveryStats;
  readonly pageThreshold: number | undefined;
  /** The free-disk alarm of the data dir (transports block publishers while it is set). */
  readonly disk: DiskMonitor;
  /** Per-queue seq up to which messages may have been delivered (synced before delivery). */
  readonly horizons: DeliveryHorizons;
  /** Runs store callbacks (confirms) as an engine entry point; set by the Broker. */
  runner: (fn: () => void) => void = (fn) => fn();
  /** Tells a message's queue its PUBLISH is synced or failed (set by the Broker). */
  onStored: ((queueKey: string, message: Message, ok: boolean) => void) | undefined;
  private readonly warn: (text: string) => void;
  private users: UserStore | undefined;

  private constructor(
    readonly dataDir: string,
    options: FileStoreOptions,
  ) {
    const t0 = performance.now();
    const threshold = options.pageThreshold ?? 64 * 1024 * 1024;
    this.pageThreshold = Number.isFinite(threshold) ? threshold : undefined;
    this.warn = options.onWarning ?? ((t) => console.warn(`warren store: ${t}`));
    const messages = join(dataDir, 'messages');
    prepareDir(dataDir);
    prepareDir(messages);
    if (options.repair === true)
      repairDataDir(dataDir, { apply: true, report: (t) => this.warn(`REPAIR: ${t}`) });
    const layout = acceptLayout(dataDir, this.warn);
    this.definitions = new DefinitionsFile(dataDir);
    this.definitions.load();
    const r = replay(layout.segments, this.warn);
    this.indexes = r.indexes;
    this.horizons = new DeliveryHorizons(dataDir, this.warn);
    if (this.horizons.unclean) this.flagPossiblyDelivered();
    this.log = new CommitLog(messages, r.segments, options.segmentSize ?? 64 * 1024 * 1024, {
      reappend: (w, rm) => this.reappend(w, rm),
      beforeWrite: () => this.definitions.save(),
      onError: (e, file) => this.warn(`write to ${file} failed: ${errorText(e)}`),
      run: (fn) => this.runner(fn),
      stored: (key, m, ok) => this.onStored?.(key, m, ok),
    });
    this.log.attachManifest(sealRecovered(dataDir, r.segments, r.sizes, layout.legacy, this.warn));
    this.disk = new DiskMonitor(dataDir, options.diskFreeLimit ?? DEFAULT_DISK_FREE_LIMIT, this.warn);
    this.disk.start();
    this.recovery = {
      messages: 0,
      records: r.records,
      segments: r.segments.length,
      droppedBytes: r.droppedBytes,
      ms: performance.now() - t0,
    };
  }

  /** Opens (creating if needed) a data dir and replays its log. Throws DataDirError / CorruptSegmentError. */
  static open(dataDir: string, options: FileStoreOptions = {}): FileStore {
    return new FileStore(dataDir, options);
  }

  /**
   * After the broker restored the definitions: forgets logged queues that no longer exist
   * (a DROP record, so their seqs can be reused) and counts live messages per segment.
   */
  adoptQueues(known: ReadonlySet<string>): void {
    for (const [key, idx] of this.indexes) {
      if (known.has(key)) {
        for (const i of idx.liveEntries()) {
          const seg = idx.segs[i]!;
          this.log.live.set(seg, (this.log.live.get(seg) ?? 0) + 1);
        }
        this.recovery.messages += idx.live;
      } else {
        this.indexes.delete(key);
        writeDrop(this.log.batch.w, key);
        this.log.kick();
      }
    }
    for (const seg of this.log.segments) if (!this.log.live.has(seg)) this.log.live.set(seg, 0);
    this.horizons.retain(known);
  }

  /**
   * After a crash: every message at or below its queue's delivery horizon may have been
   * delivered (its DELIVERED record may not have reached the disk) and comes back redelivered.
   */
  private flagPossiblyDelivered(): void {
    for (const [key, idx] of this.indexes) {
      const horizon = this.horizons.get(key);
      if (horizon === 0) continue;
      for (const i of idx.liveEntries())
        if (idx.seqs[i]! <= horizon) idx.flags[i] = idx.flags[i]! | F_DELIVERED;
    }
  }

  /** Makes `users` persistent: restores the saved users (if any) into it and saves on change. */
  bindUsers(users: UserStore): void {
    this.users = users;
    if (this.definitions.users !== undefined) restoreUsers(users, this.definitions.users);
    this.definitions.usersSource = () => usersSnapshot(users);
    users.onChange = () => this.definitions.markDirty();
    this.definitions.markDirty();
  }

  private indexFor(queueKey: string): QueueIndex {
    let idx = this.indexes.get(queueKey);
    if (idx === undefined) this.indexes.set(queueKey, (idx = new QueueIndex(queueKey)));
    return idx;
  }

  // ---- MessageStore ----

  persist(
    queueKey: string,
    seq: number,
    message: Message,
    waiter: DurableWaiter | null,
    token: number,
  ): boolean {
    const idx = this.indexFor(queueKey);
    const b = this.log.batch;
    const off = b.w.mark();
    let len: number;
    try {
      len = writePublish(b.w, queueKey, message, message.redelivered ? FLAG_DELIVERED : 0);
    } catch (e) {
      // A message the log cannot encode is refused alone: the half-written record is cut
      // off so the shared batch (everyone else's publishes) stays intact.
      b.w.rollback(off);
      throw preconditionFailed(`message cannot be stored: ${errorText(e)}`, Method.basicPublish);
    }
    const rec: PendingRecord = { message, seg: -1, off, len };
    const flags = message.redelivered ? F_DELIVERED : 0;
    if (idx.tail > idx.head && seq <= idx.seqs[idx.tail - 1]!) idx.upsert(seq, SEG_PENDING, 0, len, flags);
    else idx.append(seq, SEG_PENDING, 0, len, flags);
    idx.pending.set(seq, rec);
    b.pubIndex.push(idx);
    b.pubRecords.push(rec);
    if (waiter !== null) {
      b.waiters.push(waiter);
      b.tokens.push(token);
    }
    this.log.kick();
    return false;
  }

  remove(queueKey: string, seq: number): void {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return;
    const i = idx.find(seq);
    if (i < 0) return;
    let where: number | PendingRecord = idx.segs[i]!;
    if (where === SEG_PENDING) {
      const rec = idx.pending.get(seq);
      idx.pending.delete(seq);
      if (rec === undefined || rec.seg === -2) {
        idx.kill(i);
        return;
      }
      where = rec;
    }
    if (!idx.kill(i)) return;
    const b = this.log.batch;
    writeSeqRecord(b.w, RecordType.Remove, queueKey, seq);
    b.removals.push({ queueKey, seq, where });
    this.log.kick();
  }

  beforeFirstDelivery(queueKey: string, seq: number, exact = false): void {
    this.horizons.admit(queueKey, seq, exact);
  }

  delivered(queueKey: string, seq: number): void {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return;
    const i = idx.find(seq);
    if (i < 0 || (idx.flags[i]! & F_DELIVERED) !== 0) return;
    idx.flags[i] = idx.flags[i]! | F_DELIVERED;
    writeSeqRecord(this.log.batch.w, RecordType.Delivered, queueKey, seq);
    this.log.kick();
  }

  dropQueue(queueKey: string): void {
    this.horizons.drop(queueKey);
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return;
    this.indexes.delete(queueKey);
    const counts = new Map<number, number>();
    const pendings: PendingRecord[] = [];
    for (const i of idx.liveEntries()) {
      const seg = idx.segs[i]!;
      if (seg !== SEG_PENDING) counts.set(seg, (counts.get(seg) ?? 0) + 1);
      else {
        const rec = idx.pending.get(idx.seqs[i]!);
        if (rec !== undefined) pendings.push(rec);
      }
    }
    const b = this.log.batch;
    writeDrop(b.w, queueKey);
    b.removals.push({ queueKey, seq: 0, where: -1, counts, pendings });
    this.log.kick();
  }

  readPaged(
    queueKey: string,
    fromSeq: number,
    maxBytes: number,
    done: (e: unknown, m: Message[]) => void,
  ): void {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return done(null, []);
    readPage(this.log.dir, planPage(idx, fromSeq, maxBytes, 1 << 20), done);
  }

  readPagedSync(queueKey: string, fromSeq: number, maxBytes: number): Message[] {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return [];
    return readPageSync(this.log.dir, planPage(idx, fromSeq, maxBytes, 1 << 20));
  }

  removeFrom(queueKey: string, fromSeq: number): number {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return 0;
    const seqs: number[] = [];
    for (let i = idx.lowerBound(fromSeq); i < idx.tail; i++)
      if ((idx.flags[i]! & F_DEAD) === 0) seqs.push(idx.seqs[i]!);
    for (const seq of seqs) this.remove(queueKey, seq);
    return seqs.length;
  }

  private reappend(w: Writer, r: Removal): void {
    if (r.counts !== undefined) writeDrop(w, r.queueKey);
    else writeSeqRecord(w, RecordType.Remove, r.queueKey, r.seq);
  }

  /** fdatasyncs done so far (group commit: far fewer than persists). */
  get flushes(): number {
    return this.log.flushes;
  }

  /** Resolves once everything appended so far is on disk (or failed). */
  sync(): Promise<void> {
    return this.log.idle();
  }

  async close(): Promise<void> {
    this.disk.stop();
    if (this.users !== undefined) this.users.onChange = undefined;
    await this.definitions
      .save()
      .catch((e: unknown) => this.warn(`saving definitions failed: ${errorText(e)}`));
    await this.log.close();
    this.horizons.closeClean();
  }
}

/**
 * The layout check at start: any problem refuses the start (nothing is deleted); a fresh dir
 * gets its empty definitions file then its manifest; leftovers of an interrupted segment
 * deletion or roll (no live records) are removed.
 */
function acceptLayout(dataDir: string, warn: (text: string) => void): Layout {
  const layout = inspectLayout(dataDir);
  const first = layout.problems[0];
  if (first !== undefined)
    throw new DamagedDataDirError(dataDir, first.file, first.detail, layout.problems.length - 1);
  if (layout.fresh) writeFileDurablySync(dataDir, DEFINITIONS_FILE, EMPTY_DEFINITIONS);
  for (const file of layout.leftovers) {
    rmSync(file, { force: true });
    warn(`removed ${file}: left by a segment deletion or roll a crash interrupted (it held no live records)`);
  }
  return layout;
}

/** Every recovered segment is sealed at its size now: this process never writes to them. */
function sealRecovered(
  dataDir: string,
  segments: readonly number[],
  sizes: ReadonlyMap<number, number>,
  legacy: boolean,
  warn: (text: string) => void,
): ManifestWriter {
  const manifest: Manifest = {
    ...emptyManifest(),
    segments: segments.map((id) => ({ id, bytes: sizes.get(id)! })),
  };
  writeManifestSync(dataDir, manifest);
  if (legacy) warn(`created ${dataDir}/manifest.json for a data dir written by an earlier version`);
  return new ManifestWriter(dataDir, manifest);
}

const EMPTY_DEFINITIONS = JSON.stringify({ version: 1, vhosts: [], exchanges: [], queues: [], bindings: [] });

/** Creates a directory and proves it writable, or throws DataDirError naming it. */
function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, '.write-probe');
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (e) {
    throw new DataDirError(dir, `cannot create or write: ${errorText(e)}`, { cause: e });
  }
}
