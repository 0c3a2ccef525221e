/**
 * The message record. One record exists per (message, queue): a publish routed to several
 * queues creates one record per extra queue by cloning, sharing the body, the properties
 * object and the interned exchange / routing-key strings, because per-queue state
 * (position, expiry, redelivered, delivery count) lives on the record itself. This keeps a
 * queued message to a single small object (the memory goal: ~100 bytes beyond the body).
 *
 * Invariants: `properties` and `body` are never mutated after publish (a change, such as
 * dead-lettering or an x-delivery-count header, builds a new properties object and clears
 * `contentHeader`). `contentHeader` is a cache owned by transports: the encoded content
 * header for `properties` and `body.length`, valid until properties change.
 */
import type { BasicProperties } from '../protocol/properties.js';

export const EMPTY_PROPERTIES: BasicProperties = Object.freeze({});

export class Message {
  exchange: string;
  routingKey: string;
  properties: BasicProperties;
  body: Buffer;
  /** Transport-owned cache of the encoded content header (see module comment). */
  contentHeader: Buffer | undefined = undefined;
  /** Position in its queue (monotonic per queue); requeue restores order by it. */
  seq = 0;
  /** Absolute expiry time in ms, or 0 for none. */
  expiresAt = 0;
  redelivered = false;
  /** Times returned to the queue by a consumer (quorum queues' x-delivery-count). */
  deliveryCount = 0;
  /**
   * Persistent message of a durable queue whose log write is not yet synced: it is not
   * delivered until it is (a write that fails nacks the publish and removes it instead).
   */
  unsynced = false;

  constructor(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer) {
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.properties = properties;
    this.body = body;
  }

  /** A fresh per-queue record for the same published message. */
  cloneForQueue(): Message {
    const copy = new Message(this.exchange, this.routingKey, this.properties, this.body);
    copy.contentHeader = this.contentHeader;
    return copy;
  }

  get persistent(): boolean {
    return this.properties.deliveryMode === 2;
  }

  /** Replaces the properties (dropping the transport's header cache). */
  setProperties(properties: BasicProperties): void {
    this.properties = properties;
    this.contentHeader = undefined;
  }
}
