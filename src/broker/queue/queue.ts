/**
 * A classic (or quorum-flavoured) queue: ready messages, consumers, fair dispatch, message
 * TTL, x-expires, max-length overflow and the delivery limit. Dead-lettering and deletion
 * are delegated to the owning vhost through QueueEnv (the queue does not know exchanges).
 *
 * Invariants:
 * - `ready` holds messages not delivered; `unackedCount` those delivered and not settled.
 * - Dispatch only happens from dispatch(), which the Scheduler runs (never nested); every
 *   mutation that can enable a delivery calls wake().
 * - A message whose expiresAt (ms, 0 = never) is <= now is never delivered; expired heads
 *   are dead-lettered when reached or when the head-expiry timer (head-expiry.ts) fires.
 * - Durable, unlimited, non-priority queues on a paging store spill their tail to disk past
 *   the store's pageThreshold (paged-tail.ts); messageCount includes the paged messages.
 * - Persistent messages of durable queues are in the store from enqueue until they leave
 *   the queue for good (ack, no-ack delivery, drop, dead-letter, purge, delete).
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Message } from '../message.js';
import type { Dispatchable, Scheduler } from '../scheduler.js';
import type { DurableWaiter, MessageStore } from '../store/message-store.js';
import type { Consumer, QueueHandle } from './consumer.js';
import { ConsumerSet } from './consumer-set.js';
import { HeadExpiry } from './head-expiry.js';
import type { DeathReason } from './dead-letter.js';
import { parseQueueConfig } from './queue-config.js';
import type { QueueConfig } from './queue-config.js';
import { effectiveQueueConfig } from './queue-policy.js';
import type { Policy } from '../policies.js';
import { MESSAGE_OVERHEAD, PagedTail } from './paged-tail.js';
import { ReadyList } from './ready-list.js';
import { MessageCounters } from '../stats/message-counters.js';

/** What a queue needs from its vhost. */
export interface QueueEnv {
  readonly vhostName: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly store: MessageStore;
  /** `message` died in `queue` (already removed from it): dead-letter it or drop it. */
  deadLetter(queue: Queue, message: Message, reason: DeathReason): void;
  /** The queue should be deleted (x-expires elapsed, or auto-delete after its last consumer). */
  queueUnused(queue: Queue): void;
}

export enum EnqueueOutcome {
  Accepted = 0,
  /** Accepted; the store will call the waiter when the message is durable. */
  Pending = 1,
  /** Refused by overflow reject-publish(-dlx): the publisher gets a nack. */
  Rejected = 2,
}

export interface QueueOptions {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  /** The owning connection of an exclusive queue, null otherwise. */
  exclusiveOwner: object | null;
  arguments: FieldTable;
  /** What the arguments configure (parseQueueConfig). */
  config: QueueConfig;
  /** The vhost's policy for this queue at declare time, if any. */
  policy?: Policy | undefined;
}

export class Queue implements QueueHandle, Dispatchable {
  readonly name: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly exclusiveOwner: object | null;
  readonly arguments: FieldTable;
  /** The configuration in effect: the arguments' with the policy applied (queue-policy.ts). */
  config: QueueConfig;
  /** The policy in effect, if any (the vhost re-applies policies when they change). */
  policy: Policy | undefined;
  readonly storeKey: string;
  readonly consumers: ConsumerSet;
  /** message_stats for the management API and /metrics. */
  readonly stats = new MessageCounters();
  deleted = false;
  scheduled = false;
  unackedCount = 0;
  private readonly ready: ReadyList;
  /** Durable, non-priority, unlimited queues on a paging store: the on-disk tail. */
  private readonly pager: PagedTail | undefined;
  private nextSeq = 1;
  private hadConsumer = false;
  private readonly expiry: HeadExpiry;
  private limited: boolean;
  private readonly argsConfig: QueueConfig;
  private unusedTimer: TimerHandle | undefined;

  /** A queue as declared: its arguments parsed into its config (406 for bad ones). */
  static declared(env: QueueEnv, d: Omit<QueueOptions, 'config'>): Queue {
    const flags = { durable: d.durable, exclusive: d.exclusiveOwner !== null, autoDelete: d.autoDelete };
    return new Queue(env, { ...d, config: parseQueueConfig(env.vhostName, d.name, flags, d.arguments) });
  }

  constructor(
    private readonly env: QueueEnv,
    options: QueueOptions,
  ) {
    this.name = options.name;
    this.durable = options.durable;
    this.autoDelete = options.autoDelete;
    this.exclusiveOwner = options.exclusiveOwner;
    this.arguments = options.arguments;
    this.argsConfig = options.config;
    this.policy = options.policy;
    this.config = effectiveQueueConfig(options.config, options.arguments, options.policy);
    this.storeKey = `${env.vhostName}\u0000${options.name}`;
    this.ready = new ReadyList(this.config.maxPriority);
    this.consumers = new ConsumerSet(
      options.config.singleActiveConsumer,
      options.config.singleActiveConsumer && options.config.type === 'quorum',
    );
    this.expiry = new HeadExpiry(env.clock, env.scheduler, this.ready, () => this.expireHeads());
    this.limited = this.config.maxLength !== undefined || this.config.maxLengthBytes !== undefined;
    this.pager = PagedTail.forQueue(env.store, this.storeKey, this.durable, this.config, {
      name: this.name,
      push: (m) => this.pagedIn(m),
      batchDone: () => this.pagedInBatch(),
      run: (fn) => env.scheduler.run(fn),
    });
    this.touch();
  }

  get isQuorum(): boolean {
    return this.config.type === 'quorum';
  }

  /** Ready messages (what queue.declare-ok and basic.get-ok report). */
  get messageCount(): number {
    return this.ready.length + (this.pager?.length ?? 0);
  }

  get messageBytes(): number {
    const p = this.pager;
    return this.ready.bytes + (p === undefined ? 0 : p.bytes + p.transientBytes);
  }

  /** Body bytes this queue holds in memory (ready list + transient messages of a paged tail). */
  get heldBytes(): number {
    return this.ready.bytes + (this.pager?.transientBytes ?? 0);
  }

  /** Ready messages whose bodies are only on disk. */
  get pagedCount(): number {
    return this.pager?.count ?? 0;
  }

  private get memoryCost(): number {
    return this.ready.bytes + this.ready.length * MESSAGE_OVERHEAD;
  }

  get consumerCount(): number {
    return this.consumers.count;
  }

  /**
   * Takes a published message (a record owned by this queue from now on). `ttl` is the
   * per-message expiration in ms, or -1 for none.
   */
  enqueue(message: Message, ttl: number, waiter: DurableWaiter | null, token: number): EnqueueOutcome {
    const cfg = this.config;
    const now = this.env.clock.now();
    let effective = ttl;
    if (cfg.messageTtl !== undefined && (effective < 0 || cfg.messageTtl < effective))
      effective = cfg.messageTtl;
    if (effective >= 0) {
      if (effective === 0) {
        if (this.ready.length > 0 || !this.consumers.anyReady()) {
          message.seq = this.nextSeq++;
          this.env.deadLetter(this, message, 'expired');
          return EnqueueOutcome.Accepted;
        }
        message.expiresAt = now + 1;
      } else {
        message.expiresAt = now + effective;
      }
    }
    if (this.limited && cfg.overflow !== 'drop-head' && this.isFull()) {
      message.seq = this.nextSeq++;
      if (cfg.overflow === 'reject-publish-dlx') this.env.deadLetter(this, message, 'maxlen');
      return EnqueueOutcome.Rejected;
    }
    message.seq = this.nextSeq++;
    this.stats.publish++;
    let result = EnqueueOutcome.Accepted;
    if (this.durable && message.persistent) {
      if (!this.env.store.persist(this.storeKey, message.seq, message, waiter, token)) {
        result = EnqueueOutcome.Pending;
        message.unsynced = true;
      }
    }
    const pager = this.pager;
    if (pager !== undefined && (pager.active || this.memoryCost > pager.threshold))
      pager.add(message, message.persistent);
    else this.ready.push(message);
    if (this.limited && cfg.overflow === 'drop-head') this.dropOverLimit();
    if (message.expiresAt !== 0) this.expiry.note(message.expiresAt);
    if (this.consumers.count > 0) this.env.scheduler.schedule(this);
    return result;
  }

  /**
   * Applies the vhost's policy for this queue (undefined: none), as RabbitMQ does when a
   * policy is set or cleared: limits, TTL, expiry, dead-lettering and the delivery limit
   * change from now on; messages already queued keep the expiry they got when enqueued; a
   * lower max-length with drop-head drops the excess heads at once.
   */
  applyPolicy(policy: Policy | undefined): void {
    if (this.deleted) return;
    const before = this.config;
    this.policy = policy;
    this.config = effectiveQueueConfig(this.argsConfig, this.arguments, policy);
    this.limited = this.config.maxLength !== undefined || this.config.maxLengthBytes !== undefined;
    if (this.limited && this.config.overflow === 'drop-head') this.dropOverLimit();
    if (this.config.expires !== before.expires) this.touch();
    this.wake();
  }

  private isFull(): boolean {
    const { maxLength, maxLengthBytes } = this.config;
    return (
      (maxLength !== undefined && this.messageCount >= maxLength) ||
      (maxLengthBytes !== undefined && this.messageBytes >= maxLengthBytes)
    );
  }

  /** Drops heads past the limits; a paged tail (a limit set by a later policy) is read in to do so. */
  private dropOverLimit(): void {
    const { maxLength, maxLengthBytes } = this.config;
    while (
      (maxLength !== undefined && this.messageCount > maxLength) ||
      (maxLengthBytes !== undefined && this.messageBytes > maxLengthBytes)
    ) {
      if (this.ready.length === 0) {
        if (this.pager?.active !== true || this.headUnsynced) return;
        this.pager.readSync();
        if (this.ready.length === 0) return;
      }
      const head = this.ready.shift()!;
      this.forget(head);
      this.env.deadLetter(this, head, 'maxlen');
    }
  }

  /** Runs from the Scheduler: delivers to consumers with capacity. */
  dispatch(): void {
    if (this.deleted) return;
    const consumers = this.consumers;
    const ready = this.ready;
    const now = this.expiry.active ? this.env.clock.now() : 0;
    while (ready.length > 0) {
      const consumer = consumers.pick();
      if (consumer === undefined) break;
      const message = this.takeHead(now);
      if (message === undefined) break;
      if (consumer.noAck) this.forget(message);
      else this.taken(message);
      this.stats.delivered(consumer.noAck, false, message.redelivered);
      consumer.host.deliver(consumer, message);
      if (this.deleted) return;
    }
    if (this.expiry.active) this.expiry.arm();
    if (this.pager?.active === true) this.pageIn();
  }

  /** Reads the paged tail ahead of consumers (paged-tail.ts decides whether to). */
  private pageIn(): void {
    this.pager!.pageIn(this.memoryCost);
  }

  private pagedInBatch(): void {
    this.wake();
    if (this.pager!.active) this.pageIn();
  }

  private pagedIn(m: Message): void {
    this.ready.push(m);
    if (m.expiresAt !== 0) this.expiry.note(m.expiresAt);
  }

  /** Removes the next live message (dead-lettering expired heads on the way). */
  private takeHead(now: number): Message | undefined {
    for (;;) {
      // An unsynced head waits for its log write (stored() wakes the queue), and so does
      // everything behind it: delivery order stays publish order.
      if (this.ready.peek()?.unsynced === true) return undefined;
      const m = this.ready.shift();
      if (m === undefined) return undefined;
      if (m.expiresAt !== 0 && this.expiry.active && now >= m.expiresAt) {
        this.forget(m);
        this.env.deadLetter(this, m, 'expired');
        continue;
      }
      if (this.durable && m.persistent && !m.redelivered)
        this.env.store.beforeFirstDelivery?.(this.storeKey, m.seq, this.config.exactRedelivered);
      return m;
    }
  }

  /** basic.get: the next message, or undefined when none is ready. */
  get(noAck: boolean): Message | undefined {
    this.touch();
    let m = this.takeHead(this.expiry.active ? this.env.clock.now() : 0);
    while (m === undefined && this.pager?.active === true && this.ready.peek()?.unsynced !== true) {
      this.pager.readSync();
      m = this.takeHead(this.expiry.active ? this.env.clock.now() : 0);
    }
    if (m === undefined) return undefined;
    if (noAck) this.forget(m);
    else this.taken(m);
    this.stats.delivered(noAck, true, m.redelivered);
    if (this.expiry.active) this.expiry.arm();
    return m;
  }

  /** A message delivered for acknowledgement; the store notes its first delivery. */
  private taken(m: Message): void {
    this.unackedCount++;
    if (this.durable && m.persistent && !m.redelivered) this.env.store.delivered?.(this.storeKey, m.seq);
  }

  /**
   * Recovery: appends messages read back from the store (in seq order) and numbers new
   * messages after `maxSeq` (the highest seq the store ever logged for this queue).
   */
  restore(
    messages: readonly Message[],
    maxSeq: number,
    paged?: { count: number; bytes: number; fromSeq: number },
  ): void {
    if (maxSeq >= this.nextSeq) this.nextSeq = maxSeq + 1;
    for (const m of messages) {
      this.ready.push(m);
      if (m.expiresAt !== 0) this.expiry.note(m.expiresAt);
    }
    if (paged !== undefined && paged.count > 0)
      this.pager?.restorePaged(paged.count, paged.bytes, paged.fromSeq);
    this.wake();
  }

  /** Recovery: how many bytes of messages to load into memory (the rest stays paged). */
  get restoreBudget(): number {
    return this.pager?.threshold ?? Infinity;
  }

  /** The consumer acknowledged `message`: it leaves the queue for good. */
  ack(message: Message): void {
    if (this.deleted) return;
    this.stats.ack++;
    this.unackedCount--;
    this.forget(message);
  }

  requeue(message: Message, returned: boolean): void {
    if (this.deleted) return;
    this.unackedCount--;
    message.redelivered = true;
    // Quorum delivery limit, as RabbitMQ 4.0-4.2 (rabbit_fifo.erl return_one/8): every return
    // counts - nack/reject with requeue, basic.recover, and a consumer, channel or connection
    // going away with unacked messages (return_all/6 from cancel_consumer/5 on 'down'); the
    // limit is checked against the acquired count those returns increment. (RabbitMQ 4.3
    // stops counting nack/reject-requeue; the consumer going away still counts there.)
    if (this.isQuorum && returned) {
      message.deliveryCount++;
      if (message.deliveryCount > (this.config.deliveryLimit ?? Infinity)) {
        this.forget(message);
        this.env.deadLetter(this, message, 'delivery_limit');
        return;
      }
      const headers = { ...message.properties.headers, 'x-delivery-count': message.deliveryCount };
      message.setProperties({ ...message.properties, headers });
    }
    this.ready.restore(message);
    if (message.expiresAt !== 0) this.expiry.note(message.expiresAt);
    this.wake();
  }

  discard(message: Message): void {
    if (this.deleted) return;
    this.unackedCount--;
    this.forget(message);
    this.env.deadLetter(this, message, 'rejected');
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.add(consumer);
    this.hadConsumer = true;
    this.touch();
    this.wake();
  }

  removeConsumer(consumer: Consumer): void {
    if (!this.consumers.remove(consumer)) return;
    if (this.deleted) return;
    if (this.autoDelete && this.hadConsumer && this.consumers.count === 0) {
      this.env.queueUnused(this);
      return;
    }
    this.touch();
    this.wake();
  }

  /** Schedules a dispatch when there is something to deliver and someone to take it. */
  wake(): void {
    if (this.consumers.count === 0) return;
    if (this.ready.length > 0) this.env.scheduler.schedule(this);
    else if (this.pager?.active === true) this.pageIn();
  }

  /** The next message waits for its log write (basic.get answers get-empty meanwhile). */
  get headUnsynced(): boolean {
    return this.ready.peek()?.unsynced === true;
  }

  /**
   * The store finished the log write of `m`: deliverable now, or (write failed, publisher
   * nacked) removed from the queue so it is never delivered.
   */
  stored(m: Message, ok: boolean): void {
    if (!m.unsynced || this.deleted) return;
    m.unsynced = false;
    if (ok) return this.wake();
    if (this.ready.remove(m) || this.pager?.dropStored(m) === true) this.forget(m);
  }

  purge(): number {
    const messages = this.ready.drain();
    for (const m of messages) this.forget(m);
    return messages.length + (this.pager?.discard(this.deleted) ?? 0);
  }

  /** Marks the queue deleted; the vhost removes bindings. Returns the ready count dropped. */
  markDeleted(): { count: number; consumers: Consumer[] } {
    const count = this.messageCount;
    this.ready.drain();
    this.deleted = true;
    this.pager?.discard(true);
    this.clearTimers();
    if (this.durable) this.env.store.dropQueue(this.storeKey);
    const consumers = [...this.consumers.all()];
    for (const c of consumers) this.consumers.remove(c);
    return { count, consumers };
  }

  /** Restarts the x-expires countdown (declare, get, consumer changes). */
  touch(): void {
    // Cleared first: a policy that set expires may just have been cleared.
    if (this.unusedTimer !== undefined) this.env.clock.clearTimeout(this.unusedTimer);
    this.unusedTimer = undefined;
    const expires = this.config.expires;
    if (expires === undefined || this.deleted || this.consumers.count > 0) return;
    this.unusedTimer = this.env.clock.setTimeout(() => {
      this.unusedTimer = undefined;
      this.env.scheduler.run(() => {
        if (!this.deleted && this.consumers.count === 0) this.env.queueUnused(this);
      });
    }, expires);
  }

  private forget(message: Message): void {
    // Gone for good (expired, dropped, purged): a later stored() about it is moot.
    message.unsynced = false;
    if (this.durable && message.persistent) this.env.store.remove(this.storeKey, message.seq);
  }

  private expireHeads(): void {
    if (this.deleted) return;
    const now = this.env.clock.now();
    let found = true;
    while (found) {
      found = false;
      for (const m of this.ready.heads()) {
        if (m.expiresAt !== 0 && now >= m.expiresAt) {
          this.ready.shiftLevelOf(m);
          this.forget(m);
          this.env.deadLetter(this, m, 'expired');
          found = true;
          break;
        }
      }
    }
    this.expiry.arm();
  }

  private clearTimers(): void {
    this.expiry.clear();
    if (this.unusedTimer !== undefined) this.env.clock.clearTimeout(this.unusedTimer);
    this.unusedTimer = undefined;
  }
}
