// Shared scaffolding for the framework conformance suite: unique names per run, apps started
// on a fresh transport from the factory, and cleanup (apps, queues, exchanges, transports).
import { randomBytes } from 'node:crypto';
import type { ServiceInput, WarrenStartOptions } from '../../src/framework/index.js';
import { Warren, type WarrenApp } from '../../src/framework/index.js';
import { exploreServices } from '../../src/framework/explorer.js';
import { retryTopology } from '../../src/framework/retry-topology.js';
import type { Transport, TransportChannel, TransportMessage } from '../../src/transports/transport.js';

/** Builds a fresh, unconnected transport (one per app). */
export type TransportFactory = () => Transport;

export class Harness {
  readonly run = randomBytes(4).toString('hex');
  readonly errors: unknown[] = [];
  readonly #factory: TransportFactory;
  readonly #apps: WarrenApp[] = [];
  readonly #transports: Transport[] = [];
  readonly #queues = new Set<string>();
  readonly #exchanges = new Set<string>();
  #admin: { transport: Transport; channel: TransportChannel } | undefined;

  constructor(factory: TransportFactory) {
    this.#factory = factory;
  }

  /** A unique name for this run, e.g. `wt.3fa2c1d0.email`. */
  name(label: string): string {
    return `wt.${this.run}.${label}`;
  }

  /** Marks queues / exchanges for deletion at cleanup. */
  queues(...names: string[]): void {
    for (const n of names) this.#queues.add(n);
  }

  /** A task's queues: work, dead, quarantine and the given delay queues. */
  taskQueues(queue: string, delays: number[] = []): void {
    this.queues(queue, `${queue}.dead`, `${queue}.quarantine`, ...delays.map((d) => `${queue}.retry.${d}`));
  }

  exchanges(...names: string[]): void {
    for (const n of names) this.#exchanges.add(n);
  }

  async start(
    services: ServiceInput[],
    options: Omit<WarrenStartOptions, 'services' | 'transport' | 'url'> = {},
  ): Promise<WarrenApp> {
    return this.startWith(this.#factory(), services, options);
  }

  /** Starts an app on a given transport (closed at cleanup). */
  async startWith(
    transport: Transport,
    services: ServiceInput[],
    options: Omit<WarrenStartOptions, 'services' | 'transport' | 'url'> = {},
  ): Promise<WarrenApp> {
    this.#transports.push(transport);
    this.trackQueues(services, options);
    const app = await Warren.start({
      services,
      transport,
      onError: (err) => this.errors.push(err),
      ...options,
    });
    this.#apps.push(app);
    return app;
  }

  /**
   * Marks every queue the services declare under this run's names for deletion: a task's
   * whole retry topology (its delay queues follow from its backoff, so a test naming only some
   * of them would leave the rest on the broker), RPC and group queues. Reads the decorators
   * only: no service constructor runs here. start() calls it; a test that starts its app
   * another way calls it itself.
   */
  trackQueues(services: ServiceInput[], options: Pick<WarrenStartOptions, 'taskQueueType'> = {}): void {
    let handlers: ReturnType<typeof exploreServices>;
    try {
      handlers = exploreServices(services, {
        instantiate: (cls) => Object.create(cls.prototype as object) as object,
        taskQueueType: options.taskQueueType,
      });
    } catch {
      return; // Warren.start reports the same error
    }
    const ours = `wt.${this.run}.`;
    for (const h of handlers) {
      const names =
        h.kind === 'task' ? retryTopology(h.options).declarations.map((d) => d.name) : [h.options.queue];
      for (const n of names) if (n.startsWith(ours)) this.#queues.add(n);
    }
  }

  /** A channel outside any app, for inspecting queues. */
  async admin(): Promise<TransportChannel> {
    if (!this.#admin || !this.#admin.transport.connected) {
      const transport = this.#factory();
      await transport.connect();
      this.#transports.push(transport);
      this.#admin = { transport, channel: await transport.createChannel() };
    }
    return this.#admin.channel;
  }

  /** Polls a queue until a message is there (basic.get, acked). */
  async getMessage(queue: string, timeoutMs = 5000): Promise<TransportMessage> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const channel = await this.admin();
      const msg = await channel.get(queue, { noAck: true });
      if (msg) return msg;
      await sleep(25);
    }
    throw new Error(`no message in ${queue} within ${timeoutMs} ms`);
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.#apps.map((a) => a.close({ timeout: 0 })));
    try {
      // A channel of its own: a test's failed passive declare may have closed the admin one.
      const transport = this.#factory();
      this.#transports.push(transport);
      await transport.connect();
      let channel = await transport.createChannel();
      const each = async (names: Set<string>, drop: (c: TransportChannel, n: string) => Promise<unknown>) => {
        for (const n of names) {
          // A refused delete closes the channel; the next name gets a new one.
          await drop(channel, n).catch(async () => (channel = await transport.createChannel()));
        }
      };
      await each(this.#queues, (c, q) => c.deleteQueue(q));
      await each(this.#exchanges, (c, e) => c.deleteExchange(e));
    } catch {
      // Broker unreachable: nothing to clean.
    }
    await Promise.allSettled(this.#transports.map((t) => t.close()));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `predicate` holds, polling every 10 ms. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
