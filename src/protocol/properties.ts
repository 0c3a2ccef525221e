/**
 * The 14 basic-class content properties (the content header), in spec order.
 * Field names are camelCase versions of the spec names. `timestamp` is seconds since the
 * epoch, as on the wire (pika and amqplib use the same unit).
 */
import type { FieldTable } from './field-value.js';

export interface BasicProperties {
  contentType?: string;
  contentEncoding?: string;
  headers?: FieldTable;
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  expiration?: string;
  messageId?: string;
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
  clusterId?: string;
}
