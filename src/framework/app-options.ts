/**
 * The options of `Warren.start`. Kept apart from app.ts so docs and tests can import the shape
 * without the runtime.
 */
import type { UserStore } from '../broker/access/user-store.js';
import type { Broker } from '../broker/broker.js';
import type { Transport } from '../transports/transport.js';
import type { Clock } from '../util/clock.js';
import type { ClientMiddleware } from './client-middleware.js';
import type { ExploreOptions, ServiceInput } from './explorer.js';
import type { JobStore, RetentionOptions } from './jobs/job-store.js';
import type { Middleware } from './middleware.js';
import type { QueueType } from './options.js';

/** Reconnect schedule for a `url` connection (see AmqpTransport). */
export interface ReconnectSettings {
  initialDelayMs?: number;
  maxDelayMs?: number;
  jitter?: number;
  maxAttempts?: number;
}

/**
 * The management HTTP server (API, dashboard, /metrics) on the app's embedded broker, with
 * the app's framework metrics appended to /metrics. Closed by app.close().
 */
export interface ManagementOptions {
  /** 0 picks a free port (see app.managementAddress). */
  port: number;
  /** Default '127.0.0.1' (this process only); '0.0.0.0' to expose it. */
  host?: string;
  /** Users for HTTP basic auth on /api; default guest/guest (loopback only). */
  users?: UserStore;
}

export interface WarrenStartOptions<C = Record<never, never>> {
  /** @Service classes (built with `new`, or `instantiate`) or ready instances. */
  services?: readonly ServiceInput[];
  /** amqp:// URL of RabbitMQ or a Warren server: connects with the AMQP client transport. */
  url?: string;
  /**
   * The amqp:// URLs of a RabbitMQ cluster's nodes, instead of `url`: each connection attempt
   * takes the next one, so the app connects to any live node and fails over on reconnect.
   * More than one url means a cluster: tasks then default to quorum queues (`taskQueueType`).
   */
  urls?: readonly string[];
  /**
   * Queue type of tasks that set no `queueType` (decorator or @Service): default 'quorum'
   * when `urls` names more than one node, else 'classic'. Tasks with `priority` stay classic.
   * The schedule queues and the TTL delay levels follow it (docs/rabbitmq.md, Clustering).
   */
  taskQueueType?: QueueType;
  /** A transport to use instead of `url` (connected by start() if it is not yet). */
  transport?: Transport;
  /**
   * The in-process broker to run on when neither `url` nor `transport` is given (the
   * default). Pass one to share it between apps or to open a TCP listener on it; without
   * it, start() creates a private broker that close() shuts down.
   */
  broker?: Broker;
  /**
   * Makes the embedded broker persistent: durable queues and their persistent messages
   * (Warren's tasks are both) are kept under this directory and recovered by the next
   * start() with the same dataDir (see Broker.open). Without it the embedded broker is in
   * memory. Not combinable with `url`, `transport` or `broker`.
   */
  dataDir?: string;
  /** Types `app.client` (see contract.ts); not used at runtime. */
  contract?: C;
  /** Builds service classes, e.g. from a DI container. */
  instantiate?: ExploreOptions['instantiate'];
  /** Around every handler call, outermost first. */
  middleware?: readonly Middleware[];
  /** Around every client operation (enqueue, call, publish), outermost first. */
  clientMiddleware?: readonly ClientMiddleware[];
  /** How long close() lets in-flight handlers finish before nacking them back, ms (default 10 000). */
  shutdownTimeout?: number;
  /** Messages held while disconnected before publishes fail with BufferFullError (default 1000). */
  publishBufferSize?: number;
  /** Reconnect schedule for `url` connections; false disables reconnecting. */
  reconnect?: ReconnectSettings | false;
  /** Close gracefully on SIGTERM and SIGINT (default false). */
  handleSignals?: boolean;
  /** Errors nobody awaits (a subscriber that threw, a failed reply); default: console.error. */
  onError?: (err: unknown) => void;
  /** Connection name shown by the broker (url connections). */
  connectionName?: string;
  /** Runs the management server on the embedded broker (not with `url` or a non-embedded transport). */
  management?: ManagementOptions;
  /**
   * The app's time: runAt, schedules and, for the private embedded broker start() creates,
   * the broker's delays and TTLs. A ManualClock makes time-based flows testable in
   * milliseconds (docs/testing.md). Default: the system clock.
   */
  clock?: Clock;
  /**
   * Prefix of the delayed-delivery topology's names (default 'warren': `warren.delayed`, or
   * `warren.delay.<k>` on a RabbitMQ without the delayed-message plugin). Apps sharing a
   * broker may share it.
   */
  delayTopologyPrefix?: string;
  /** Job state tracking; false turns it off (handles then know no job). */
  jobs?: JobsOptions | false;
}

/** Job state tracking (docs/jobs.md). */
export interface JobsOptions {
  /**
   * Where job state lives: a JobStore, or a database URL (postgres://…) for apps on several
   * machines. Default: a file in `dataDir` when given, else memory shared by the apps on the
   * same in-process broker (each process its own over `url`).
   */
  store?: JobStore | string;
  /** How long finished jobs are kept (default: the newest 10 000 per task and state, for 24 h). */
  retention?: RetentionOptions;
  /**
   * Publish every state change on the warren.jobs exchange for `app.watchJobs` (default
   * false: like Celery's `-E`, turn it on in the apps whose jobs you want to watch).
   */
  events?: boolean;
}

/** Options of `app.close()`. */
export interface CloseOptions {
  /** Overrides `shutdownTimeout` for this close, ms. */
  timeout?: number;
}

/** Default `shutdownTimeout`. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
