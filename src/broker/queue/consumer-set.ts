/**
 * A queue's consumers and the choice of who gets the next message: highest x-priority
 * first among those with capacity, round-robin within a priority, and for
 * single-active-consumer queues only the active one (the earliest registered).
 *
 * Invariants: `groups` is sorted by descending priority; each group's `cursor` indexes the
 * member to try first; a consumer appears in exactly one group.
 */
import type { Consumer } from './consumer.js';

interface Group {
  priority: number;
  members: Consumer[];
  cursor: number;
}

export class ConsumerSet {
  private groups: Group[] = [];
  /** Registration order (single-active-consumer takes over in this order). */
  private readonly order: Consumer[] = [];
  count = 0;
  exclusive: Consumer | undefined;

  constructor(readonly singleActive: boolean) {}

  get active(): Consumer | undefined {
    return this.singleActive ? this.order[0] : undefined;
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
    return true;
  }

  all(): readonly Consumer[] {
    return this.order;
  }

  /** The next consumer to deliver to, advancing round-robin; undefined when none can take one. */
  pick(): Consumer | undefined {
    if (this.singleActive) {
      const c = this.order[0];
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
    if (this.singleActive) return this.order[0]?.hasCapacity() ?? false;
    for (const c of this.order) if (c.hasCapacity()) return true;
    return false;
  }
}
