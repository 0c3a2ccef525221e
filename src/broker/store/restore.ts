/**
 * Start-up: re-declares the saved definitions on a fresh Broker, then hands every durable
 * queue its logged messages (read back in batches, in seq order; delivered ones come back
 * with redelivered set), keeping what exceeds its paging threshold on disk.
 */
import { declareQueue } from '../channel/declarations.js';
import type { DelayedHold } from '../delayed/delayed-hold.js';
import type { Message } from '../message.js';
import { Method } from '../methods.js';
import { MESSAGE_OVERHEAD } from '../queue/paged-tail.js';
import type { FileStore } from './file-store.js';
import { F_DEAD } from './queue-index.js';
import type { QueueIndex } from './queue-index.js';
import type { Vhost } from '../vhost.js';

/** What restoring needs of the Broker (kept structural: the Broker imports this module). */
export interface Broker {
  addVhost(name: string): Vhost;
  deleteVhost(name: string): boolean;
  vhost(name: string): Vhost | undefined;
  vhostNames(): string[];
}

/** Re-declares saved vhosts, policies (first, so queues start under theirs), exchanges, queues and bindings. */
export function restoreDefinitions(broker: Broker, store: FileStore): void {
  const defs = store.definitions;
  if (defs.vhosts.size > 0 && !defs.vhosts.has('/')) broker.deleteVhost('/');
  for (const name of defs.vhosts) broker.addVhost(name);
  for (const p of [...defs.policies.values()]) broker.vhost(p.vhost)?.setPolicy(p);
  const owner = {};
  for (const q of [...defs.queues.values()]) {
    const v = broker.vhost(q.vhost);
    if (v === undefined) continue;
    declareQueue(v, owner, q.name, { durable: true, autoDelete: q.autoDelete, arguments: q.arguments });
  }
  for (const x of [...defs.exchanges.values()]) {
    const v = broker.vhost(x.vhost);
    if (v === undefined || v.exchanges.has(x.name)) continue;
    v.declareExchange(x.name, { ...x, passive: false });
  }
  for (const b of [...defs.bindings.values()]) {
    const v = broker.vhost(b.vhost);
    const source = v?.exchanges.get(b.source);
    const dest =
      b.destinationType === 'queue' ? v?.queues.get(b.destination) : v?.exchanges.get(b.destination);
    if (v === undefined || source === undefined || dest === undefined) continue;
    v.bind(source, dest, b.routingKey, b.arguments, Method.queueBind);
  }
}

/**
 * Loads the live logged messages of every durable queue: up to the queue's restore budget
 * (its paging threshold) into memory, read in batches of a few MiB; the rest stays on disk
 * as the queue's paged tail (only the index is in memory).
 */
export function restoreMessages(broker: Broker, store: FileStore): void {
  const known = new Set<string>();
  for (const name of broker.vhostNames())
    for (const q of broker.vhost(name)!.queues.values()) if (q.durable) known.add(q.storeKey);
  for (const hold of delayedHolds(broker)) known.add(hold.storeKey);
  store.adoptQueues(known);
  for (const hold of delayedHolds(broker)) restoreHold(hold, store);
  for (const name of broker.vhostNames()) {
    for (const q of broker.vhost(name)!.queues.values()) {
      const idx = store.indexes.get(q.storeKey);
      if (idx === undefined) continue;
      const messages: Message[] = [];
      let cost = 0;
      let from = 0;
      while (cost < q.restoreBudget) {
        const batch = store.readPagedSync(
          q.storeKey,
          from,
          Math.min(4 * 1024 * 1024, q.restoreBudget - cost),
        );
        if (batch.length === 0) break;
        for (const m of batch) {
          messages.push(m);
          cost += m.body.length + MESSAGE_OVERHEAD;
        }
        from = batch[batch.length - 1]!.seq + 1;
      }
      q.restore(messages, idx.maxSeq, pagedRest(idx, from));
    }
  }
}

/** The holds of durable delayed-message exchanges (their messages are logged). */
function delayedHolds(broker: Broker): DelayedHold[] {
  const out: DelayedHold[] = [];
  for (const name of broker.vhostNames())
    for (const [x, hold] of broker.vhost(name)!.delayed) if (x.durable) out.push(hold);
  return out;
}

/** Reads back every message a delayed exchange held (all kept in memory: the hold is a heap). */
function restoreHold(hold: DelayedHold, store: FileStore): void {
  const idx = store.indexes.get(hold.storeKey);
  if (idx === undefined) return;
  const messages: Message[] = [];
  for (let from = 0; ;) {
    const batch = store.readPagedSync(hold.storeKey, from, 4 * 1024 * 1024);
    if (batch.length === 0) break;
    for (const m of batch) messages.push(m);
    from = batch[batch.length - 1]!.seq + 1;
  }
  hold.restore(messages, idx.maxSeq);
}

/** Live entries from `from` on (what stays paged). */
function pagedRest(idx: QueueIndex, from: number): { count: number; bytes: number; fromSeq: number } {
  let count = 0;
  let bytes = 0;
  let fromSeq = 0;
  for (let i = idx.lowerBound(from); i < idx.tail; i++) {
    if ((idx.flags[i]! & F_DEAD) !== 0) continue;
    if (count === 0) fromSeq = idx.seqs[i]!;
    count++;
    bytes += idx.lens[i]!;
  }
  return { count, bytes, fromSeq };
}
