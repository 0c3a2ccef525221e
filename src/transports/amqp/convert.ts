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

/**
 * The publish hot path's version of toPublishOptions: our properties as they are. amqplib's
 * Args.publish reads the same names, maps `persistent` to deliveryMode (persistent first, as
 * toPublishOptions does), reads `mandatory` as a boolean and skips undefined values, so the
 * copy toPublishOptions makes is not needed to put the same frame on the wire.
 */
export function asPublishOptions(props: PublishProperties | undefined): Options.Publish | undefined {
  return props;
}

type PropertyKey =
  | 'contentType'
  | 'contentEncoding'
  | 'headers'
  | 'deliveryMode'
  | 'priority'
  | 'correlationId'
  | 'replyTo'
  | 'expiration'
  | 'messageId'
  | 'timestamp'
  | 'type'
  | 'userId'
  | 'appId'
  | 'clusterId';

/**
 * amqplib's properties (every key present, many undefined) → ours (only keys with values).
 * Unrolled rather than looped over a key list: this runs once per delivery, and fixed-name
 * reads on amqplib's fixed-shape object stay monomorphic.
 */
export function toBasicProperties(props: MessageProperties): BasicProperties {
  const p = props as unknown as Record<PropertyKey, unknown>;
  const out: Record<string, unknown> = {};
  if (p.contentType != null) out['contentType'] = p.contentType;
  if (p.contentEncoding != null) out['contentEncoding'] = p.contentEncoding;
  if (p.headers != null) out['headers'] = p.headers;
  if (p.deliveryMode != null) out['deliveryMode'] = p.deliveryMode;
  if (p.priority != null) out['priority'] = p.priority;
  if (p.correlationId != null) out['correlationId'] = p.correlationId;
  if (p.replyTo != null) out['replyTo'] = p.replyTo;
  if (p.expiration != null) out['expiration'] = p.expiration;
  if (p.messageId != null) out['messageId'] = p.messageId;
  if (p.timestamp != null) out['timestamp'] = p.timestamp;
  if (p.type != null) out['type'] = p.type;
  if (p.userId != null) out['userId'] = p.userId;
  if (p.appId != null) out['appId'] = p.appId;
  if (p.clusterId != null) out['clusterId'] = p.clusterId;
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

/**
 * The amqplib Message ack/nack need. They read only `fields.deliveryTag`, which a
 * TransportMessage has under the same name, so the message itself serves (no allocation per ack).
 */
export function toAmqplibRef(message: TransportMessage): Message {
  return message as unknown as Message;
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
