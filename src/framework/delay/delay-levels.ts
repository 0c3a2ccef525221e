/**
 * Delayed delivery on a RabbitMQ without the delayed-message plugin: binary delay levels of
 * TTL + dead-letter queues (the scheme NServiceBus uses), a fixed topology whatever the delays:
 *
 *   exchange warren.delay.<k> (topic), k = LEVELS-1 .. 0
 *     '*'×(LEVELS-1-k) '1.#'  → queue warren.delay.<k>  (x-message-ttl 2^k ms, dead-letters to
 *                                                       exchange warren.delay.<k-1>, or deliver)
 *     '*'×(LEVELS-1-k) '0.#'  → exchange warren.delay.<k-1> (or warren.delay.deliver)
 *   exchange warren.delay.deliver (topic): each target queue bound with '*'×LEVELS '.<queue>'
 *
 * A message is published to the top level with the routing key "<bit 31>.<bit 30>…<bit 0>.<queue>"
 * of its delay in ms; it waits 2^k ms in level k exactly for each bit k set and skips the
 * others, so it is delivered after the sum, i.e. its delay. Every message in a level queue has
 * the same TTL, so expiry order is arrival order: no message waits behind a longer one.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { QueueType } from '../options.js';

/** Delays up to 2^32 - 1 ms (~49.7 days), the delayed-message plugin's limit too. */
export const DELAY_LEVELS = 32;
export const MAX_DELAY_MS = 2 ** DELAY_LEVELS - 1;
/** Names start with a prefix ('warren' unless the app says otherwise). */
export function deliverExchange(prefix: string): string {
  return `${prefix}.delay.deliver`;
}

export function levelName(prefix: string, level: number): string {
  return `${prefix}.delay.${level}`;
}

/** Where a message leaving level `level` (or skipping it) goes next. */
function below(prefix: string, level: number): string {
  return level === 0 ? deliverExchange(prefix) : levelName(prefix, level - 1);
}

/** The exchange a delayed message is first published to. */
export function topLevelExchange(prefix: string): string {
  return levelName(prefix, DELAY_LEVELS - 1);
}

/** The routing key carrying `delayMs` (0 < delayMs <= MAX_DELAY_MS) to `queue`. */
export function delayRoutingKey(delayMs: number, queue: string): string {
  const bits: string[] = [];
  for (let k = DELAY_LEVELS - 1; k >= 0; k--) bits.push(Math.floor(delayMs / 2 ** k) % 2 === 1 ? '1' : '0');
  return `${bits.join('.')}.${queue}`;
}

/** The binding of a target queue on the deliver exchange. */
export function deliverBindingKey(queue: string): string {
  return `${'*.'.repeat(DELAY_LEVELS)}${queue}`;
}

export interface LevelTopology {
  exchanges: string[];
  queues: { name: string; arguments: FieldTable }[];
  queueBindings: { queue: string; exchange: string; routingKey: string }[];
  exchangeBindings: { destination: string; source: string; routingKey: string }[];
}

/**
 * Everything to declare, in order: exchanges, queues, then bindings. On a cluster the level
 * queues are quorum queues (replicated): a classic one is lost with its node, and with it
 * every delayed message (and schedule token) waiting in it.
 */
export function levelTopology(prefix: string, queueType: QueueType = 'classic'): LevelTopology {
  const t: LevelTopology = {
    exchanges: [deliverExchange(prefix)],
    queues: [],
    queueBindings: [],
    exchangeBindings: [],
  };
  for (let k = DELAY_LEVELS - 1; k >= 0; k--) {
    const name = levelName(prefix, k);
    const next = below(prefix, k);
    t.exchanges.push(name);
    const skip = '*.'.repeat(DELAY_LEVELS - 1 - k);
    const typeArgs: FieldTable = queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
    t.queues.push({
      name,
      arguments: { ...typeArgs, 'x-message-ttl': 2 ** k, 'x-dead-letter-exchange': next },
    });
    t.queueBindings.push({ queue: name, exchange: name, routingKey: `${skip}1.#` });
    t.exchangeBindings.push({ destination: next, source: name, routingKey: `${skip}0.#` });
  }
  return t;
}
