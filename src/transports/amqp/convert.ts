/**
 * Translation between amqplib's shapes and the Transport interface's: publish options,
 * received messages and errors. Kept apart from the channel adapter so each mapping is one
 * small pure function.
 */
import type { Message, MessageProperties, Options } from 'amqplib';
import { amqpError } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { TransportClosedError } from '../errors.js';
import type { PublishProperties, TransportMessage } from '../transport.js';

/** Our publish properties → amqplib's publish options. */
export function toPublishOptions(props: PublishProperties | undefined): Options.Publish {
  if (!props) return {};
  const { persistent, mandatory, ...rest } = props;
  const out: Options.Publish = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  if (persistent !== undefined) out.deliveryMode = persistent ? 2 : 1;
  if (mandatory) out.mandatory = true;
  return out;
}

const PROPERTY_KEYS = [
  'contentType',
  'contentEncoding',
  'headers',
  'deliveryMode',
  'priority',
  'correlationId',
  'replyTo',
  'expiration',
  'messageId',
  'timestamp',
  'type',
  'userId',
  'appId',
  'clusterId',
] as const;

/** amqplib's properties (every key present, many undefined) → ours (only keys with values). */
export function toBasicProperties(props: MessageProperties): BasicProperties {
  const out: Record<string, unknown> = {};
  const raw = props as unknown as Record<string, unknown>;
  for (const key of PROPERTY_KEYS) {
    const value = raw[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** A string field of an amqplib frame ('' when absent). */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** An amqplib delivery (or get-ok) → a TransportMessage. */
export function toTransportMessage(msg: Message): TransportMessage {
  const f = msg.fields as unknown as Record<string, unknown>;
  const fields: TransportMessage['fields'] = {
    deliveryTag: Number(f['deliveryTag']),
    redelivered: f['redelivered'] === true,
    exchange: str(f['exchange']),
    routingKey: str(f['routingKey']),
  };
  if (typeof f['consumerTag'] === 'string') fields.consumerTag = f['consumerTag'];
  if (typeof f['messageCount'] === 'number') fields.messageCount = f['messageCount'];
  return { body: msg.content, properties: toBasicProperties(msg.properties), fields };
}

/** The minimal amqplib Message ack/nack need (they read only fields.deliveryTag). */
export function toAmqplibRef(message: TransportMessage): Message {
  return { fields: { deliveryTag: message.fields.deliveryTag } } as unknown as Message;
}

/**
 * Maps an amqplib error to ours: a close with a reply code becomes ChannelError or
 * ConnectionError (by the code's class), anything about a closed channel TransportClosedError.
 */
export function mapAmqpError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const e = err as Error & { code?: unknown; classId?: unknown; methodId?: unknown };
  if (typeof e.code === 'number' && e.code >= 300) {
    const method = {
      classId: typeof e.classId === 'number' ? e.classId : 0,
      methodId: typeof e.methodId === 'number' ? e.methodId : 0,
    };
    return amqpError(e.code, stripPrefix(e.message), method);
  }
  if (isClosedError(e)) return new TransportClosedError(e.message, { cause: e });
  return e;
}

function isClosedError(e: Error): boolean {
  return (
    e.name === 'IllegalOperationError' ||
    /channel (closed|ended|closing)|connection (closed|closing)/i.test(e.message)
  );
}

/** amqplib prefixes server texts ("Channel closed by server: 404 (NOT-FOUND) with message \"…\""). */
function stripPrefix(message: string): string {
  const m = /with message "(.*)"$/s.exec(message);
  return m?.[1] ?? message;
}
