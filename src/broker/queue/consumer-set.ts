/**
 * A queue's consumers and the choice of who gets the next message: highest x-priority
 * first among those with capacity, round-robin within a priority, and for
 * single-active-consumer (SAC) queues only the active one.
 *
 * Which consumer is the SAC active one follows RabbitMQ 4.x:
 * - Classic queues: the earliest registered consumer; priorities are ignored (RabbitMQ
 *   docs, consumers.md "Initial SAC Selection": "the initial active consumer is picked
 *   randomly, even if consumer priorities are in use"; in practice the first attached).
 * - Quorum queues (`sacPriority`, RabbitMQ 4.0+, rabbit_fifo.erl activate_next_consumer/2):
 *   when the active consumer goes, the waiting consumer with the highest priority becomes
 *   active (ties: the earliest registered). When a waiting consumer has a strictly higher
 *   priority than the active one, the active one gets no further deliveries ("quiescing");
 *   as soon as it has no unacked messages the highest-priority waiting consumer becomes
 *   active and the old one goes back to waiting. (rabbit_fifo also favours consumers
 *   with credit among equal priorities; every AMQP 0-9-1 consumer here counts as having
 *   credit, so ties fall to registration order.)
 *
 * Invariants: `groups` is sorted by descending priority; each group's `cursor` indexes the
 * member to try first; a consumer appears in exactly one group. With `sacPriority`,
 * `sacActive` is set whenever `count > 0`, and `switchDue` says some waiting consumer has
 * a higher priority than `sacActive`.
 */
import type { Consumer } from './consumer.js';

interface Group {
  priority: number;
  members: Consumer[];
  cursor: number;
}

export class ConsumerSet {
  private groups: Group[] = [];
  /** Registration order (classic single-active-consumer takes over in this order). */
  private readonly order: Consumer[] = [];
  count = 0;
  exclusive: Consumer | undefined;
  /** Quorum SAC: the active consumer (possibly quiescing). */
  private sacActive: Consumer | undefined;
  /** Quorum SAC: a waiting consumer outranks `sacActive`. */
  private switchDue = false;

  constructor(
    readonly singleActive: boolean,
    /** Single-active-consumer honouring consumer priorities (quorum queues). */
    readonly sacPriority = false,
  ) {}

  get active(): Consumer | undefined {
    if (!this.singleActive) return undefined;
    if (!this.sacPriority) return this.order[0];
    if (this.switchDue) this.promote();
    return this.sacActive;
  }

  add(consumer: Consumer): void {
    this.order.push(consumer);
    this.count++;
    if (consumer.exclusive) this.exclusive = consumer;
    let group = this.groups.find((g) => g.priority === consumer.priority);
    if (group === undefined) {
      group = { priority: consumer.priority, members: [], cursor: 0 };
      this.groups.push(group);
      this.groups.sort((a, b) => b.priority - a.priority);
    }
    group.members.push(consumer);
    if (this.sacPriority) {
      if (this.sacActive === undefined) this.sacActive = consumer;
      else if (consumer.priority > this.sacActive.priority) this.switchDue = true;
    }
  }

  remove(consumer: Consumer): boolean {
    const i = this.order.indexOf(consumer);
    if (i < 0) return false;
    this.order.splice(i, 1);
    this.count--;
    if (this.exclusive === consumer) this.exclusive = undefined;
    const gi = this.groups.findIndex((g) => g.priority === consumer.priority);
    const group = this.groups[gi];
    if (group !== undefined) {
      const mi = group.members.indexOf(consumer);
      group.members.splice(mi, 1);
      if (mi < group.cursor) group.cursor--;
      if (group.members.length === 0) this.groups.splice(gi, 1);
      else if (group.cursor >= group.members.length) group.cursor = 0;
    }
    if (this.sacPriority) {
      if (this.sacActive === consumer) this.sacActive = this.bestWaiting();
      this.switchDue = this.outranked();
    }
    return true;
  }

  all(): readonly Consumer[] {
    return this.order;
  }

  /** The next consumer to deliver to, advancing round-robin; undefined when none can take one. */
  pick(): Consumer | undefined {
    if (this.singleActive) {
      let c: Consumer | undefined;
      if (!this.sacPriority) c = this.order[0];
      else {
        if (this.switchDue) this.promote();
        if (this.switchDue) return undefined; // quiescing: the active one still holds messages
        c = this.sacActive;
      }
      return c !== undefined && c.hasCapacity() ? c : undefined;
    }
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const members = group.members;
      const n = members.length;
      for (let k = 0; k < n; k++) {
        let i = group.cursor + k;
        if (i >= n) i -= n;
        const c = members[i]!;
        if (c.hasCapacity()) {
          group.cursor = i + 1 === n ? 0 : i + 1;
          return c;
        }
      }
    }
    return undefined;
  }

  /** True when some consumer could take a message right now (does not advance). */
  anyReady(): boolean {
    if (this.singleActive) {
      if (!this.sacPriority) return this.order[0]?.hasCapacity() ?? false;
      if (this.switchDue) this.promote();
      return !this.switchDue && (this.sacActive?.hasCapacity() ?? false);
    }
    for (const c of this.order) if (c.hasCapacity()) return true;
    return false;
  }

  /** Quorum SAC: hands over to the highest-priority waiting consumer once the active one is settled. */
  private promote(): void {
    if (this.sacActive !== undefined && this.sacActive.unacked > 0) return;
    this.sacActive = this.bestWaiting();
    this.switchDue = false;
  }

  /** The highest-priority consumer other than `sacActive` (the earliest registered among equals). */
  private bestWaiting(): Consumer | undefined {
    let best: Consumer | undefined;
    for (const c of this.order) {
      if (c !== this.sacActive && (best === undefined || c.priority > best.priority)) best = c;
    }
    return best;
  }

  private outranked(): boolean {
    const active = this.sacActive;
    if (active === undefined) return false;
    for (const c of this.order) if (c.priority > active.priority) return true;
    return false;
  }
}
