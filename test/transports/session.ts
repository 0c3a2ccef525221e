// Per-test scaffolding for the conformance suite: opens transports from the factory and
// guarantees cleanup (queues and exchanges deleted from a fresh connection, every transport
// closed) however the test ends, so the suite can run against a shared real broker.
import type {
  AssertQueueOptions,
  ExchangeType,
  Transport,
  TransportChannel,
} from '../../src/transports/transport.js';
import { uniq, within } from './helpers.js';

export type TransportFactory = () => Promise<Transport>;

export class Session {
  readonly #factory: TransportFactory;
  readonly #transports: Transport[] = [];
  readonly #queues: string[] = [];
  readonly #exchanges: string[] = [];

  constructor(factory: TransportFactory) {
    this.#factory = factory;
  }

  async transport(): Promise<Transport> {
    const t = await within(this.#factory(), 'factory');
    this.#transports.push(t);
    await within(t.connect(), 'connect');
    return t;
  }

  /** A channel on `transport`, or on the session's first transport. */
  async channel(transport?: Transport): Promise<TransportChannel> {
    const t = transport ?? this.#transports[0] ?? (await this.transport());
    return within(t.createChannel(), 'createChannel');
  }

  /** Declares a uniquely named transient queue, deleted at cleanup. */
  async queue(ch: TransportChannel, options: AssertQueueOptions = {}): Promise<string> {
    const ok = await within(ch.assertQueue(uniq('q'), { durable: false, ...options }), 'assertQueue');
    this.#queues.push(ok.queue);
    return ok.queue;
  }

  /** Declares a uniquely named transient exchange, deleted at cleanup. */
  async exchange(ch: TransportChannel, type: ExchangeType): Promise<string> {
    const name = uniq(`x-${type}`);
    await within(ch.assertExchange(name, type, { durable: false }), 'assertExchange');
    this.#exchanges.push(name);
    return name;
  }

  /** Registers a name created outside queue()/exchange() for cleanup. */
  track(kind: 'queue' | 'exchange', name: string): void {
    (kind === 'queue' ? this.#queues : this.#exchanges).push(name);
  }

  async cleanup(): Promise<void> {
    try {
      if (this.#queues.length > 0 || this.#exchanges.length > 0) await this.#deleteAll();
    } finally {
      for (const t of this.#transports) await within(t.close(), 'close transport').catch(() => undefined);
    }
  }

  async #deleteAll(): Promise<void> {
    const t = await this.transport();
    let ch = await this.channel(t);
    const drop = async (op: (c: TransportChannel) => Promise<unknown>): Promise<void> => {
      try {
        await within(op(ch), 'cleanup');
      } catch {
        ch = await this.channel(t); // a failed delete may have closed the channel
      }
    };
    for (const q of this.#queues) await drop((c) => c.deleteQueue(q));
    for (const x of this.#exchanges) await drop((c) => c.deleteExchange(x));
  }
}

/** Runs `fn` with a Session and always cleans up. */
export async function withSession(
  factory: TransportFactory,
  fn: (s: Session) => Promise<void>,
): Promise<void> {
  const s = new Session(factory);
  try {
    await fn(s);
  } finally {
    await s.cleanup();
  }
}
