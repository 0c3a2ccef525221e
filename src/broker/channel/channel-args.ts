/**
 * Argument shapes of the channel methods that take more than a few fields: the AMQP
 * method's fields in camelCase (nowait and ticket are the transport's business). Missing
 * booleans default to false and tables to {} so a decoded method object can be passed as is.
 * Also basic.get's result (GetOk, re-exported by channel.ts).
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Message } from '../message.js';

export interface ExchangeDeclareArgs {
  exchange: string;
  type?: string;
  passive?: boolean;
  durable?: boolean;
  autoDelete?: boolean;
  internal?: boolean;
  arguments?: FieldTable;
}

export interface ExchangeDeleteArgs {
  exchange: string;
  ifUnused?: boolean;
}

export interface ExchangeBindArgs {
  destination: string;
  source: string;
  routingKey?: string;
  arguments?: FieldTable;
}

export interface QueueDeclareArgs {
  queue?: string;
  passive?: boolean;
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  arguments?: FieldTable;
}

export interface QueueDeclareResult {
  queue: string;
  messageCount: number;
  consumerCount: number;
}

export interface QueueBindArgs {
  queue?: string;
  exchange: string;
  routingKey?: string;
  arguments?: FieldTable;
}

export interface QueueDeleteArgs {
  queue?: string;
  ifUnused?: boolean;
  ifEmpty?: boolean;
}

export interface BasicConsumeArgs {
  queue?: string;
  consumerTag?: string;
  noLocal?: boolean;
  noAck?: boolean;
  exclusive?: boolean;
  arguments?: FieldTable;
}

export interface BasicQosArgs {
  prefetchSize?: number;
  prefetchCount?: number;
  global?: boolean;
}

export interface GetOk {
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  messageCount: number;
  message: Message;
}
