/**
 * The messages a delayed-message exchange holds until they are due (RabbitMQ's
 * rabbitmq_delayed_message_exchange semantics; see delayed-args.ts). They sit in a min-heap by
 * due time, so one timer, armed for the earliest, serves them all and a long delay never
 * holds back a short one. When due, a message is routed through the exchange's own bindings
 * (its x-delayed-type router, alternate exchange included) with `x-delay` negated, as the
 * plugin marks messages it delayed, and its `expiration` starts counting in the queues.
 *
 * Persistence: on a durable exchange, a persistent message is logged in the message store
 * under a pseudo-queue key no client can declare (`amq.` prefix), with its absolute due time
 * in a header that is stripped again on recovery; it is removed from the log once routed.
 *
 * Invariants: every held message is in the heap exactly once; the timer, when armed, is
 * armed for at most the top's due time; release happens only from the timer (an engine
 * entry point through the scheduler) and in due order (ties in publish order).
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { MinHeap } from '../../util/min-heap.js';
import { messageTtl } from '../channel/expiration.js';
import type { Exchange } from '../exchange/exchange-record.js';
import { Message } from '../message.js';
import type { Queue } from '../queue/queue.js';
import type { Scheduler } from '../scheduler.js';
import type { DurableWaiter, MessageStore } from '../store/message-store.js';
import { DELAY_HEADER } from './delayed-args.js';

/** Header carrying a logged message's absolute due time (ms since the epoch). */
export const DUE_HEADER = 'x-warren-delayed-until';
/** Node timers cannot wait longer than this; longer waits re-arm on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Messages routed per timer callback, so a large due batch does not stall other work. */
const RELEASE_BATCH = 4096;

/** What the hold needs of its vhost. */
export interface DelayedEnv {
  readonly vhostName: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly store: MessageStore;
  routeScratch(exchange: Exchange, routingKey: string, headers: FieldTable | undefined): Set<Queue>;
}

interface Held {
  due: number;
  message: Message;
  logged: boolean;
}

export class DelayedHold {
  readonly storeKey: string;
  private readonly heap = new MinHeap<Held>(
    (a, b) => a.due < b.due || (a.due === b.due && a.message.seq < b.message.seq),
  );
  private nextSeq = 1;
  private timer: TimerHandle | undefined;
  private timerDue = 0;
  private stopped = false;

  constructor(
    private readonly env: DelayedEnv,
    private readonly exchange: Exchange,
  ) {
    this.storeKey = `${env.vhostName}\u0000amq.warren.delayed.${exchange.name}`;
  }

  /** Held messages. */
  get size(): number {
    return this.heap.size;
  }

  /** The earliest due time held (ms since the epoch), or undefined when empty. */
  get nextDue(): number | undefined {
    return this.heap.peek()?.due;
  }

  /**
   * Holds a publish for `delay` ms. Returns false when the store will confirm it durable later
   * through `waiter.durable(token)` (a persistent message on a durable exchange).
   */
  hold(message: Message, delay: number, waiter: DurableWaiter | null, token: number): boolean {
    const due = this.env.clock.now() + delay;
    message.seq = this.nextSeq++;
    const logged = this.exchange.durable && message.persistent;
    let durable = true;
    if (logged)
      durable = this.env.store.persist(this.storeKey, message.seq, logCopy(message, due), waiter, token);
    this.heap.push({ due, message, logged });
    this.arm();
    return durable;
  }

  /** Recovery: messages read back from the log (with their due header), `maxSeq` the highest logged. */
  restore(messages: readonly Message[], maxSeq: number): void {
    if (maxSeq >= this.nextSeq) this.nextSeq = maxSeq + 1;
    for (const m of messages) {
      const headers: FieldTable = { ...m.properties.headers };
      const due = Number(headers[DUE_HEADER] ?? 0);
      delete headers[DUE_HEADER];
      m.setProperties({ ...m.properties, headers });
      m.redelivered = false;
      this.heap.push({ due, message: m, logged: true });
    }
    this.arm();
  }

  /** The exchange is gone: drop what it held (and its log entries). */
  drop(): void {
    this.stop();
    if (this.exchange.durable) this.env.store.dropQueue(this.storeKey);
    this.heap.clear();
  }

  /** Broker shutdown: no more timers (what is logged stays logged). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.env.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined || this.stopped) return;
    if (this.timer !== undefined) {
      if (this.timerDue <= top.due) return;
      this.env.clock.clearTimeout(this.timer);
    }
    const clock = this.env.clock;
    const wait = Math.min(Math.max(0, top.due - clock.now()), MAX_TIMER_MS);
    this.timerDue = clock.now() + wait;
    this.timer = clock.setTimeout(() => this.env.scheduler.run(() => this.fire()), wait);
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.env.clock.now();
    let released = 0;
    for (let top = this.heap.peek(); top !== undefined && top.due <= now; top = this.heap.peek()) {
      if (released++ === RELEASE_BATCH) break;
      this.heap.pop();
      this.release(top);
    }
    this.arm();
  }

  private release(held: Held): void {
    const m = held.message;
    const headers = { ...m.properties.headers };
    const delay = headers[DELAY_HEADER];
    if (typeof delay === 'number') headers[DELAY_HEADER] = -delay;
    else if (typeof delay === 'bigint') headers[DELAY_HEADER] = -delay;
    const properties = { ...m.properties, headers };
    const queues = this.env.routeScratch(this.exchange, m.routingKey, headers);
    const ttl = safeTtl(properties);
    let first = true;
    for (const q of queues) {
      const copy = new Message(this.exchange.name, m.routingKey, properties, m.body);
      q.enqueue(first ? copy : copy.cloneForQueue(), ttl, null, 0);
      first = false;
    }
    if (held.logged) this.env.store.remove(this.storeKey, m.seq);
  }
}

/** The record logged for a held message: its properties plus the due time. */
function logCopy(message: Message, due: number): Message {
  const headers = { ...message.properties.headers, [DUE_HEADER]: due };
  const copy = new Message(
    message.exchange,
    message.routingKey,
    { ...message.properties, headers },
    message.body,
  );
  copy.seq = message.seq;
  return copy;
}

/** The publish's expiration was checked when it was published; a recovered bad one means none. */
function safeTtl(properties: Message['properties']): number {
  try {
    return messageTtl(properties);
  } catch {
    return -1;
  }
}
