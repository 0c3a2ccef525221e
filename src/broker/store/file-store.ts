/**
 * FileStore: the durable MessageStore of a data dir (opened by data-dir.ts, next to the
 * definitions store):
 *
 *   <dataDir>/messages/NNNNNNNN.seg   the message log (message-log/)
 *   <dataDir>/manifest.json           the segments that must exist (manifest.ts)
 *   <dataDir>/delivery-horizons       per queue, the seq up to which messages may have been delivered
 *
 * It composes the message log with the delivery horizons (redelivered after a crash) and
 * the free-disk alarm. In memory it keeps only a queue index per durable queue.
 */
import { join } from 'node:path';
import { preconditionFailed } from '../../protocol/errors.js';
import type { Message } from '../message.js';
import { Method } from '../methods.js';
import type { Layout } from './data-dir-layout.js';
import { MESSAGES_DIR } from './data-dir-layout.js';
import { DeliveryHorizons } from './delivery-horizon.js';
import { DEFAULT_DISK_FREE_LIMIT, DiskMonitor } from './disk-monitor.js';
import { ManifestWriter, emptyManifest, writeManifestSync } from './manifest.js';
import type { Manifest } from './manifest.js';
import { MessageLog } from './message-log/message-log.js';
import type { IndexTail } from './message-log/queue-index.js';
import { replay } from './message-log/recovery.js';
import type { DurableWaiter, MessageStore, StoreEngine } from './message-store.js';
import { errorText } from './store-errors.js';

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

export class FileStore implements MessageStore {
  readonly pageThreshold: number | undefined;
  /** The free-disk alarm of the data dir (transports block publishers while it is set). */
  readonly disk: DiskMonitor;
  private readonly log: MessageLog;
  /** Per-queue seq up to which messages may have been delivered (synced before delivery). */
  private readonly horizons: DeliveryHorizons;

  /** Replays the log of a data dir whose layout was accepted (data-dir.ts openDataDir). */
  constructor(
    readonly dataDir: string,
    layout: Layout,
    options: FileStoreOptions & { onWarning: (text: string) => void; beforeWrite: () => Promise<void> },
  ) {
    const threshold = options.pageThreshold ?? 64 * 1024 * 1024;
    this.pageThreshold = Number.isFinite(threshold) ? threshold : undefined;
    const warn = options.onWarning;
    const recovered = replay(layout.segments, warn);
    const manifest = sealRecovered(dataDir, recovered.segments, recovered.sizes, layout.legacy, warn);
    this.log = new MessageLog(join(dataDir, MESSAGES_DIR), recovered, manifest, {
      segmentSize: options.segmentSize ?? 64 * 1024 * 1024,
      beforeWrite: options.beforeWrite,
      warn,
    });
    this.horizons = new DeliveryHorizons(dataDir, warn);
    if (this.horizons.unclean) this.flagPossiblyDelivered();
    this.disk = new DiskMonitor(dataDir, options.diskFreeLimit ?? DEFAULT_DISK_FREE_LIMIT, warn);
    this.disk.start();
  }

  attach(engine: StoreEngine): void {
    this.log.attach(engine);
  }

  /**
   * After a crash: every message at or below its queue's delivery horizon may have been
   * delivered (its DELIVERED record may not have reached the disk) and comes back redelivered.
   */
  private flagPossiblyDelivered(): void {
    for (const key of this.log.queueKeys()) {
      const horizon = this.horizons.get(key);
      if (horizon > 0) this.log.markDeliveredUpTo(key, horizon);
    }
  }

  // ---- what the boot step reads (restore.ts) ----

  /** Forgets logged queues that no longer exist; the rest start counting toward segment deletion. */
  adoptQueues(known: ReadonlySet<string>): void {
    this.log.adoptQueues(known);
    this.horizons.retain(known);
  }

  maxSeq(queueKey: string): number {
    return this.log.maxSeq(queueKey);
  }

  tailFrom(queueKey: string, fromSeq: number): IndexTail {
    return this.log.tailFrom(queueKey, fromSeq);
  }

  // ---- MessageStore ----

  persist(
    queueKey: string,
    _seq: number,
    message: Message,
    waiter: DurableWaiter | null,
    token: number,
  ): boolean {
    try {
      this.log.persist(queueKey, message, waiter, token);
    } catch (e) {
      // A message the log cannot encode is refused alone; the shared batch stays intact.
      throw preconditionFailed(`message cannot be stored: ${errorText(e)}`, Method.basicPublish);
    }
    return false;
  }

  remove(queueKey: string, seq: number): void {
    this.log.remove(queueKey, seq);
  }

  beforeFirstDelivery(queueKey: string, seq: number, exact = false): void {
    this.horizons.admit(queueKey, seq, exact);
  }

  delivered(queueKey: string, seq: number): void {
    this.log.delivered(queueKey, seq);
  }

  dropQueue(queueKey: string): void {
    this.horizons.drop(queueKey);
    this.log.dropQueue(queueKey);
  }

  readPaged(
    queueKey: string,
    fromSeq: number,
    maxBytes: number,
    done: (e: unknown, m: Message[]) => void,
  ): void {
    this.log.readPaged(queueKey, fromSeq, maxBytes, done);
  }

  readPagedSync(queueKey: string, fromSeq: number, maxBytes: number): Message[] {
    return this.log.readPagedSync(queueKey, fromSeq, maxBytes);
  }

  removeFrom(queueKey: string, fromSeq: number): number {
    return this.log.removeFrom(queueKey, fromSeq);
  }

  /** fdatasyncs done so far (group commit: far fewer than persists). */
  get flushes(): number {
    return this.log.stats.syncs;
  }

  /** Resolves once everything appended so far is on disk (or failed). */
  sync(): Promise<void> {
    return this.log.sync();
  }

  async close(): Promise<void> {
    this.disk.stop();
    await this.log.close();
    this.horizons.closeClean();
  }
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
