/**
 * `Warren.start`: scans the services, connects, declares every handler's topology and starts
 * consuming, and returns the app with its client. The one place that picks a concrete
 * transport (AmqpTransport for a `url`); everything else codes against transport.ts.
 * `app.close()` shuts down gracefully: consumers stop, in-flight handlers get until the
 * deadline, the rest is nacked back, pending calls fail with ShutdownError.
 * Every app keeps framework metrics (metrics.ts; `app.metrics()`); `management` also serves
 * them, with the embedded broker's, from the management server's /metrics.
 */
import { Broker } from '../broker/broker.js';
import { AmqpTransport } from '../transports/amqp/amqp-transport.js';
import { EmbeddedTransport } from '../transports/embedded/embedded-transport.js';
import { ManagementServer } from '../transports/http/management-server.js';
import type { Transport } from '../transports/transport.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT,
  type CloseOptions,
  type ManagementOptions,
  type WarrenStartOptions,
} from './app-options.js';
import { WarrenClient } from './client.js';
import type { HandlerConsumer } from './consumer.js';
import type { TypedClient } from './contract.js';
import { exploreServices, type HandlerDescriptor } from './explorer.js';
import { createHandlerRunner } from './handler-runner.js';
import { JobControl, watchJobEvents } from './jobs/job-control.js';
import { jobsProvider } from './jobs/job-dashboard.js';
import type { JobsProvider } from '../transports/http/jobs-provider.js';
import type { JobEvent } from './jobs/job-service.js';
import { JobService } from './jobs/job-service.js';
import type { JobStore } from './jobs/job-store.js';
import { openJobStore } from './jobs/open-job-store.js';
import { LifecycleEmitter } from './lifecycle-emitter.js';
import { FrameworkMetrics } from './metrics.js';
import type { TaskLifecycleEvent, TaskLifecycleListener } from './middleware.js';
import type { QueueType } from './options.js';
import { Publisher } from './publisher.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';
import { Session } from './session.js';
import { DEFAULT_DELAY_PREFIX, DelayedDelivery } from './delay/delayed-delivery.js';
import { waitIdle } from './idle.js';
import { exploreSchedules } from './schedule/explore-schedules.js';
import { ScheduleRunner, runOptions, type ScheduleStatus } from './schedule/schedule-runner.js';
import { defineSchedule, type ScheduleOptions } from './schedule/schedule-spec.js';
import { systemClock } from '../util/clock.js';
import { Subscriber } from './subscriber.js';
import { TaskWorker, type WorkerDeps } from './task-worker.js';
import { IsolationGate } from './isolation-gate.js';

/** A running Warren application. */
export class WarrenApp<C = Record<never, never>> {
  readonly client: TypedClient<C>;
  readonly transport: Transport;
  readonly handlers: readonly HandlerDescriptor[];
  readonly #session: Session;
  readonly #publisher: Publisher;
  readonly #rpc: RpcClient;
  readonly #consumers: HandlerConsumer[];
  readonly #events: LifecycleEmitter;
  readonly #ownsTransport: boolean;
  readonly #shutdownTimeout: number;
  readonly #ownedBroker: Broker | undefined;
  readonly #metrics: FrameworkMetrics;
  readonly #jobs: {
    control: JobControl;
    service: JobService;
    ownedStore: JobStore | undefined;
    onError: (err: unknown) => void;
  };
  readonly #schedules: ScheduleRunner;
  #management: { server: ManagementServer; address: { host: string; port: number } } | undefined;
  #closing: Promise<void> | undefined;
  #signalHandler: (() => void) | undefined;
  #keepAlive: NodeJS.Timeout | undefined;

  /** @internal use Warren.start */
  constructor(parts: AppParts) {
    this.transport = parts.transport;
    this.handlers = parts.handlers;
    this.#session = parts.session;
    this.#publisher = parts.publisher;
    this.#rpc = parts.rpc;
    this.#consumers = parts.consumers;
    this.#events = parts.events;
    this.#ownsTransport = parts.ownsTransport;
    this.#shutdownTimeout = parts.shutdownTimeout;
    this.#ownedBroker = parts.ownedBroker;
    this.#metrics = parts.metrics;
    this.#jobs = parts.jobs;
    this.#schedules = parts.schedules;
    this.client = parts.client as unknown as TypedClient<C>;
  }

  /** Listens to task lifecycle events. */
  on<E extends TaskLifecycleEvent>(event: E, listener: TaskLifecycleListener<E>): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends TaskLifecycleEvent>(event: E, listener: TaskLifecycleListener<E>): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Listens to job state changes published by every app on the broker (optionally one task's);
   * resolves once listening, to a function that stops. Best effort: see docs/jobs.md.
   */
  watchJobs(
    listener: (event: JobEvent) => void,
    options: { task?: string } = {},
  ): Promise<() => Promise<void>> {
    return watchJobEvents(() => this.#session.createChannel(), listener, {
      task: options.task,
      onError: this.#jobs.onError,
    });
  }

  /** The framework's metrics in Prometheus text format (names in docs/operations.md). */
  metrics(): string {
    return this.#metrics.render();
  }

  /** Where the `management` server listens; undefined without that option. */
  get managementAddress(): { host: string; port: number } | undefined {
    return this.#management?.address;
  }

  /**
   * Runs `task` on a schedule from now on, exactly once per tick across every process (see
   * docs/jobs-in-time.md). A schedule with the name of an existing one replaces it.
   *
   * @example
   * await app.schedule('report.send', { cron: '0 6 * * *' }, { tz: 'Europe/Paris' });
   */
  schedule(
    task: string,
    when: { cron: string } | { every: string | number },
    options?: ScheduleOptions,
  ): Promise<void> {
    try {
      const def = defineSchedule(task, when, options);
      return this.#schedules.add([{ ...def, queue: queueOf(this.handlers, task) }]);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
      return Promise.reject(err);
    }
  }

  /** Resolves once no work is pending (see idle.ts); for tests, with a ManualClock `clock`. */
  idle(options: { timeoutMs?: number } = {}): Promise<void> {
    const schedules = this.#schedules;
    return waitIdle(
      {
        consumers: schedules.consumer ? [...this.#consumers, schedules.consumer] : this.#consumers,
        scheduleBusy: () => schedules.busy,
        openChannel: () => this.#session.createChannel(),
        flushed: storeFlushed(this.transport),
      },
      options.timeoutMs,
    );
  }

  /** This process's schedules with their next run times. */
  schedules(): ScheduleStatus[] {
    return this.#schedules.list();
  }

  /** Messages waiting in the outage buffer. */
  get bufferedPublishes(): number {
    return this.#publisher.buffered;
  }

  /** Graceful shutdown; idempotent (every call returns the same promise). */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.timeout ?? this.#shutdownTimeout);
    return this.#closing;
  }

  /** @internal starts the `management` server on `broker` (once, from start()). */
  async startManagement(broker: Broker, options: ManagementOptions): Promise<void> {
    const server = new ManagementServer({
      broker,
      users: options.users,
      port: options.port,
      host: options.host ?? '127.0.0.1',
      extraMetrics: () => this.metrics(),
      jobs: this.#jobsProvider(),
    });
    const address = await server.listen();
    this.#management = { server, address };
  }

  /** The dashboard's view of the app's job store (none with `jobs: false`). */
  #jobsProvider(): JobsProvider | undefined {
    const service = this.#jobs.service;
    if (service.store === undefined) return undefined;
    return jobsProvider(service.store, {
      cancel: (id) => service.cancel(id),
      tasks: this.handlers.filter((h) => h.kind === 'task').map((h) => h.name),
    });
  }

  /**
   * @internal An app that consumes from the in-process broker has no socket holding the event
   * loop open: without this it would exit as soon as it is idle. Held until close().
   */
  keepProcessAlive(): void {
    this.#keepAlive ??= setInterval(() => undefined, 2 ** 30);
  }

  /** @internal */
  installSignalHandlers(): void {
    const handler = (): void => void this.close();
    this.#signalHandler = handler;
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }

  async #shutdown(timeout: number): Promise<void> {
    if (this.#signalHandler) {
      process.off('SIGTERM', this.#signalHandler);
      process.off('SIGINT', this.#signalHandler);
    }
    this.#session.detach();
    clearInterval(this.#keepAlive);
    const deadline = Date.now() + timeout;
    await Promise.all([...this.#consumers.map((c) => c.stop(deadline)), this.#schedules.stop(deadline)]);
    await this.#jobs.control.stop(deadline);
    await this.#rpc.close();
    await this.#publisher.close();
    if (this.#ownsTransport) await this.transport.close();
    await this.#management?.server.close();
    await this.#ownedBroker?.shutdown();
    await this.#jobs.ownedStore?.close();
  }
}

interface AppParts {
  transport: Transport;
  handlers: HandlerDescriptor[];
  session: Session;
  publisher: Publisher;
  rpc: RpcClient;
  consumers: HandlerConsumer[];
  events: LifecycleEmitter;
  metrics: FrameworkMetrics;
  client: WarrenClient;
  schedules: ScheduleRunner;
  ownsTransport: boolean;
  shutdownTimeout: number;
  /** The persistent broker start() opened for `dataDir` (shut down by close()). */
  ownedBroker?: Broker;
  jobs: {
    control: JobControl;
    service: JobService;
    ownedStore: JobStore | undefined;
    onError: (err: unknown) => void;
  };
}

/** Starts an app. */
async function start<C = Record<never, never>>(options: WarrenStartOptions<C>): Promise<WarrenApp<C>> {
  const handlers = exploreServices(options.services ?? [], {
    instantiate: options.instantiate,
    taskQueueType: taskQueueType(options),
  });
  const schedules = exploreSchedules(options.services ?? [], handlers);
  const ownedBroker = await openDataDir(options);
  const onError = options.onError ?? ((err: unknown) => console.error('[warren]', err));
  const { transport, owns } = pickTransport(
    ownedBroker ? { ...options, broker: ownedBroker } : options,
    onError,
  );
  const managementBroker = options.management && embeddedBroker(transport);
  const jobStore = await openAppJobStore(options, transport);
  const app = buildApp<C>(options, handlers, transport, owns, onError, ownedBroker, jobStore);
  try {
    if (!transport.connected) await transport.connect();
    await app.session.startAll();
    await app.schedules.add(schedules.map((d) => ({ ...d, queue: queueOf(handlers, d.task) })));
    if (options.management && managementBroker)
      await app.app.startManagement(managementBroker, options.management);
  } catch (err) {
    await app.app.close({ timeout: 0 }).catch(() => undefined);
    throw err;
  }
  if (options.handleSignals) app.app.installSignalHandlers();
  if (transport instanceof EmbeddedTransport && handlers.length > 0) app.app.keepProcessAlive();
  return app.app;
}

/** `dataDir`: the embedded broker is a persistent one (recovered before start() goes on). */
async function openDataDir(options: WarrenStartOptions<unknown>): Promise<Broker | undefined> {
  if (options.dataDir === undefined) return undefined;
  if (brokerUrls(options) !== undefined || options.transport !== undefined || options.broker !== undefined)
    throw new TypeError(
      'dataDir is for the embedded broker: do not combine it with url, urls, transport or broker',
    );
  return Broker.open(options.dataDir);
}

/** The app's job store (jobs/open-job-store.ts); none with `jobs: false`. */
async function openAppJobStore(
  options: WarrenStartOptions<unknown>,
  transport: Transport,
): Promise<{ store: JobStore; owned: boolean } | undefined> {
  if (options.jobs === false) return undefined;
  const broker = transport instanceof EmbeddedTransport ? transport.broker : undefined;
  return openJobStore(options.jobs ?? {}, { dataDir: options.dataDir, broker });
}

/** The broker `management` serves: the embedded transport's (there is none over `url`). */
/** What idle() awaits on an embedded broker with a data dir: its log written (see idle.ts). */
function storeFlushed(transport: Transport): (() => Promise<void>) | undefined {
  if (!(transport instanceof EmbeddedTransport)) return undefined;
  const store = transport.broker.store;
  return store.sync === undefined ? undefined : () => store.sync!();
}

function embeddedBroker(transport: Transport): Broker {
  if (transport instanceof EmbeddedTransport) return transport.broker;
  throw new TypeError(
    'management needs the embedded broker: it cannot be combined with url or a non-embedded transport',
  );
}

function pickTransport(
  options: WarrenStartOptions<unknown>,
  onError: (err: unknown) => void,
): { transport: Transport; owns: boolean } {
  if (options.transport) return { transport: options.transport, owns: false };
  const urls = brokerUrls(options);
  if (urls) {
    const transport = new AmqpTransport(urls, {
      reconnect: options.reconnect,
      connectionName: options.connectionName,
      // The first connection is retried on the reconnect schedule; each failure is reported.
      onConnectRetry: (error, attempt, delayMs) =>
        onError(
          new Error(`cannot connect (attempt ${attempt}), retrying in ${delayMs} ms: ${error.message}`, {
            cause: error,
          }),
        ),
    });
    return { transport, owns: true };
  }
  // The zero-config default: the broker engine in this process, no sockets, no encoding.
  // On a caller's clock (a ManualClock in tests) one advance() can jump past the 30 min
  // consumer timeout while a delivery is in flight, so the private broker has it off.
  const broker =
    options.broker ?? (options.clock ? new Broker({ clock: options.clock, consumerTimeout: 0 }) : undefined);
  return { transport: new EmbeddedTransport({ broker }), owns: true };
}

/** `url` or `urls` as a list (undefined for neither); both at once is a mistake. */
function brokerUrls(options: WarrenStartOptions<unknown>): readonly string[] | undefined {
  if (options.urls !== undefined && options.url !== undefined)
    throw new TypeError('give url or urls, not both');
  if (options.urls !== undefined) {
    if (options.urls.length === 0) throw new TypeError('urls is empty');
    return options.urls;
  }
  return options.url ? [options.url] : undefined;
}

/** Several urls are the nodes of a cluster: replicated (quorum) task queues by default. */
function taskQueueType(options: WarrenStartOptions<unknown>): QueueType | undefined {
  if (options.taskQueueType !== undefined) return options.taskQueueType;
  return (brokerUrls(options)?.length ?? 0) > 1 ? 'quorum' : undefined;
}

function buildApp<C>(
  options: WarrenStartOptions<C>,
  handlers: HandlerDescriptor[],
  transport: Transport,
  ownsTransport: boolean,
  onError: (err: unknown) => void,
  ownedBroker: Broker | undefined,
  jobStore: { store: JobStore; owned: boolean } | undefined,
): { app: WarrenApp<C>; session: Session; schedules: ScheduleRunner } {
  const session = new Session(transport, onError);
  const events = new LifecycleEmitter(onError);
  const metrics = new FrameworkMetrics();
  metrics.listen(events);
  const publisher = new Publisher(session, options.publishBufferSize);
  const clock = options.clock ?? systemClock;
  // On a cluster the delay levels and the schedule queues are replicated like the task queues.
  const replicated = taskQueueType(options) ?? 'classic';
  const delayed = new DelayedDelivery(
    session,
    publisher,
    () => clock.now(),
    options.delayTopologyPrefix,
    replicated,
  );
  // Timeouts follow a caller's clock; without one they keep their real-time timer queues.
  const rpc = new RpcClient(
    session,
    (name, outcome, ms) => metrics.rpcCall(name, outcome, ms),
    options.clock,
  );
  session.add(publisher);
  session.add(rpc);
  const jobs = new JobService({
    store: jobStore?.store,
    publisher,
    events,
    onError,
    publishEvents: options.jobs !== false && options.jobs?.events === true,
  });
  const limited = handlers.some((h) => h.kind === 'task' && h.options.rateLimit !== undefined);
  const admit = jobs.store || limited ? jobs.admit.bind(jobs) : undefined;
  const handlerRunner = metrics.timeRpcHandlers(createHandlerRunner(options.middleware ?? [], options.clock));
  const run = jobs.wrapRunner(handlerRunner, () => client); // called per handler run, after start()
  const openChannel = () => session.createChannel();
  const retryLater: WorkerDeps['retryLater'] = (queue, body, properties, delayMs) =>
    delayed.publish(queue, body, properties, delayMs, { buffer: false });
  // RPC servers reply on the request's channel; the reply needs no confirm (rpc-server.ts).
  const openUnconfirmed = () => session.createChannel({ confirms: false });
  const taskConsumers = new Map<string, HandlerConsumer>();
  // One per app: a task that kills the process kills every task worker in it.
  const gate = new IsolationGate();
  const consumers: HandlerConsumer[] = handlers.map((d) => {
    switch (d.kind) {
      case 'task':
        return trackTask(
          taskConsumers,
          d.name,
          new TaskWorker(d, { publisher, events, run, openChannel, onError, admit, gate, retryLater })
            .consumer,
        );
      case 'rpc':
        return new RpcServer(d, { run, openChannel: openUnconfirmed, onError, now: () => clock.now() })
          .consumer;
      case 'subscribe':
        return new Subscriber(d, { run, openChannel, onError }).consumer;
    }
  });
  // Before the consumers: it applies paused flags before they start consuming.
  const control = new JobControl(jobs, { tasks: taskConsumers, openChannel, onError });
  session.add(control);
  for (const c of consumers) session.add(c);
  session.add(delayed);
  const client = new WarrenClient({
    publisher,
    delayed,
    now: () => clock.now(),
    rpc,
    taskQueues: queueMap(handlers, 'task'),
    rpcQueues: queueMap(handlers, 'rpc'),
    middleware: options.clientMiddleware ?? [],
    jobs,
  });
  const schedules = new ScheduleRunner({
    publisher,
    delayed,
    clock,
    prefix: options.delayTopologyPrefix ?? DEFAULT_DELAY_PREFIX,
    openChannel,
    onError,
    queueType: replicated,
    enqueue: (def, tick) => client.enqueueTo(def.queue, def.task, def.payload ?? {}, runOptions(def, tick)),
  });
  session.add(schedules);
  const parts: AppParts = {
    schedules,
    transport,
    handlers,
    session,
    publisher,
    rpc,
    consumers,
    events,
    metrics,
    client,
    ownsTransport,
    shutdownTimeout: options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
    ownedBroker,
    jobs: { control, service: jobs, ownedStore: jobStore?.owned ? jobStore.store : undefined, onError },
  };
  return { app: new WarrenApp<C>(parts), session, schedules };
}

function queueOf(handlers: readonly HandlerDescriptor[], task: string): string {
  const h = handlers.find((d) => d.kind === 'task' && d.name === task);
  return h?.kind === 'task' ? h.options.queue : task;
}

function trackTask(
  tasks: Map<string, HandlerConsumer>,
  name: string,
  consumer: HandlerConsumer,
): HandlerConsumer {
  tasks.set(name, consumer);
  return consumer;
}

function queueMap(handlers: readonly HandlerDescriptor[], kind: 'task' | 'rpc'): Map<string, string> {
  const map = new Map<string, string>();
  for (const h of handlers) if (h.kind === kind) map.set(h.name, h.options.queue);
  return map;
}

/**
 * The entry point.
 *
 * @example
 * const app = await Warren.start({ services: [Mailer], url: 'amqp://localhost' });
 * await app.client.enqueue('email.send', { to: 'a@b.c' });
 * await app.close();
 */
export const Warren = { start } as const;
