/**
 * The app's listener on the jobs exchange: declares it (so job events and control messages
 * can be published) and, for apps that run tasks, consumes `cancel`, `pause` and `resume`
 * broadcasts on an exclusive queue: a job cancelled from another process is aborted where it
 * runs, a paused task's consumers stop. On every start (and restart after a reconnect, when a
 * broadcast may have been missed) it applies the paused flags recorded in the store before the
 * task consumers start. A session component, so it is set up again after a reconnect.
 */
import type { TransportChannel } from '../../transports/transport.js';
import { HandlerConsumer } from '../consumer.js';
import type { SessionComponent } from '../session.js';
import { JOBS_EXCHANGE, type JobEvent, type JobService } from './job-service.js';

export class JobControl implements SessionComponent {
  readonly #consumer: HandlerConsumer | undefined;
  readonly #openChannel: () => Promise<TransportChannel>;

  readonly #service: JobService;
  readonly #tasks: ReadonlyMap<string, HandlerConsumer>;

  constructor(
    service: JobService,
    options: {
      /** The app's task consumers by task name (empty: nothing to listen for). */
      tasks: ReadonlyMap<string, HandlerConsumer>;
      openChannel: () => Promise<TransportChannel>;
      onError: (err: unknown) => void;
    },
  ) {
    this.#service = service;
    this.#tasks = options.tasks;
    this.#openChannel = options.openChannel;
    this.#consumer =
      options.tasks.size > 0
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
                for (const key of ['cancel', 'pause', 'resume'])
                  await channel.bindQueue(queue, JOBS_EXCHANGE, key);
                return queue;
              },
              handle: (delivery) => {
                delivery.ack();
                return this.#onControl(delivery.message.fields.routingKey, delivery.message.body);
              },
            },
            options.openChannel,
            options.onError,
          )
        : undefined;
  }

  async #onControl(routingKey: string, body: Buffer): Promise<void> {
    if (routingKey === 'cancel') return this.#service.onControl(routingKey, body);
    const consumer = this.#tasks.get(body.toString('utf8'));
    if (routingKey === 'pause') await consumer?.pause();
    else if (routingKey === 'resume') await consumer?.resume();
  }

  async start(): Promise<void> {
    const store = this.#service.store;
    if (store && this.#tasks.size > 0) {
      const paused = new Set(await store.pausedTasks());
      for (const [task, consumer] of this.#tasks)
        await (paused.has(task) ? consumer.pause() : consumer.resume());
    }
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
