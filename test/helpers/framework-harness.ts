// Shared scaffolding for the framework conformance suite: unique names per run, apps started
// on a fresh transport from the factory, and cleanup (apps, queues, exchanges, transports).
import { randomBytes } from 'node:crypto';
import type { ServiceInput, WarrenStartOptions } from '../../src/framework/index.js';
import { Warren, type WarrenApp } from '../../src/framework/index.js';
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
    const app = await Warren.start({
      services,
      transport,
      onError: (err) => this.errors.push(err),
      ...options,
    });
    this.#apps.push(app);
    return app;
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
      const channel = await this.admin();
      for (const q of this.#queues) await channel.deleteQueue(q).catch(() => undefined);
      for (const e of this.#exchanges) await channel.deleteExchange(e).catch(() => undefined);
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
