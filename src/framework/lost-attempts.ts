/**
 * What a task worker had in hand when its connection dropped, so the redeliveries that follow
 * on the new channel are not charged for the outage. When a channel dies every unsettled
 * delivery on it is gone (the broker requeues it, redelivered); this ledger remembers, by
 * message id, whether it had been started and, once the handler that was running settles,
 * how it ended. A redelivered message found here is then: run as a fresh attempt (it never
 * started), acked without running again (it had succeeded, or its retry copy was published),
 * or failed with the error its handler really threw: never counted as an interrupted attempt.
 *
 * An ack is not confirmed by the broker: the acks sent just before a drop may never have
 * arrived. So the ids of the latest acked deliveries are kept in a ring, and a drop turns
 * them into entries that ack the redelivery without running the task again.
 *
 * Only this process's own drops are known here; a message redelivered because another worker
 * crashed is not in the ledger and counts as interrupted (task-worker.ts). Bounded: entries
 * whose message never comes back (its ack reached the broker just before the drop) expire.
 */

/** How a lost attempt ended. */
export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'failed'; error: unknown }
  /** Its failure was already handled (retry or dead-letter copy published): only ack. */
  | { kind: 'handled' }
  /** It never ran (a suspect whose quarantine copy was not published): run as the same attempt. */
  | { kind: 'unstarted' };

/** What the ledger knows about a redelivered message. */
export type LostAttempt = { kind: 'unstarted' } | { kind: 'started'; outcome: Promise<AttemptOutcome> };

interface Entry {
  started: boolean;
  outcome: AttemptOutcome | undefined;
  waiters: ((outcome: AttemptOutcome) => void)[];
  at: number;
}

const HANDLED: AttemptOutcome = { kind: 'handled' };

/** Entries older than this are dropped: their message is not coming back to this worker. */
const MAX_AGE_MS = 10 * 60_000;
const MAX_ENTRIES = 100_000;

export class LostAttempts {
  readonly #entries = new Map<string, Entry>();
  /** Ids of the latest acks on the current connection (a ring; '' = empty slot). */
  readonly #acked: string[];
  #ackedNext = 0;

  /** `recentAcks`: how many of the latest acks a drop may have lost. */
  constructor(recentAcks = 1024) {
    this.#acked = new Array<string>(recentAcks).fill('');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `messageId` was acked (its ack may still be on its way when the connection drops). */
  acked(messageId: string): void {
    this.#acked[this.#ackedNext] = messageId;
    this.#ackedNext = (this.#ackedNext + 1) % this.#acked.length;
  }

  /** The connection dropped: the latest acks may be lost; their redeliveries are only acked. */
  dropped(): void {
    this.#prune();
    const at = Date.now();
    for (let i = 0; i < this.#acked.length; i++) {
      const id = this.#acked[i]!;
      if (id === '') continue;
      this.#acked[i] = '';
      if (!this.#entries.has(id)) this.#entries.set(id, { started: true, outcome: HANDLED, waiters: [], at });
    }
  }

  /** A delivery of `messageId` died with its channel; `started` if its handler had begun. */
  lose(messageId: string, started: boolean): void {
    this.#prune();
    // A pending entry stays: the redelivery that was waiting on it died too, and the next
    // one must still get the outcome of the handler that is running.
    if (this.#entries.has(messageId)) return;
    this.#entries.set(messageId, { started, outcome: undefined, waiters: [], at: Date.now() });
  }

  /** The handler of a lost delivery settled (or its failure was handled). */
  settle(messageId: string, outcome: AttemptOutcome): void {
    const entry = this.#entries.get(messageId);
    if (entry === undefined) return;
    entry.outcome = outcome;
    for (const waiter of entry.waiters.splice(0)) waiter(outcome);
  }

  /**
   * A redelivery of `messageId` arrived: what is known about its lost delivery, if anything.
   * The entry is removed once used (see `consume`), so a later crash-redelivery is charged.
   */
  find(messageId: string): LostAttempt | undefined {
    const entry = this.#entries.get(messageId);
    if (entry === undefined) return undefined;
    if (!entry.started) {
      this.#entries.delete(messageId);
      return { kind: 'unstarted' };
    }
    const known = entry.outcome;
    if (known !== undefined) return { kind: 'started', outcome: Promise.resolve(known) };
    return { kind: 'started', outcome: new Promise((resolve) => entry.waiters.push(resolve)) };
  }

  /** The redelivery settled with the recorded outcome: forget the message. */
  consume(messageId: string): void {
    const entry = this.#entries.get(messageId);
    if (entry !== undefined && entry.outcome !== undefined) this.#entries.delete(messageId);
  }

  #prune(): void {
    const oldest = Date.now() - MAX_AGE_MS;
    for (const [id, entry] of this.#entries) {
      const full = this.#entries.size >= MAX_ENTRIES;
      // A started entry still waiting for its handler is kept however old (it is bounded by
      // the task timeout).
      if (!full && (entry.at > oldest || (entry.started && entry.outcome === undefined))) break;
      this.#entries.delete(id);
    }
  }
}
