/**
 * Shape conversions between the Transport API and the engine's argument objects. No
 * encoding: bodies, property objects and header tables are passed by reference, so a
 * published body or headers table must not be mutated afterwards, and a received message's
 * body and properties are shared with other queues' copies (read-only).
 */
import { EMPTY_PROPERTIES } from '../../broker/index.js';
import type { BasicConsumeArgs, GetOk } from '../../broker/index.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type { BasicProperties } from '../../protocol/properties.js';
import type { ConsumeOptions, PublishProperties, TransportMessage } from '../transport.js';

/** PublishProperties → content properties: drops `mandatory`, maps `persistent` to deliveryMode. */
export function toBasicProperties(properties: PublishProperties | undefined): BasicProperties {
  if (properties === undefined) return EMPTY_PROPERTIES;
  const { persistent, mandatory: _mandatory, ...rest } = properties;
  const out: BasicProperties = rest;
  if (persistent !== undefined) out.deliveryMode = persistent ? 2 : 1;
  return out;
}

export function toConsumeArgs(queue: string, options: ConsumeOptions): BasicConsumeArgs {
  let args: FieldTable | undefined = options.arguments;
  if (options.priority !== undefined) args = { ...args, 'x-priority': options.priority };
  return {
    queue,
    consumerTag: options.consumerTag ?? '',
    noAck: options.noAck ?? false,
    exclusive: options.exclusive ?? false,
    arguments: args ?? {},
  };
}

export function deliveryMessage(
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  body: Buffer,
  properties: BasicProperties,
): TransportMessage {
  return { body, properties, fields: { deliveryTag, redelivered, exchange, routingKey, consumerTag } };
}

export function getMessage(ok: GetOk): TransportMessage {
  return {
    body: ok.message.body,
    properties: ok.message.properties,
    fields: {
      deliveryTag: ok.deliveryTag,
      redelivered: ok.redelivered,
      exchange: ok.exchange,
      routingKey: ok.routingKey,
      messageCount: ok.messageCount,
    },
  };
}
