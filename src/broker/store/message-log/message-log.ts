/**
 * The message log of a data dir: the commit log (segments, group commit) and, per durable
 * queue, the index of where its live messages' PUBLISH records are. Persistent messages are
 * appended as PUBLISH records and confirmed after the group commit's fdatasync; acks, drops,
 * expiries and purges append REMOVE records, a queue deletion a DROP record, a first
 * delivery a DELIVERED record (recovered messages come back with redelivered set).
 *
 * The engine learns about a batch through the hooks it attached (StoreEngine): confirms and
 * `stored` run as an engine entry point once the batch is on disk or failed.
 *
 * Invariants: append → fdatasync → confirm; the REMOVE (or DROP) record of a message is on
 * disk before the segment of its PUBLISH is deleted; a seq is indexed at most once per queue.
 */
import type { Message } from '../../message.js';
import type { ManifestWriter } from '../manifest.js';
import type { DurableWaiter, StoreEngine } from '../message-store.js';
import { errorText } from '../store-errors.js';
import { CommitLog } from './commit-log.js';
import type { LogStats } from './commit-log.js';
import type { LogBatch } from './log-batch.js';
import { AppendedPublish } from './log-batch.js';
import { planPage, readPage, readPageSync } from './page-reader.js';
import { QueueIndex } from './queue-index.js';
import type { IndexTail } from './queue-index.js';
import type { ReplayResult } from './recovery.js';

export interface MessageLogOptions {
  /** Segment size in bytes before rolling to a new file. */
  segmentSize: number;
  /** Run before each write (the definitions are saved first, so a confirmed message's queue is on disk). */
  beforeWrite: () => Promise<void>;
  warn(text: string): void;
}

/** Page-ins read up to this many messages at once. */
const PAGE_COUNT = 1 << 20;

export class MessageLog {
  private readonly log: CommitLog;
  private readonly indexes: Map<string, QueueIndex>;
  private engine: StoreEngine = { run: (fn) => fn(), stored: () => undefined };

  constructor(dir: string, recovered: ReplayResult, manifest: ManifestWriter, options: MessageLogOptions) {
    this.indexes = recovered.indexes;
    this.log = new CommitLog(dir, recovered.segments, options.segmentSize, manifest, {
      beforeWrite: options.beforeWrite,
      onError: (e, file) => options.warn(`write to ${file} failed: ${errorText(e)}`),
      durable: (b) => this.engine.run(() => this.durable(b)),
      failed: (b) => this.engine.run(() => this.failed(b)),
    });
  }

  /** The engine's entry point and queue notifications (set once by the Broker). */
  attach(engine: StoreEngine): void {
    this.engine = engine;
  }

  /**
   * Start-up, after the definitions were restored: forgets logged queues that no longer
   * exist (a DROP record, so their seqs can be reused) and counts live messages per segment.
   */
  adoptQueues(known: ReadonlySet<string>): void {
    for (const [key, idx] of this.indexes) {
      if (known.has(key)) {
        for (const [seg, n] of idx.holdings().segments)
          this.log.live.set(seg, (this.log.live.get(seg) ?? 0) + n);
      } else {
        this.indexes.delete(key);
        this.log.append().drop(key, [], new Map());
      }
    }
    for (const seg of this.log.segments) if (!this.log.live.has(seg)) this.log.live.set(seg, 0);
  }

  /** After a crash: the messages of `queueKey` up to `seq` may have been delivered. */
  markDeliveredUpTo(queueKey: string, seq: number): void {
    this.indexes.get(queueKey)?.markDeliveredUpTo(seq);
  }

  /** Queue keys with logged messages. */
  queueKeys(): IterableIterator<string> {
    return this.indexes.keys();
  }

  /** The highest seq ever logged for a queue (0: none). */
  maxSeq(queueKey: string): number {
    return this.indexes.get(queueKey)?.maxSeq ?? 0;
  }

  /** Live logged messages of a queue from `fromSeq` on (what a restored queue leaves paged). */
  tailFrom(queueKey: string, fromSeq: number): IndexTail {
    return this.indexes.get(queueKey)?.tailFrom(fromSeq) ?? { count: 0, bytes: 0, fromSeq: 0 };
  }

  /** Appends `message`'s PUBLISH; throws when the log cannot encode it (nothing is appended). */
  persist(queueKey: string, message: Message, waiter: DurableWaiter | null, token: number): void {
    const batch = this.log.append();
    const p = batch.publish(queueKey, message, message.redelivered);
    this.indexFor(queueKey).put(message.seq, p, message.redelivered);
    if (waiter !== null) batch.confirm(waiter, token);
  }

  remove(queueKey: string, seq: number): void {
    const at = this.indexes.get(queueKey)?.remove(seq);
    // A publish whose write failed was never on disk: nothing to retire.
    if (at === undefined || (at instanceof AppendedPublish && at.failed)) return;
    this.log.append().remove(queueKey, seq, at);
  }

  delivered(queueKey: string, seq: number): void {
    if (this.indexes.get(queueKey)?.markDelivered(seq) === true) this.log.append().delivered(queueKey, seq);
  }

  dropQueue(queueKey: string): void {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return;
    this.indexes.delete(queueKey);
    const { segments, appended } = idx.holdings();
    this.log.append().drop(queueKey, appended, segments);
  }

  readPaged(
    queueKey: string,
    fromSeq: number,
    maxBytes: number,
    done: (e: unknown, m: Message[]) => void,
  ): void {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return done(null, []);
    readPage(this.log.dir, planPage(idx, fromSeq, maxBytes, PAGE_COUNT), done);
  }

  readPagedSync(queueKey: string, fromSeq: number, maxBytes: number): Message[] {
    const idx = this.indexes.get(queueKey);
    if (idx === undefined) return [];
    return readPageSync(this.log.dir, planPage(idx, fromSeq, maxBytes, PAGE_COUNT));
  }

  removeFrom(queueKey: string, fromSeq: number): number {
    const seqs = this.indexes.get(queueKey)?.seqsFrom(fromSeq) ?? [];
    for (const seq of seqs) this.remove(queueKey, seq);
    return seqs.length;
  }

  /** What the flush loop measured. */
  get stats(): LogStats {
    return this.log.stats;
  }

  /** Resolves once everything appended so far is on disk (or failed). */
  sync(): Promise<void> {
    return this.log.idle();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private indexFor(queueKey: string): QueueIndex {
    let idx = this.indexes.get(queueKey);
    if (idx === undefined) this.indexes.set(queueKey, (idx = new QueueIndex(queueKey)));
    return idx;
  }

  /** A batch is on disk: its publishes are indexed at their Positions, confirmed, deliverable. */
  private durable(b: LogBatch): void {
    for (const p of b.publishes) this.indexes.get(p.queueKey)?.placed(p.message.seq, p);
    b.confirmDurable();
    for (const p of b.publishes) this.engine.stored(p.queueKey, p.message, true);
  }

  /** A batch failed: its publishers are nacked and its messages leave their queues. */
  private failed(b: LogBatch): void {
    b.confirmFailed();
    for (const p of b.publishes) this.engine.stored(p.queueKey, p.message, false);
  }
}
