/**
 * Publishing a task to run later (`enqueue(…, { delay | runAt })`). Two ways, one behaviour:
 *
 * - the broker has `x-delayed-message` exchanges (Warren's broker always; RabbitMQ with its
 *   plugin): one durable exchange `<prefix>.delayed` (x-delayed-type direct); each target queue
 *   is bound by its name and the message carries `x-delay`;
 * - otherwise: the fixed binary-level TTL topology of delay-levels.ts.
 *
 * The topology is declared on the first delayed publish (apps that never delay declare
 * nothing) and each target queue is bound once, again after a reconnect. A target queue that
 * does not exist fails the enqueue with UnroutableError, as an undelayed enqueue does.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { PublishProperties, TransportChannel } from '../../transports/transport.js';
import { UnroutableError } from '../errors.js';
import type { QueueType } from '../options.js';
import type { Publisher } from '../publisher.js';
import type { Session, SessionComponent } from '../session.js';
import {
  MAX_DELAY_MS,
  delayRoutingKey,
  deliverBindingKey,
  deliverExchange,
  levelTopology,
  topLevelExchange,
} from './delay-levels.js';

/**
 * Headers RabbitMQ writes when it dead-letters a message. A message that passed the TTL levels
 * once (a task retried with its own backoff) carries them; sent through the levels again with
 * them, RabbitMQ would see it dead-lettered into a level queue already in its x-death, call
 * that a cycle and drop it silently. The copy is a new message: its history starts over.
 */
const DEATH_HEADERS = [
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
];

function withoutDeaths(headers: FieldTable | undefined): FieldTable | undefined {
  if (headers === undefined || !DEATH_HEADERS.some((h) => h in headers)) return headers;
  const out = { ...headers };
  for (const h of DEATH_HEADERS) delete out[h];
  return out;
}

/** The default prefix of the delay topology's names. */
export const DEFAULT_DELAY_PREFIX = 'warren';

/** The delayed-message exchange of a prefix (`warren.delayed`). */
export function delayedExchange(prefix: string): string {
  return `${prefix}.delayed`;
}

export class DelayedDelivery implements SessionComponent {
  readonly #session: Session;
  readonly #publisher: Publisher;
  #topology: Promise<void> | undefined;
  readonly #bound = new Map<string, Promise<void>>();
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #queueType: QueueType;

  /**
   * `now`: the app's clock, which delays are measured on; `queueType`: of the TTL level queues
   * ('quorum' on a cluster, so they survive the loss of a node).
   */
  constructor(
    session: Session,
    publisher: Publisher,
    now: () => number,
    prefix = DEFAULT_DELAY_PREFIX,
    queueType: QueueType = 'classic',
  ) {
    this.#session = session;
    this.#publisher = publisher;
    this.#now = now;
    this.#prefix = prefix;
    this.#queueType = queueType;
  }

  /** Uses the broker's delayed-message exchange (else the TTL levels). */
  get native(): boolean {
    return this.#session.transport.capabilities.delayedExchange === true;
  }

  /**
   * Publishes `body` to `queue`, to be delivered `delayMs` from now. `buffer: false`: fail
   * instead of buffering while disconnected (a worker's retry copy, whose original is held).
   */
  async publish(
    queue: string,
    body: Buffer,
    properties: PublishProperties,
    delayMs: number,
    options: { buffer?: boolean } = {},
  ): Promise<void> {
    if (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > MAX_DELAY_MS)
      throw new RangeError(`delay must be an integer from 1 to ${MAX_DELAY_MS} ms, got ${delayMs}`);
    const dueAt = this.#now() + delayMs;
    await this.#bind(queue);
    // The time spent declaring and binding comes off the delay (it counts from the call).
    delayMs = Math.ceil(dueAt - this.#now());
    if (delayMs < 1) {
      await this.#publisher.publish({ exchange: '', routingKey: queue, body, properties }, options);
      return;
    }
    const { mandatory: _m, expiration: _e, ...props } = properties;
    if (this.native) {
      const headers = { ...props.headers, 'x-delay': delayMs };
      await this.#publisher.publish(
        {
          exchange: delayedExchange(this.#prefix),
          routingKey: queue,
          body,
          properties: { ...props, headers },
        },
        options,
      );
    } else {
      await this.#publisher.publish(
        {
          exchange: topLevelExchange(this.#prefix),
          routingKey: delayRoutingKey(delayMs, queue),
          body,
          properties: { ...props, headers: withoutDeaths(props.headers) },
        },
        options,
      );
    }
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  onDisconnect(): void {
    this.#topology = undefined;
    this.#bound.clear();
  }

  #bind(queue: string): Promise<void> {
    let bound = this.#bound.get(queue);
    if (bound === undefined) {
      bound = this.#declareTopology().then(() =>
        this.#withChannel((ch) =>
          this.native
            ? ch.bindQueue(queue, delayedExchange(this.#prefix), queue)
            : ch.bindQueue(queue, deliverExchange(this.#prefix), deliverBindingKey(queue)),
        ).catch((err: unknown) => {
          throw isNotFound(err) ? new UnroutableError('', queue, { cause: err }) : err;
        }),
      );
      this.#bound.set(queue, bound);
      bound.catch(() => this.#bound.delete(queue));
    }
    return bound;
  }

  #declareTopology(): Promise<void> {
    this.#topology ??= this.#withChannel((ch) =>
      this.native ? declareNative(ch, this.#prefix) : declareLevels(ch, this.#prefix, this.#queueType),
    ).catch((err: unknown) => {
      this.#topology = undefined;
      throw err;
    });
    return this.#topology;
  }

  /** Declarations on a channel of their own: a failed one (404) closes only that channel. */
  async #withChannel(fn: (ch: TransportChannel) => Promise<void>): Promise<void> {
    const ch = await this.#session.createChannel();
    try {
      await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

async function declareNative(ch: TransportChannel, prefix: string): Promise<void> {
  await ch.assertExchange(delayedExchange(prefix), 'x-delayed-message', {
    durable: true,
    arguments: { 'x-delayed-type': 'direct' },
  });
}

async function declareLevels(ch: TransportChannel, prefix: string, queueType: QueueType): Promise<void> {
  const t = levelTopology(prefix, queueType);
  for (const x of t.exchanges) await ch.assertExchange(x, 'topic', { durable: true });
  for (const q of t.queues) await ch.assertQueue(q.name, { durable: true, arguments: q.arguments });
  for (const b of t.queueBindings) await ch.bindQueue(b.queue, b.exchange, b.routingKey);
  for (const b of t.exchangeBindings) await ch.bindExchange(b.destination, b.source, b.routingKey);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { replyCode?: unknown }).replyCode === 404;
}
