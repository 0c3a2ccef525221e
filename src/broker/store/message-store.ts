/**
 * The persistence hook. The engine tells the store about every persistent message
 * (delivery-mode 2) enqueued on a durable queue and about its removal (ack, drop, expiry,
 * dead-lettering, purge, queue deletion). A store may make a message durable
 * asynchronously: persist() returns true when the message is already durable, otherwise the
 * store later calls `waiter.durable(token)` exactly once. Publisher confirms for persistent
 * messages routed to durable queues are held until every such queue's persist is durable.
 *
 * `queueKey` is `${vhost}\u0000${queueName}`; `seq` is the message's per-queue sequence
 * number (Message.seq), unique within the queue.
 */
import type { Message } from '../message.js';

export interface DurableWaiter {
  durable(token: number): void;
  /** The persist for `token` could not be made durable (write failure): nack the publish. */
  failed?(token: number): void;
}

/** What a store calls back into: the engine's entry point and the queues' log notifications. */
export interface StoreEngine {
  /** Runs `fn` as an engine entry point (confirms and `stored` from the store's I/O callbacks). */
  run(fn: () => void): void;
  /** A message's PUBLISH record is on disk (`ok`) or its write failed: its queue may deliver or drop it. */
  stored(queueKey: string, message: Message, ok: boolean): void;
}

export interface MessageStore {
  /** Called once by the Broker that uses the store (stores that confirm asynchronously need it). */
  attach?(engine: StoreEngine): void;
  persist(
    queueKey: string,
    seq: number,
    message: Message,
    waiter: DurableWaiter | null,
    token: number,
  ): boolean;
  remove(queueKey: string, seq: number): void;
  /** The queue was deleted: forget all its messages. */
  dropQueue(queueKey: string): void;
  /**
   * Called before a persisted message is first handed out (consumer or basic.get): the store
   * makes sure a crash from now on brings it back redelivered (delivery-horizon.ts).
   * `exact`: the queue wants no false positives (the horizon is raised to `seq` only).
   */
  beforeFirstDelivery?(queueKey: string, seq: number, exact?: boolean): void;
  /** First delivery of a persisted message (it comes back redelivered after a restart). */
  delivered?(queueKey: string, seq: number): void;
  /**
   * Paging (a store keeping bodies on disk): per-queue bytes of in-memory messages above
   * which a durable queue keeps new persistent messages as index entries only. Undefined:
   * the store cannot page (every message stays in memory).
   */
  readonly pageThreshold?: number;
  /** Page-in: the next live messages with seq >= fromSeq (up to ~maxBytes), async. */
  readPaged?(
    queueKey: string,
    fromSeq: number,
    maxBytes: number,
    done: (e: unknown, m: Message[]) => void,
  ): void;
  /** Page-in, synchronously (basic.get, recovery). */
  readPagedSync?(queueKey: string, fromSeq: number, maxBytes: number): Message[];
  /** Removes every logged message of the queue with seq >= fromSeq (purge of a paged tail). */
  removeFrom?(queueKey: string, fromSeq: number): number;
  /**
   * Resolves once every record appended so far is on disk (DELIVERED included). The embedded
   * transport waits for it before user code sees a first delivery: a handler that kills the
   * process takes the broker with it, and the delivery must still count after the restart.
   */
  sync?(): Promise<void>;
  /** Flushes what is pending and releases files (broker shutdown). */
  close?(): Promise<void>;
}
