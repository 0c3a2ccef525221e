/**
 * The app's listener on the jobs exchange: declares it (so job events and cancels can be
 * published) and, for apps that run tasks, consumes `cancel` broadcasts on an exclusive queue
 * so a job cancelled from another process is aborted where it runs. A session component, so it
 * is set up again after a reconnect.
 */
import type { TransportChannel } from '../../transports/transport.js';
import { HandlerConsumer } from '../consumer.js';
import type { SessionComponent } from '../session.js';
import { JOBS_EXCHANGE, type JobEvent, type JobService } from './job-service.js';

export class JobControl implements SessionComponent {
  readonly #consumer: HandlerConsumer | undefined;
  readonly #openChannel: () => Promise<TransportChannel>;

  constructor(
    service: JobService,
    options: {
      listen: boolean;
      openChannel: () => Promise<TransportChannel>;
      onError: (err: unknown) => void;
    },
  ) {
    this.#openChannel = options.openChannel;
    this.#consumer = options.listen
      ? new HandlerConsumer(
          {
            name: `${JOBS_EXCHANGE} control`,
            prefetch: 100,
            concurrency: 100,
            setup: async (channel) => {
              await declareJobsExchange(channel);
              const { queue } = await channel.assertQueue('', {
                exclusive: true,
                autoDelete: true,
                durable: false,
              });
              await channel.bindQueue(queue, JOBS_EXCHANGE, 'cancel');
              return queue;
            },
            handle: (delivery) => {
              service.onControl(delivery.message.fields.routingKey, delivery.message.body);
              delivery.ack();
              return Promise.resolve();
            },
          },
          options.openChannel,
          options.onError,
        )
      : undefined;
  }

  async start(): Promise<void> {
    if (this.#consumer) return this.#consumer.start();
    const channel = await this.#openChannel();
    try {
      await declareJobsExchange(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  onDisconnect(error: Error | undefined): void {
    this.#consumer?.onDisconnect();
    void error;
  }

  stop(deadline: number): Promise<void> {
    return this.#consumer?.stop(deadline) ?? Promise.resolve();
  }
}

function declareJobsExchange(channel: TransportChannel): Promise<void> {
  return channel.assertExchange(JOBS_EXCHANGE, 'topic', { durable: true });
}

/**
 * Listens to job events from every process on the broker (optionally one task's), on an
 * exclusive queue of its own channel. Resolves once listening; call the returned function to
 * stop. Events are best effort (not persistent, not resent after a reconnect): the store holds
 * the truth, events say when to look.
 */
export async function watchJobEvents(
  openChannel: () => Promise<TransportChannel>,
  listener: (event: JobEvent) => void,
  options: { task?: string; onError: (err: unknown) => void },
): Promise<() => Promise<void>> {
  const channel = await openChannel();
  await declareJobsExchange(channel);
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await channel.bindQueue(
    queue,
    JOBS_EXCHANGE,
    options.task === undefined ? 'event.#' : `event.${options.task}`,
  );
  await channel.consume(
    queue,
    (message) => {
      try {
        listener(JSON.parse(message.body.toString('utf8')) as JobEvent);
      } catch (err) {
        options.onError(err);
      }
    },
    { noAck: true },
  );
  return () => channel.close().catch(() => undefined);
}
