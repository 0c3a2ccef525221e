/**
 * Runs one @Subscribe handler with the RabbitMQ tutorial semantics: the exchange is declared
 * with its type; with a group, instances share one durable queue (each event handled once per
 * group), without one each instance gets an exclusive, server-named queue (each instance sees
 * every event). A failed or invalid event is rejected without requeue: events are not retried.
 */
import type { TransportChannel } from '../transports/transport.js';
import { HandlerConsumer } from './consumer.js';
import type { Delivery } from './delivery.js';
import type { SubscribeHandlerDescriptor } from './explorer.js';
import type { HandlerRunner } from './handler-runner.js';
import { eventContext } from './message-context.js';
import { deserialize } from './serializer.js';

export interface SubscriberDeps {
  run: HandlerRunner;
  openChannel: () => Promise<TransportChannel>;
  onError: (err: unknown) => void;
}

export class Subscriber {
  readonly consumer: HandlerConsumer;
  readonly #d: SubscribeHandlerDescriptor;
  readonly #deps: SubscriberDeps;

  constructor(descriptor: SubscribeHandlerDescriptor, deps: SubscriberDeps) {
    this.#d = descriptor;
    this.#deps = deps;
    this.consumer = new HandlerConsumer(
      {
        name: descriptor.name,
        prefetch: descriptor.options.prefetch,
        concurrency: descriptor.options.prefetch,
        setup: (channel) => this.#declare(channel),
        handle: (delivery) => this.#handle(delivery),
      },
      deps.openChannel,
      deps.onError,
    );
  }

  async #declare(channel: TransportChannel): Promise<string> {
    const o = this.#d.options;
    await channel.assertExchange(o.exchange, o.type, { durable: o.durableExchange });
    const { queue } = o.exclusive
      ? await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false })
      : await channel.assertQueue(o.queue, { durable: true, exclusive: false, autoDelete: false });
    await channel.bindQueue(queue, o.exchange, o.pattern, o.bindArguments);
    return queue;
  }

  async #handle(delivery: Delivery): Promise<void> {
    const { context, trace } = eventContext(delivery);
    try {
      const payload = deserialize(delivery.message.body, delivery.message.properties.contentType);
      const valid = this.#d.validate?.(payload);
      if (valid && !valid.ok) throw valid.error;
      await this.#deps.run({ descriptor: this.#d, payload, context, trace });
    } catch (err) {
      delivery.nack(false);
      this.#deps.onError(err);
      return;
    }
    delivery.ack();
  }
}
