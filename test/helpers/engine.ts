// Test fixtures for the broker engine: a sink that records everything, and a one-call
// broker + connection + channel setup. No mocks of the engine itself.
import { Broker } from '../../src/broker/broker.js';
import type { BrokerOptions } from '../../src/broker/broker.js';
import type { EngineChannel } from '../../src/broker/channel/channel.js';
import type { ChannelSink } from '../../src/broker/channel-sink.js';
import type { EngineConnection } from '../../src/broker/connection.js';
import type { Message } from '../../src/broker/message.js';
import type { AmqpError } from '../../src/protocol/errors.js';
import { ManualClock } from '../../src/util/clock.js';

export interface Delivery {
  consumerTag: string;
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  message: Message;
  body: string;
}

export class RecordingSink implements ChannelSink {
  writable = true;
  deliveries: Delivery[] = [];
  returns: { replyCode: number; replyText: string; exchange: string; routingKey: string; body: string }[] =
    [];
  acks: { tag: number; multiple: boolean }[] = [];
  nacks: { tag: number; multiple: boolean }[] = [];
  cancelled: string[] = [];
  errors: AmqpError[] = [];
  /** Optional hook run inside deliver (to test reentrancy). */
  onDeliver: ((d: Delivery) => void) | undefined;

  deliver(
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void {
    const d = {
      consumerTag,
      deliveryTag,
      redelivered,
      exchange,
      routingKey,
      message,
      body: message.body.toString(),
    };
    this.deliveries.push(d);
    this.onDeliver?.(d);
  }
  basicReturn(
    replyCode: number,
    replyText: string,
    exchange: string,
    routingKey: string,
    message: Message,
  ): void {
    this.returns.push({ replyCode, replyText, exchange, routingKey, body: message.body.toString() });
  }
  publisherAck(tag: number, multiple: boolean): void {
    this.acks.push({ tag, multiple });
  }
  publisherNack(tag: number, multiple: boolean): void {
    this.nacks.push({ tag, multiple });
  }
  consumerCancelled(tag: string): void {
    this.cancelled.push(tag);
  }
  channelError(error: AmqpError): void {
    this.errors.push(error);
  }
  bodies(): string[] {
    return this.deliveries.map((d) => d.body);
  }
}

export interface Fixture {
  broker: Broker;
  clock: ManualClock;
  conn: EngineConnection;
  ch: EngineChannel;
  sink: RecordingSink;
  /** Opens another channel on the same connection. */
  channel(): { ch: EngineChannel; sink: RecordingSink };
  /** Opens another connection with one channel. */
  connection(): { conn: EngineConnection; ch: EngineChannel; sink: RecordingSink };
}

export function setup(options: BrokerOptions = {}): Fixture {
  const clock = new ManualClock();
  const broker = new Broker({ clock, ...options });
  const conn = broker.connect();
  const sink = new RecordingSink();
  const ch = conn.openChannel(1, sink);
  let nextId = 2;
  return {
    broker,
    clock,
    conn,
    ch,
    sink,
    channel() {
      const s = new RecordingSink();
      return { ch: conn.openChannel(nextId++, s), sink: s };
    },
    connection() {
      const c = broker.connect();
      const s = new RecordingSink();
      return { conn: c, ch: c.openChannel(1, s), sink: s };
    },
  };
}

export const text = (s: string): Buffer => Buffer.from(s);

/** Publishes `bodies` to the default exchange with routing key `queue`. */
export function publishAll(ch: EngineChannel, queue: string, bodies: string[], props = {}): void {
  for (const b of bodies) ch.basicPublish('', queue, false, false, props, text(b));
}

/** Asserts fn throws an AmqpError with the code (and scope); returns it. */
export function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return (e as AmqpError).replyCode;
  }
  return undefined;
}
