/**
 * Settling deliveries (basic.ack / nack / reject / recover, tx.commit): the per-delivery
 * steps the channel's settle() composes. A settlement is applied to the queue the delivery
 * came from — ack forgets the message, requeue puts it back at its position, discard
 * dead-letters it — and the consumer's queue is woken since a prefetch slot opened.
 *
 * Invariants: a delivery tag names a live entry of the unacked log or the ack is a 406
 * (`multiple` with tag 0 means "everything"); entries leave the log in tag order.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { MethodRef } from '../../protocol/errors.js';
import type { Message } from '../message.js';
import type { Consumer, QueueHandle } from '../queue/consumer.js';
import type { UnackedEntry, UnackedLog } from './unacked-log.js';

export type Settlement = 'ack' | 'requeue' | 'discard';

/** The highest tag an ack/nack/reject settles; throws 406 for an unknown single tag. */
export function settledUpTo(log: UnackedLog, tag: number, multiple: boolean, method: MethodRef): number {
  if (multiple && tag === 0) return Number.MAX_SAFE_INTEGER;
  if (log.indexOf(tag) < 0) throw preconditionFailed(`unknown delivery tag ${tag}`, method);
  return tag;
}

/** Takes the entries an ack/nack/reject in a transaction settles (they wait for tx.commit). */
export function takeSettled(log: UnackedLog, tag: number, multiple: boolean): UnackedEntry[] {
  const entries: UnackedEntry[] = [];
  if (!multiple) entries.push(log.take(log.indexOf(tag)));
  else while (log.slots > 0 && log.tagAt(0) <= tag) entries.push(log.take(0));
  return entries;
}

/** Applies `how` to a delivery's queue and lets its consumer's queue dispatch again. */
export function applySettlement(how: Settlement, m: Message, q: QueueHandle, c: Consumer | null): void {
  if (how === 'ack') q.ack(m);
  else if (how === 'requeue') q.requeue(m, true);
  else q.discard(m);
  if (c !== null) c.queue.wake();
}
