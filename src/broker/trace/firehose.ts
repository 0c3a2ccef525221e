/**
 * The firehose tracer, as RabbitMQ's rabbit_trace: while on for a vhost, every publish is
 * copied to the topic exchange `amq.rabbitmq.trace` with routing key `publish.<exchange>`
 * and every delivery (consumer or basic.get) with `deliver.<queue>`. The copy carries the
 * original body and RabbitMQ's trace headers: exchange_name, routing_keys, properties,
 * node, redelivered, vhost, connection, channel, user (and routed_queues for publishes).
 *
 * Turn it on with enableTracing(vhost, node) and off with disableTracing(vhost).
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { Message } from '../message.js';
import type { Queue } from '../queue/queue.js';
import { TRACE_EXCHANGE } from '../stats/vhost-monitor.js';
import type { TraceSink } from '../stats/vhost-monitor.js';
import type { Vhost } from '../vhost.js';

const PROPERTY_NAMES: ReadonlyArray<[keyof BasicProperties, string]> = [
  ['contentType', 'content_type'],
  ['contentEncoding', 'content_encoding'],
  ['headers', 'headers'],
  ['deliveryMode', 'delivery_mode'],
  ['priority', 'priority'],
  ['correlationId', 'correlation_id'],
  ['replyTo', 'reply_to'],
  ['expiration', 'expiration'],
  ['messageId', 'message_id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['userId', 'user_id'],
  ['appId', 'app_id'],
  ['clusterId', 'cluster_id'],
];

/** BasicProperties as the table RabbitMQ puts in the `properties` trace header. */
export function propertiesTable(p: BasicProperties): FieldTable {
  const out: FieldTable = {};
  for (const [key, name] of PROPERTY_NAMES) {
    const v = p[key];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function connectionField(connection: object, key: 'user' | 'name'): string {
  const v = (connection as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : '';
}

export class Firehose implements TraceSink {
  constructor(
    private readonly vhost: Vhost,
    private readonly node: string,
  ) {}

  published(
    channel: number,
    connection: object,
    exchange: string,
    routingKey: string,
    properties: BasicProperties,
    body: Buffer,
  ): void {
    const routed = this.routedQueues(exchange, routingKey, properties);
    const headers = this.headers(channel, connection, exchange, routingKey, properties, false);
    headers['routed_queues'] = routed;
    this.emit(`publish.${exchange}`, headers, body);
  }

  delivered(channel: number, connection: object, queue: string, message: Message): void {
    const headers = this.headers(
      channel,
      connection,
      message.exchange,
      message.routingKey,
      message.properties,
      message.redelivered,
    );
    this.emit(`deliver.${queue}`, headers, message.body);
  }

  private headers(
    channel: number,
    connection: object,
    exchange: string,
    routingKey: string,
    properties: BasicProperties,
    redelivered: boolean,
  ): FieldTable {
    return {
      exchange_name: exchange,
      routing_keys: [routingKey],
      properties: propertiesTable(properties),
      node: this.node,
      redelivered: redelivered ? 1 : 0,
      vhost: this.vhost.name,
      connection: connectionField(connection, 'name'),
      channel,
      user: connectionField(connection, 'user'),
    };
  }

  private routedQueues(exchange: string, routingKey: string, properties: BasicProperties): string[] {
    const x = this.vhost.exchanges.get(exchange);
    if (x === undefined) return [];
    const out = new Set<Queue>();
    this.vhost.router.route(x, routingKey, properties.headers, out);
    return [...out].map((q) => q.name);
  }

  private emit(routingKey: string, headers: FieldTable, body: Buffer): void {
    const x = this.vhost.exchanges.get(TRACE_EXCHANGE);
    if (x === undefined) return;
    const targets = new Set<Queue>();
    this.vhost.router.route(x, routingKey, undefined, targets);
    for (const q of targets) {
      q.enqueue(new Message(TRACE_EXCHANGE, routingKey, { headers }, body), -1, null, 0);
    }
  }
}

/** Turns the firehose on for `vhost`; `node` names this broker in the trace headers. */
export function enableTracing(vhost: Vhost, node: string): void {
  if (vhost.monitor.tracer === null) vhost.monitor.tracer = new Firehose(vhost, node);
}

export function disableTracing(vhost: Vhost): void {
  vhost.monitor.tracer = null;
}
