/**
 * A vhost's observation point: channels report each publish and each delivery here (with
 * their number and connection, the `connection` read for user and name by the firehose). It
 * counts publishes (the vhost's publish rate) and, when tracing is on, hands the event to
 * the firehose (trace/firehose.ts) through the TraceSink interface, so the vhost does not
 * depend on the trace module. Events for messages on the trace exchange itself are never
 * traced (as RabbitMQ), which also keeps tracing from feeding itself.
 */
import type { BasicProperties } from '../../protocol/properties.js';
import type { Message } from '../message.js';
import { MessageCounters } from './message-counters.js';

export const TRACE_EXCHANGE = 'amq.rabbitmq.trace';

export interface TraceSink {
  published(
    channel: number,
    connection: object,
    exchange: string,
    routingKey: string,
    properties: BasicProperties,
    body: Buffer,
  ): void;
  delivered(channel: number, connection: object, queue: string, message: Message): void;
}

export class VhostMonitor {
  readonly counters = new MessageCounters();
  /** The firehose, while tracing is on for this vhost. */
  tracer: TraceSink | null = null;

  get tracing(): boolean {
    return this.tracer !== null;
  }

  published(
    channel: number,
    connection: object,
    exchange: string,
    routingKey: string,
    properties: BasicProperties,
    body: Buffer,
  ): void {
    this.counters.publish++;
    if (this.tracer !== null && exchange !== TRACE_EXCHANGE)
      this.tracer.published(channel, connection, exchange, routingKey, properties, body);
  }

  delivered(channel: number, connection: object, queue: string, message: Message): void {
    if (this.tracer !== null && message.exchange !== TRACE_EXCHANGE)
      this.tracer.delivered(channel, connection, queue, message);
  }
}
