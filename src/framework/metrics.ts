/**
 * The app's own metrics, in Prometheus text format (0.0.4): task outcomes and durations
 * (fed by the lifecycle events, so the worker knows nothing of them), RPC call durations on
 * the client (RpcClient's observer) and on the server (a wrapper around the handler runner).
 * `app.metrics()` renders them; the management server appends them to its /metrics.
 *
 * A deliberately small registry: counters and histograms with fixed label names, one series
 * per label-value tuple, kept in memory for the app's lifetime. Label cardinality is bounded
 * by the app's task and procedure names (plus three outcomes).
 */
import { TaskTimeoutError } from './errors.js';
import type { HandlerRunner } from './handler-runner.js';
import type { LifecycleEmitter } from './lifecycle-emitter.js';
import type { RpcCallOutcome } from './rpc-client.js';

/** Prometheus client libraries' default buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type RpcOutcome = RpcCallOutcome;

type Labels = Readonly<Record<string, string>>;

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatLabels(labels: ReadonlyArray<readonly [string, string]>): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Prometheus float formatting: +Inf, integers without a dot. */
function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

interface Series<S> {
  labels: [string, string][];
  state: S;
}

/** Series by label values, one Map level per label name (leaves hold the series). */
type SeriesTree<S> = Map<string, SeriesTree<S> | Series<S>>;

abstract class Metric<S> {
  /** Every series, in creation order (the render order). */
  readonly #series: Series<S>[] = [];
  /** Lookup without building a key: O(number of labels) Map gets per sample. */
  readonly #tree: SeriesTree<S> = new Map();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  abstract readonly type: 'counter' | 'histogram';
  protected abstract initial(): S;
  protected abstract sampleLines(labels: [string, string][], state: S): string[];

  protected series(labels: Labels): S {
    const names = this.labelNames;
    const last = names.length - 1;
    if (last < 0) return (this.#series[0] ??= this.#create(labels)).state;
    let node = this.#tree;
    for (let i = 0; i < last; i++) {
      const value = labels[names[i] as string] ?? '';
      let next = node.get(value) as SeriesTree<S> | undefined;
      if (next === undefined) node.set(value, (next = new Map()));
      node = next;
    }
    const value = labels[names[last] as string] ?? '';
    let entry = node.get(value) as Series<S> | undefined;
    if (entry === undefined) {
      entry = this.#create(labels);
      node.set(value, entry);
      this.#series.push(entry);
    }
    return entry.state;
  }

  #create(labels: Labels): Series<S> {
    const pairs = this.labelNames.map((k): [string, string] => [k, labels[k] ?? '']);
    return { labels: pairs, state: this.initial() };
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, state } of this.#series) lines.push(...this.sampleLines(labels, state));
    return lines;
  }
}

export class Counter extends Metric<{ value: number }> {
  readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).value += by;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  protected sampleLines(labels: [string, string][], state: { value: number }): string[] {
    return [`${this.name}${formatLabels(labels)} ${formatNumber(state.value)}`];
  }
}

interface HistogramState {
  /** Non-cumulative: counts[i] observations fell in (buckets[i-1], buckets[i]]. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets = DEFAULT_BUCKETS) {
    super(name, help, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const s = this.series(labels);
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= (buckets[i] as number)) {
        s.counts[i] = (s.counts[i] ?? 0) + 1;
        break;
      }
    }
    s.sum += value;
    s.count += 1;
  }

  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  protected sampleLines(labels: [string, string][], s: HistogramState): string[] {
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += s.counts[i] ?? 0;
      lines.push(`${this.name}_bucket${formatLabels([...labels, ['le', formatNumber(le)]])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${formatLabels([...labels, ['le', '+Inf']])} ${s.count}`);
    lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(s.sum)}`);
    lines.push(`${this.name}_count${formatLabels(labels)} ${s.count}`);
    return lines;
  }
}

/** Metrics in registration order, rendered together. */
export class MetricsRegistry {
  readonly #metrics: Array<Counter | Histogram> = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets?: readonly number[],
  ): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  /** Prometheus text exposition, newline-terminated. */
  render(): string {
    return `${this.#metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }

  #add<M extends Counter | Histogram>(metric: M): M {
    if (this.#metrics.some((m) => m.name === metric.name)) throw new Error(`duplicate metric ${metric.name}`);
    this.#metrics.push(metric);
    return metric;
  }
}

/** The metric names the framework exports (docs/operations.md lists them). */
export const FRAMEWORK_METRICS = {
  tasksSucceeded: 'warren_tasks_succeeded_total',
  tasksFailed: 'warren_tasks_failed_total',
  tasksRetried: 'warren_tasks_retried_total',
  tasksDeadLettered: 'warren_tasks_dead_lettered_total',
  taskDuration: 'warren_task_duration_seconds',
  rpcClientDuration: 'warren_rpc_client_duration_seconds',
  rpcServerDuration: 'warren_rpc_server_duration_seconds',
} as const;

/** The framework's metrics of one app. */
export class FrameworkMetrics {
  readonly registry = new MetricsRegistry();
  readonly #succeeded = this.registry.counter(
    FRAMEWORK_METRICS.tasksSucceeded,
    'Task attempts that succeeded',
    ['task'],
  );
  readonly #failed = this.registry.counter(
    FRAMEWORK_METRICS.tasksFailed,
    'Task attempts that failed (each attempt, before the retry or dead-letter decision)',
    ['task'],
  );
  readonly #retried = this.registry.counter(FRAMEWORK_METRICS.tasksRetried, 'Tasks scheduled for a retry', [
    'task',
  ]);
  readonly #deadLettered = this.registry.counter(
    FRAMEWORK_METRICS.tasksDeadLettered,
    'Tasks moved to their dead-letter queue',
    ['task'],
  );
  readonly #taskDuration = this.registry.histogram(
    FRAMEWORK_METRICS.taskDuration,
    'Duration of task attempts (succeeded or failed), seconds',
    ['task'],
  );
  readonly #rpcClient = this.registry.histogram(
    FRAMEWORK_METRICS.rpcClientDuration,
    'RPC calls made by this app, from call to reply, seconds',
    ['procedure', 'outcome'],
  );
  readonly #rpcServer = this.registry.histogram(
    FRAMEWORK_METRICS.rpcServerDuration,
    'RPC requests handled by this app, handler time, seconds',
    ['procedure', 'outcome'],
  );

  /** Feeds the task metrics from the app's lifecycle events. */
  listen(events: LifecycleEmitter): void {
    events.on('task.succeeded', (e) => {
      this.#succeeded.inc({ task: e.taskName });
      this.#taskDuration.observe({ task: e.taskName }, e.durationMs / 1000);
    });
    events.on('task.failed', (e) => {
      this.#failed.inc({ task: e.taskName });
      this.#taskDuration.observe({ task: e.taskName }, e.durationMs / 1000);
    });
    events.on('task.retried', (e) => this.#retried.inc({ task: e.taskName }));
    events.on('task.dead-lettered', (e) => this.#deadLettered.inc({ task: e.taskName }));
  }

  /** RpcClient's observer: one settled call. */
  rpcCall(procedure: string, outcome: RpcOutcome, durationMs: number): void {
    this.#rpcClient.observe({ procedure, outcome }, durationMs / 1000);
  }

  /** Wraps the handler runner so every @Rpc call (including its timeout) is timed. */
  timeRpcHandlers(run: HandlerRunner): HandlerRunner {
    return (call) => {
      if (call.descriptor.kind !== 'rpc') return run(call);
      const procedure = call.descriptor.name;
      const t0 = performance.now();
      let running: Promise<unknown>;
      try {
        running = run(call);
      } catch (err) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the value thrown, unchanged
        running = Promise.reject(err);
      }
      return running.then(
        (value) => {
          this.#rpcServer.observe({ procedure, outcome: 'ok' }, (performance.now() - t0) / 1000);
          return value;
        },
        (err: unknown) => {
          const outcome: RpcOutcome = err instanceof TaskTimeoutError ? 'timeout' : 'error';
          this.#rpcServer.observe({ procedure, outcome }, (performance.now() - t0) / 1000);
          throw err;
        },
      );
    };
  }

  render(): string {
    return this.registry.render();
  }
}
