/**
 * The boot step of a persistent broker, run by Broker.open once its vhosts exist: the saved
 * definitions are re-declared in them, then every durable queue (and durable delayed
 * exchange) gets its logged messages back, read in batches in seq order (delivered ones
 * come back with redelivered set), keeping what exceeds the queue's paging threshold on
 * disk. What it needs of the two stores is passed in as the interfaces below.
 */
import type { BindingDefinition, ExchangeDefinition, QueueDefinition } from './definitions.js';
import type { DelayedHold } from './delayed/delayed-hold.js';
import type { Message } from './message.js';
import type { Policy } from './policies.js';
import { Method } from './methods.js';
import { MESSAGE_OVERHEAD } from './queue/paged-tail.js';
import { Queue } from './queue/queue.js';
import type { Vhost } from './vhost.js';

/** The saved definitions (definitions-file.ts DefinitionsFile). */
export interface SavedDefinitions {
  readonly exchanges: ReadonlyMap<string, ExchangeDefinition>;
  readonly queues: ReadonlyMap<string, QueueDefinition>;
  readonly bindings: ReadonlyMap<string, BindingDefinition>;
  readonly policies: ReadonlyMap<string, Policy>;
}

/** The logged messages (file-store.ts FileStore). */
export interface LoggedMessages {
  /** The queues that exist after the definitions were restored; the log forgets the others. */
  adoptQueues(known: ReadonlySet<string>): void;
  /** The highest seq ever logged for a queue (0: none). */
  maxSeq(queueKey: string): number;
  /** Live logged messages from `fromSeq` on: count, record bytes, first seq. */
  tailFrom(queueKey: string, fromSeq: number): { count: number; bytes: number; fromSeq: number };
  readPagedSync(queueKey: string, fromSeq: number, maxBytes: number): Message[];
}

/** Bytes of records read per batch. */
const READ_BATCH = 4 * 1024 * 1024;

/**
 * Re-declares the saved policies (first, so queues start under theirs), exchanges, queues and
 * bindings of `vhosts`, then restores messages.
 */
export function restore(vhosts: readonly Vhost[], saved: SavedDefinitions, log: LoggedMessages): void {
  const byName = new Map(vhosts.map((v) => [v.name, v]));
  restoreDefinitions(byName, saved);
  restoreMessages(vhosts, log);
}

function restoreDefinitions(vhosts: ReadonlyMap<string, Vhost>, saved: SavedDefinitions): void {
  for (const p of [...saved.policies.values()]) vhosts.get(p.vhost)?.setPolicy(p);
  for (const q of [...saved.queues.values()]) {
    const v = vhosts.get(q.vhost);
    if (v === undefined || v.queues.has(q.name)) continue;
    const queue = Queue.declared(v, {
      name: q.name,
      durable: true,
      exclusiveOwner: null,
      autoDelete: q.autoDelete,
      arguments: q.arguments,
    });
    // Policies were restored first: the queue starts under its own, as when it was declared.
    const policy = v.queuePolicy(q.name, queue.isQuorum);
    if (policy !== undefined) queue.applyPolicy(policy);
    v.addQueue(queue);
  }
  for (const x of [...saved.exchanges.values()]) {
    const v = vhosts.get(x.vhost);
    if (v === undefined || v.exchanges.has(x.name)) continue;
    v.declareExchange(x.name, { ...x, passive: false });
  }
  for (const b of [...saved.bindings.values()]) {
    const v = vhosts.get(b.vhost);
    const source = v?.exchanges.get(b.source);
    const dest =
      b.destinationType === 'queue' ? v?.queues.get(b.destination) : v?.exchanges.get(b.destination);
    if (v === undefined || source === undefined || dest === undefined) continue;
    v.bind(source, dest, b.routingKey, b.arguments, Method.queueBind);
  }
}

/**
 * Loads the live logged messages of every durable queue: up to the queue's restore budget
 * (its paging threshold) into memory; the rest stays on disk as the queue's paged tail
 * (only the index is in memory).
 */
function restoreMessages(vhosts: readonly Vhost[], log: LoggedMessages): void {
  const queues = vhosts.flatMap((v) => [...v.queues.values()].filter((q) => q.durable));
  const holds = vhosts.flatMap((v) => [...v.delayed].filter(([x]) => x.durable).map(([, hold]) => hold));
  log.adoptQueues(new Set([...queues.map((q) => q.storeKey), ...holds.map((h) => h.storeKey)]));
  for (const hold of holds) restoreHold(hold, log);
  for (const q of queues) {
    const maxSeq = log.maxSeq(q.storeKey);
    if (maxSeq === 0) continue;
    const { messages, next } = readUpTo(log, q.storeKey, q.restoreBudget);
    q.restore(messages, maxSeq, log.tailFrom(q.storeKey, next));
  }
}

/** Every message a delayed exchange held (all in memory: the hold is a heap). */
function restoreHold(hold: DelayedHold, log: LoggedMessages): void {
  const maxSeq = log.maxSeq(hold.storeKey);
  if (maxSeq !== 0) hold.restore(readUpTo(log, hold.storeKey, Infinity).messages, maxSeq);
}

/** Reads a queue's logged messages in seq order until `budget` bytes (bodies + overhead) are in memory. */
function readUpTo(log: LoggedMessages, key: string, budget: number): { messages: Message[]; next: number } {
  const messages: Message[] = [];
  let cost = 0;
  let next = 0;
  while (cost < budget) {
    const batch = log.readPagedSync(key, next, Math.min(READ_BATCH, budget - cost));
    if (batch.length === 0) break;
    for (const m of batch) {
      messages.push(m);
      cost += m.body.length + MESSAGE_OVERHEAD;
    }
    next = batch[batch.length - 1]!.seq + 1;
  }
  return { messages, next };
}
