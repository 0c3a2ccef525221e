/**
 * One group commit of the message log: the records appended in a turn of the event loop
 * (encoded into one buffer, written with one write and at most one fdatasync), and what
 * depends on them: the publishes waiting to learn their Position, the confirms waiting for
 * the fdatasync, and the removals whose segment accounting waits for their record to be on
 * disk. The log owns the open batch; stores append to it through these methods only.
 *
 * Invariants: a batch with publishes or confirms is fdatasynced before it completes; a
 * record that cannot be encoded is cut off again, so the batch never holds half a record.
 */
import { Writer } from '../../../protocol/writer.js';
import type { Message } from '../../message.js';
import type { DurableWaiter } from '../message-store.js';
import { Position } from './position.js';
import { FLAG_DELIVERED, RecordType, writeDrop, writePublish, writeSeqRecord } from './record-codec.js';

/** A PUBLISH record appended to a batch: where it landed once written, or that its write failed. */
export class AppendedPublish {
  /** Set when its batch is written; undefined while in flight (and for good if it failed). */
  position: Position | undefined = undefined;
  /** Its batch could not be written (the publisher was nacked). */
  failed = false;

  constructor(
    readonly queueKey: string,
    readonly message: Message,
    /** Offset of the record in its batch's buffer (its segment offset is known once written). */
    readonly batchOffset: number,
    readonly length: number,
  ) {}
}

/** Where a live PUBLISH record is: written at a Position, or still in a batch. */
export type Held = Position | AppendedPublish;

/** The segment holding a record, once known (undefined: in flight, or its write failed). */
export function segmentOf(at: Held): number | undefined {
  return at instanceof Position ? at.segment : at.position?.segment;
}

/** A REMOVE or DROP record and the PUBLISH records it retires once it is on disk. */
export interface Removal {
  readonly type: RecordType.Remove | RecordType.Drop;
  readonly queueKey: string;
  /** The removed message's seq (REMOVE only). */
  readonly seq: number;
  /** The retired records: REMOVE one; DROP those still in flight. */
  readonly held: readonly Held[];
  /** DROP: written records retired per segment (no Position per message of a big queue). */
  readonly segments?: ReadonlyMap<number, number>;
}

export class LogBatch {
  readonly w = new Writer(64 * 1024);
  readonly publishes: AppendedPublish[] = [];
  readonly removals: Removal[] = [];
  private readonly waiters: DurableWaiter[] = [];
  private readonly tokens: number[] = [];

  /** Appends a PUBLISH record; throws (with the half-written record cut off) when it cannot be encoded. */
  publish(queueKey: string, message: Message, delivered: boolean): AppendedPublish {
    const off = this.w.mark();
    let len: number;
    try {
      len = writePublish(this.w, queueKey, message, delivered ? FLAG_DELIVERED : 0);
    } catch (e) {
      this.w.rollback(off);
      throw e;
    }
    const p = new AppendedPublish(queueKey, message, off, len);
    this.publishes.push(p);
    return p;
  }

  /** Appends a REMOVE record for the message at `at`. */
  remove(queueKey: string, seq: number, at: Held): void {
    writeSeqRecord(this.w, RecordType.Remove, queueKey, seq);
    this.removals.push({ type: RecordType.Remove, queueKey, seq, held: [at] });
  }

  /** Appends a DROP record: every record of the queue is retired. */
  drop(queueKey: string, held: readonly Held[], segments: ReadonlyMap<number, number>): void {
    writeDrop(this.w, queueKey);
    this.removals.push({ type: RecordType.Drop, queueKey, seq: 0, held, segments });
  }

  /** Appends a DELIVERED record (nothing waits on it). */
  delivered(queueKey: string, seq: number): void {
    writeSeqRecord(this.w, RecordType.Delivered, queueKey, seq);
  }

  /** Carries a removal of a failed batch over to this one (its record is written again). */
  reappend(r: Removal): void {
    if (r.type === RecordType.Drop) writeDrop(this.w, r.queueKey);
    else writeSeqRecord(this.w, RecordType.Remove, r.queueKey, r.seq);
    this.removals.push(r);
  }

  /** `waiter.durable(token)` once this batch is on disk (`failed` if it cannot be written). */
  confirm(waiter: DurableWaiter, token: number): void {
    this.waiters.push(waiter);
    this.tokens.push(token);
  }

  /** Publishes and confirms wait for an fdatasync; acks and marks alone do not. */
  get needsSync(): boolean {
    return this.publishes.length > 0 || this.waiters.length > 0;
  }

  /** The batch was written to `segment` starting at byte `base`: its publishes have Positions. */
  placed(segment: number, base: number): void {
    for (const p of this.publishes) p.position = new Position(segment, base + p.batchOffset, p.length);
  }

  /** The batch is on disk: confirms go out. */
  confirmDurable(): void {
    for (let i = 0; i < this.waiters.length; i++) this.waiters[i]!.durable(this.tokens[i]!);
  }

  /** The batch could not be written: its publishes failed, their publishers get nacks. */
  confirmFailed(): void {
    for (const p of this.publishes) p.failed = true;
    for (let i = 0; i < this.waiters.length; i++) this.waiters[i]!.failed?.(this.tokens[i]!);
  }
}
