/**
 * The JSON shapes of the management API, following RabbitMQ's where they overlap: queues
 * (messages, messages_ready, messages_unacknowledged, consumers, message_stats with
 * publish / deliver_get / ack counts and rates), exchanges, bindings (including the default
 * exchange's implicit ones), vhosts. Pure functions of the engine state and the sampler.
 * The definitions export shares the exchange shape (exchangeDefinition).
 */
import { createHash } from 'node:crypto';
import type { Broker } from '../../broker/broker.js';
import type { Exchange } from '../../broker/exchange/exchange-record.js';
import type { Queue } from '../../broker/queue/queue.js';
import { MessageCounters } from '../../broker/stats/message-counters.js';
import type { Vhost } from '../../broker/vhost.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { tableToJson } from './field-json.js';
import type { Counters, RateSampler } from './rates.js';

export const queueKey = (vhost: string, name: string): string => `q\u0000${vhost}\u0000${name}`;
export const vhostKey = (vhost: string): string => `v\u0000${vhost}`;
export const OVERVIEW_KEY = 'overview';

/** Queue depths, as the sampler records them (RabbitMQ's `lengths`). */
export const LENGTH_FIELDS = ['messages', 'messages_ready', 'messages_unacknowledged'] as const;
/** Message counters, as the sampler records them (RabbitMQ's `msg_rates`). */
export const RATE_FIELDS = [
  'publish',
  'deliver',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'deliver_get',
  'redeliver',
  'ack',
] as const;
/** The fields kept in chart history. */
export const HISTORY_FIELDS: readonly string[] = [...LENGTH_FIELDS, ...RATE_FIELDS];

export function statCounters(c: MessageCounters): Counters {
  return {
    publish: c.publish,
    deliver: c.deliver,
    deliver_no_ack: c.deliverNoAck,
    get: c.get,
    get_no_ack: c.getNoAck,
    deliver_get: c.deliverGet,
    redeliver: c.redeliver,
    ack: c.ack,
  };
}

export function queueDepth(q: Queue): Counters {
  return {
    messages: q.messageCount + q.unackedCount,
    messages_ready: q.messageCount,
    messages_unacknowledged: q.unackedCount,
  };
}

/** Totals over a vhost's queues, with its publishes counted at the channels. */
export function vhostCounters(v: Vhost): { stats: MessageCounters; depth: Counters } {
  const stats = new MessageCounters();
  const depth: Counters = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
  for (const q of v.queues.values()) {
    stats.add(q.stats);
    const d = queueDepth(q);
    for (const k of Object.keys(depth)) depth[k] = (depth[k] ?? 0) + (d[k] ?? 0);
  }
  stats.publish = v.monitor.counters.publish;
  return { stats, depth };
}

/**
 * Everything the sampler records, keyed for RateSampler.rate(), one key at a time: each queue,
 * then its vhost's totals (summed on the way), then the broker's. A generator, so a sweep can
 * stop between any two queues and resume on a later event-loop turn.
 */
export function* counterEntries(broker: Broker): Generator<[string, Counters]> {
  const total: Counters = {};
  for (const name of broker.vhostNames()) {
    const v = broker.vhost(name);
    if (v === undefined) continue;
    const stats = new MessageCounters();
    const depth: Counters = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
    for (const q of v.queues.values()) {
      const d = queueDepth(q);
      yield [queueKey(name, q.name), { ...statCounters(q.stats), ...d }];
      stats.add(q.stats);
      for (const k of Object.keys(depth)) depth[k] = (depth[k] ?? 0) + (d[k] ?? 0);
    }
    stats.publish = v.monitor.counters.publish;
    const values = { ...statCounters(stats), ...depth };
    yield [vhostKey(name), values];
    for (const [k, x] of Object.entries(values)) total[k] = (total[k] ?? 0) + x;
  }
  yield [OVERVIEW_KEY, total];
}

/** Every key's counters at once. */
export function collectCounters(broker: Broker): Map<string, Counters> {
  return new Map(counterEntries(broker));
}

export function queueView(v: Vhost, q: Queue, sampler: RateSampler): Record<string, unknown> {
  const key = queueKey(v.name, q.name);
  const active = q.consumers.active;
  return {
    name: q.name,
    vhost: v.name,
    type: q.isQuorum ? 'quorum' : 'classic',
    durable: q.durable,
    auto_delete: q.autoDelete,
    exclusive: q.exclusiveOwner !== null,
    arguments: tableToJson(q.arguments),
    state: 'running',
    consumers: q.consumerCount,
    message_bytes: q.messageBytes,
    message_bytes_ready: q.messageBytes,
    ...sampler.details(key, queueDepth(q)),
    message_stats: sampler.details(key, statCounters(q.stats)),
    single_active_consumer_tag: active?.tag ?? null,
    exclusive_consumer_tag: q.consumers.exclusive?.tag ?? null,
    policy: q.policy?.name ?? null,
    operator_policy: null,
    effective_policy_definition: q.policy?.definition ?? {},
  };
}

/** An exchange as declared: its entry in the definitions export, and the start of its view. */
export function exchangeDefinition(v: Vhost, x: Exchange): Record<string, unknown> {
  return {
    name: x.name,
    vhost: v.name,
    type: x.type,
    durable: x.durable,
    auto_delete: x.autoDelete,
    internal: x.internal,
    arguments: tableToJson(x.arguments),
  };
}

export function exchangeView(v: Vhost, x: Exchange): Record<string, unknown> {
  return {
    ...exchangeDefinition(v, x),
    bindings: x.router?.size ?? v.queues.size,
    policy: x.policy?.name ?? null,
  };
}

/** RabbitMQ's properties_key: the routing key ("~" when empty), plus a hash of any arguments. */
export function propertiesKey(routingKey: string, args: FieldTable): string {
  if (Object.keys(args).length === 0) return routingKey === '' ? '~' : routingKey;
  const hash = createHash('sha1')
    .update(JSON.stringify(tableToJson(args)))
    .digest('base64url')
    .slice(0, 22);
  return `${routingKey}~${hash}`;
}

export interface BindingView {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Record<string, unknown>;
  properties_key: string;
}

/** Every binding of a vhost: the default exchange's implicit ones first, as RabbitMQ. */
export function bindingsOf(v: Vhost): BindingView[] {
  const out: BindingView[] = [];
  for (const q of v.queues.values()) {
    out.push({
      source: '',
      vhost: v.name,
      destination: q.name,
      destination_type: 'queue',
      routing_key: q.name,
      arguments: {},
      properties_key: q.name,
    });
  }
  for (const x of v.exchanges.values()) {
    if (x.router === null) continue;
    for (const b of x.router.bindings()) {
      const isQueue = v.queues.get(b.destination.name) === b.destination;
      out.push({
        source: x.name,
        vhost: v.name,
        destination: b.destination.name,
        destination_type: isQueue ? 'queue' : 'exchange',
        routing_key: b.routingKey,
        arguments: tableToJson(b.arguments),
        properties_key: propertiesKey(b.routingKey, b.arguments),
      });
    }
  }
  return out;
}

export function vhostView(v: Vhost, sampler: RateSampler): Record<string, unknown> {
  const key = vhostKey(v.name);
  const { stats, depth } = vhostCounters(v);
  return {
    name: v.name,
    description: '',
    tags: [],
    metadata: { description: '', tags: [] },
    default_queue_type: 'classic',
    tracing: v.monitor.tracing,
    ...sampler.details(key, depth),
    message_stats: sampler.details(key, statCounters(stats)),
  };
}
