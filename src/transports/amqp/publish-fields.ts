/**
 * amqplib's basic.publish fields and properties built without Args.publish.
 *
 * Args.publish copies the headers as `Object.create(options.headers)` (so it can add CC/BCC
 * without touching the caller's table), and the table encoder then walks that copy with
 * for-in: over a prototype chain V8 leaves its fast path, ≈ 3 µs per publish for a two-entry
 * table against ≈ 0.6 µs for the table itself (an empty table still ≈ 1.1 µs). Every
 * framework message carries headers (traceparent, the RPC deadline), so this was the largest
 * single cost the framework added to an amqplib publish (bench/lib/framework-amqp-count.ts).
 *
 * `publishFields` returns the object Args.publish would (same keys, same values; it never
 * sends CC/BCC, which PublishProperties does not have) with the caller's headers table itself,
 * which the encoder only reads. `directPublisher` hands it to the channel's sendMessage (and,
 * on a confirm channel, registers the confirm callback as ConfirmChannel.publish does). These
 * are not public API: when the channel does not have them (another amqplib version), it
 * returns undefined and the adapter calls `publish` as before.
 */
import type { Channel, ConfirmChannel, Options } from 'amqplib';
import type { FieldTable } from '../../protocol/field-value.js';

/** What the encoder reads: basic.publish's fields and the basic properties, in one object. */
export interface PublishFields {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  immediate: false;
  ticket: undefined;
  contentType: unknown;
  contentEncoding: unknown;
  headers: FieldTable;
  deliveryMode: number | undefined;
  priority: unknown;
  correlationId: unknown;
  replyTo: unknown;
  expiration: string | undefined;
  messageId: unknown;
  timestamp: unknown;
  type: unknown;
  userId: unknown;
  appId: unknown;
  clusterId: undefined;
}

/** Shared by every publish without headers: the encoder only reads it. */
const NO_HEADERS: FieldTable = Object.freeze({});

type AmqplibPublishOptions = Omit<Options.Publish, 'headers'> & { headers?: FieldTable | undefined };

/** Args.publish's result for `options`, without the prototype-chained headers copy. */
export function publishFields(
  exchange: string,
  routingKey: string,
  options: AmqplibPublishOptions | undefined,
): PublishFields {
  const o: AmqplibPublishOptions = options ?? {};
  let deliveryMode: number | undefined;
  if (o.persistent !== undefined) deliveryMode = o.persistent ? 2 : 1;
  else if (typeof o.deliveryMode === 'number') deliveryMode = o.deliveryMode;
  else if (o.deliveryMode) deliveryMode = 2;
  const expiration = o.expiration === undefined ? undefined : String(o.expiration);
  return {
    exchange,
    routingKey,
    mandatory: !!o.mandatory,
    immediate: false,
    ticket: undefined,
    contentType: o.contentType,
    contentEncoding: o.contentEncoding,
    headers: o.headers ?? NO_HEADERS,
    deliveryMode,
    priority: o.priority,
    correlationId: o.correlationId,
    replyTo: o.replyTo,
    expiration,
    messageId: o.messageId,
    timestamp: o.timestamp,
    type: o.type,
    userId: o.userId,
    appId: o.appId,
    clusterId: undefined,
  };
}

/** amqplib's internals that Channel/ConfirmChannel.publish use. */
interface ChannelInternals {
  sendMessage(fields: PublishFields, properties: PublishFields, content: Buffer): boolean;
  pushConfirmCallback(cb: ((err: unknown) => void) | undefined): void;
}

/** Publishes like `ch.publish` (same frames, same return value), or undefined when unavailable. */
export type DirectPublish = (
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: AmqplibPublishOptions | undefined,
  onConfirm: ((err: unknown) => void) | undefined,
) => boolean;

export function directPublisher(ch: Channel | ConfirmChannel, confirms: boolean): DirectPublish | undefined {
  const internals = ch as unknown as Partial<ChannelInternals>;
  if (typeof internals.sendMessage !== 'function') return undefined;
  if (confirms && typeof internals.pushConfirmCallback !== 'function') return undefined;
  const c = internals as ChannelInternals;
  if (!confirms) {
    return (exchange, routingKey, content, options) => {
      const fields = publishFields(exchange, routingKey, options);
      return c.sendMessage(fields, fields, content);
    };
  }
  return (exchange, routingKey, content, options, onConfirm) => {
    const fields = publishFields(exchange, routingKey, options);
    const ok = c.sendMessage(fields, fields, content);
    c.pushConfirmCallback(onConfirm);
    return ok;
  };
}
