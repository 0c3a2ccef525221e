/**
 * Messages in and out of the management API: the publish body's snake_case properties
 * into BasicProperties, and a basic.get result into RabbitMQ's JSON (payload as text when
 * it is valid UTF-8 and `encoding` is auto, base64 otherwise).
 */
import type { GetOk } from '../../broker/channel/channel.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { propertiesTable } from '../../broker/trace/firehose.js';
import { jsonToTable, tableToJson } from './field-json.js';
import { badRequest } from './http-util.js';

const STRING_PROPS: ReadonlyArray<[string, keyof BasicProperties]> = [
  ['content_type', 'contentType'],
  ['content_encoding', 'contentEncoding'],
  ['correlation_id', 'correlationId'],
  ['reply_to', 'replyTo'],
  ['expiration', 'expiration'],
  ['message_id', 'messageId'],
  ['type', 'type'],
  ['user_id', 'userId'],
  ['app_id', 'appId'],
  ['cluster_id', 'clusterId'],
];

export function propertiesFromJson(v: unknown): BasicProperties {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest('properties must be an object');
  const o = v as Record<string, unknown>;
  const p: Record<string, unknown> = {};
  for (const [json, key] of STRING_PROPS) if (typeof o[json] === 'string') p[key] = o[json];
  for (const key of ['delivery_mode', 'priority', 'timestamp'] as const) {
    if (typeof o[key] === 'number') p[key === 'delivery_mode' ? 'deliveryMode' : key] = o[key];
  }
  if (o['headers'] !== undefined) p['headers'] = jsonToTable(o['headers']);
  return p;
}

export function payloadFromJson(body: Record<string, unknown>): Buffer {
  const payload = body['payload'];
  if (typeof payload !== 'string') throw badRequest('payload must be a string');
  const encoding = body['payload_encoding'] ?? 'string';
  if (encoding === 'base64') return Buffer.from(payload, 'base64');
  if (encoding !== 'string') throw badRequest(`payload_encoding must be string or base64`);
  return Buffer.from(payload, 'utf8');
}

function isUtf8Text(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

export function getResultJson(
  r: GetOk,
  encoding: string,
  truncate: number | undefined,
): Record<string, unknown> {
  const body = truncate !== undefined ? r.message.body.subarray(0, truncate) : r.message.body;
  const asText = encoding === 'auto' && isUtf8Text(body);
  return {
    payload_bytes: r.message.body.length,
    redelivered: r.redelivered,
    exchange: r.exchange,
    routing_key: r.routingKey,
    message_count: r.messageCount,
    properties: tableToJson(propertiesTable(r.message.properties)),
    payload: asText ? body.toString('utf8') : body.toString('base64'),
    payload_encoding: asText ? 'string' : 'base64',
  };
}
