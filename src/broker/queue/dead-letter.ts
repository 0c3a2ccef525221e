/**
 * Dead-letter message rewriting, as RabbitMQ 3.13+ writes it: an `x-death` array of tables
 * (most recent death first), one entry per (queue, reason) with a count that increments
 * when the same message dies the same way in the same queue again; `x-first-death-*` set
 * on the first death only, `x-last-death-*` on every death. A per-message `expiration` is
 * removed from the properties and kept as `original-expiration`, so the copy does not expire
 * again on its own TTL in the dead-letter queue.
 */
import type { FieldTable, FieldValue } from '../../protocol/field-value.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { Message } from '../message.js';

export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

/** Routing keys a message was published with: its routing key plus CC (BCC is never kept). */
export function publishedRoutingKeys(message: Message): string[] {
  const keys = [message.routingKey];
  const cc = message.properties.headers?.['CC'];
  if (Array.isArray(cc)) for (const k of cc) if (typeof k === 'string') keys.push(k);
  return keys;
}

function isTable(v: FieldValue): v is FieldTable {
  return (
    v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date)
  );
}

/** The message as it leaves `queue` dead (a new record; the original is untouched). */
export function deadLetteredCopy(message: Message, queue: string, reason: DeathReason, now: number): Message {
  const props = message.properties;
  const headers: FieldTable = { ...(props.headers ?? {}) };
  const deaths = (Array.isArray(headers['x-death']) ? headers['x-death'] : []).filter(isTable);
  const i = deaths.findIndex((d) => d['queue'] === queue && d['reason'] === reason);
  let entry: FieldTable;
  if (i >= 0) {
    const old = deaths[i]!;
    deaths.splice(i, 1);
    entry = { ...old, count: Number(old['count'] ?? 0) + 1 };
  } else {
    entry = {
      count: 1,
      reason,
      queue,
      time: new Date(Math.floor(now / 1000) * 1000),
      exchange: message.exchange,
      'routing-keys': publishedRoutingKeys(message),
    };
    if (props.expiration !== undefined) entry['original-expiration'] = props.expiration;
  }
  headers['x-death'] = [entry, ...deaths];
  if (!Object.hasOwn(headers, 'x-first-death-reason')) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
  }
  headers['x-last-death-reason'] = reason;
  headers['x-last-death-queue'] = queue;
  headers['x-last-death-exchange'] = message.exchange;
  const next: BasicProperties = { ...props, headers };
  delete next.expiration;
  return new Message(message.exchange, message.routingKey, next, message.body);
}

/**
 * RabbitMQ's cycle rule: a dead-lettered message is not delivered back to a queue it
 * already died in unless a consumer rejected it somewhere along the way.
 */
export function isDeathCycle(message: Message, queue: string): boolean {
  const deaths = message.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return false;
  let seen = false;
  for (const d of deaths) {
    if (!isTable(d)) continue;
    if (d['reason'] === 'rejected') return false;
    if (d['queue'] === queue) seen = true;
  }
  return seen;
}
