/**
 * Runs schedules exactly once per tick across any number of worker processes, with no beat
 * process. Every process with schedules consumes one durable queue, `<prefix>.schedules`, with
 * `x-single-active-consumer`: the broker delivers to one consumer only (the leader), and to the
 * next one when the leader's connection dies (failover). The schedule state lives in the
 * broker as messages, so it survives restarts of every process:
 *
 * - register: a process starting (or app.schedule) sends its definitions; the leader starts a
 *   token for each schedule it does not know yet (or whose definition changed);
 * - tick token: one persistent message per schedule, delayed (delay/delayed-delivery.ts) until
 *   the schedule's next tick. The leader enqueues the task for the tick, sends the token for
 *   the following tick, then acks. Ticks missed while no process ran are skipped, run once or
 *   caught up per the schedule's `missed` option.
 *
 * Duplicates cannot fire twice: the leader drops a token whose tick is not after the last tick
 * it fired for that schedule, and two tokens for one schedule always carry the same tick (both
 * are "the first tick after" a time already past when either exists). The one window left is
 * a leader dying after enqueueing a tick's job and before acking its token: the next leader
 * then enqueues that tick again, with the same messageId (`<schedule>@<tick>`).
 * The leader publishes what it knows (next and last run per schedule) to
 * `<prefix>.schedules.state` (a one-message queue) for `warren schedules`.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { TransportChannel } from '../../transports/transport.js';
import type { Clock } from '../../util/clock.js';
import { HandlerConsumer } from '../consumer.js';
import type { Delivery } from '../delivery.js';
import type { DelayedDelivery } from '../delay/delayed-delivery.js';
import type { QueueType } from '../options.js';
import type { Publisher } from '../publisher.js';
import type { SessionComponent } from '../session.js';
import { assertUniqueNames } from './explore-schedules.js';
import { MAX_CATCH_UP, definitionKey, ticker, ticksToRun, type ScheduleDefinition } from './schedule-spec.js';

export const SCHEDULE_HEADER = 'x-warren-schedule';
export const SCHEDULE_TICK_HEADER = 'x-warren-schedule-tick';
const KIND_HEADER = 'x-warren-schedule-message';

/** A schedule with its target queue (the task's queue, which other processes may not know). */
export interface QueuedSchedule extends ScheduleDefinition {
  queue: string;
}

interface TickToken {
  def: QueuedSchedule;
  tick: number;
}

interface Known {
  def: QueuedSchedule;
  key: string;
  lastFired: number;
  nextRun: number | undefined;
}

/** One row of `warren schedules` (and of app.schedules()). */
export interface ScheduleStatus {
  name: string;
  task: string;
  cron?: string;
  every?: string | number;
  tz?: string;
  missed?: string;
  nextRun: string | null;
  lastRun: string | null;
}

export interface ScheduleRunnerDeps {
  publisher: Publisher;
  delayed: DelayedDelivery;
  clock: Clock;
  prefix: string;
  openChannel: () => Promise<TransportChannel>;
  onError: (err: unknown) => void;
  /**
   * Type of the schedule queues: 'quorum' on a cluster, so the leader election and the tokens
   * survive the loss of the node a classic queue would live on (default 'classic').
   */
  queueType?: QueueType;
  /** Enqueues one run of a schedule (messageId `<name>@<tick>`, schedule headers). */
  enqueue(def: QueuedSchedule, tick: number): Promise<unknown>;
}

/** The enqueue options of run `tick` of `def`. */
export function runOptions(def: ScheduleDefinition, tick: number) {
  return {
    messageId: `${def.name}@${tick}`,
    headers: { [SCHEDULE_HEADER]: def.name, [SCHEDULE_TICK_HEADER]: tick },
  };
}

export function scheduleQueue(prefix: string): string {
  return `${prefix}.schedules`;
}

export function scheduleStateQueue(prefix: string): string {
  return `${prefix}.schedules.state`;
}

export class ScheduleRunner implements SessionComponent {
  readonly #deps: ScheduleRunnerDeps;
  readonly #local = new Map<string, QueuedSchedule>();
  readonly #known = new Map<string, Known>();
  readonly #consumer: HandlerConsumer;
  #consuming = false;
  #stopped = false;
  /** Work in progress (a handled message), for app.idle(). */
  busy = 0;

  constructor(deps: ScheduleRunnerDeps) {
    this.#deps = deps;
    this.#consumer = new HandlerConsumer(
      {
        name: scheduleQueue(deps.prefix),
        prefetch: 1,
        concurrency: 1,
        setup: (ch) => this.#setup(ch),
        handle: (d) => this.#handle(d),
      },
      deps.openChannel,
      deps.onError,
    );
  }

  /** The leader-election consumer, once this process has schedules. */
  get consumer(): HandlerConsumer | undefined {
    return this.#consuming ? this.#consumer : undefined;
  }

  /** This process's schedules (declared and added at run time), with their next tick. */
  list(): ScheduleStatus[] {
    const now = this.#deps.clock.now();
    return [...this.#local.values()].map((def) => {
      const known = this.#known.get(def.name);
      return status(def, known?.nextRun ?? ticker(def)(now), known?.lastFired);
    });
  }

  /** Adds schedules (at start, or app.schedule at run time) and tells the leader. */
  async add(defs: readonly QueuedSchedule[]): Promise<void> {
    assertUniqueNames(defs);
    for (const d of defs) this.#local.set(d.name, d);
    if (this.#stopped) return;
    if (!this.#consuming) await this.start();
    else await this.#register(defs);
  }

  async start(): Promise<void> {
    if (this.#local.size === 0 || this.#stopped) return;
    this.#consuming = true;
    await this.#consumer.start();
  }

  onDisconnect(): void {
    this.#known.clear();
    this.#consumer.onDisconnect();
  }

  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    if (this.#consuming) await this.#consumer.stop(deadline);
  }

  async #setup(ch: TransportChannel): Promise<string> {
    const queue = scheduleQueue(this.#deps.prefix);
    const typeArgs: FieldTable = this.#deps.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
    await ch.assertQueue(queue, {
      durable: true,
      arguments: { ...typeArgs, 'x-single-active-consumer': true },
    });
    await ch.assertQueue(scheduleStateQueue(this.#deps.prefix), {
      durable: true,
      arguments: { ...typeArgs, 'x-max-length': 1 },
    });
    // Not awaited: during a reconnect the publisher only sends once every component is back.
    this.#register([...this.#local.values()]).catch(this.#deps.onError);
    return queue;
  }

  #register(defs: readonly QueuedSchedule[]): Promise<void> {
    return this.#send('register', { defs }, 0);
  }

  async #handle(delivery: Delivery): Promise<void> {
    this.busy++;
    try {
      const kind = delivery.message.properties.headers?.[KIND_HEADER];
      const body: unknown = JSON.parse(delivery.message.body.toString());
      if (kind === 'register') await this.#onRegister((body as { defs: QueuedSchedule[] }).defs);
      else if (kind === 'tick') await this.#onTick(body as TickToken);
      await this.#publishState();
    } catch (err) {
      this.#deps.onError(err);
    } finally {
      delivery.ack();
      this.busy--;
    }
  }

  async #onRegister(defs: readonly QueuedSchedule[]): Promise<void> {
    const now = this.#deps.clock.now();
    for (const def of defs) {
      const key = definitionKey(def);
      const known = this.#known.get(def.name);
      if (known?.key === key) continue;
      const nextRun = ticker(def)(now);
      this.#known.set(def.name, { def, key, lastFired: known?.lastFired ?? -Infinity, nextRun });
      await this.#sendToken(def, nextRun, now);
    }
  }

  async #onTick(token: TickToken): Promise<void> {
    const { def, tick } = token;
    const key = definitionKey(def);
    let known = this.#known.get(def.name);
    if (known !== undefined && known.key !== key) return; // a token of an older definition
    if (known === undefined) {
      known = { def, key, lastFired: -Infinity, nextRun: tick };
      this.#known.set(def.name, known);
    }
    if (tick <= known.lastFired) return; // a duplicate token
    const now = this.#deps.clock.now();
    const next = ticker(def);
    const due = [tick];
    for (let t = next(tick); t !== undefined && t <= now && due.length <= MAX_CATCH_UP; t = next(t))
      due.push(t);
    for (const t of ticksToRun(def, due, now)) {
      await this.#deps.enqueue(def, t).catch(this.#deps.onError);
    }
    known.lastFired = due[due.length - 1]!;
    known.nextRun = next(Math.max(now, known.lastFired));
    await this.#sendToken(def, known.nextRun, now);
  }

  async #sendToken(def: QueuedSchedule, tick: number | undefined, now: number): Promise<void> {
    if (tick === undefined) return;
    await this.#send('tick', { def, tick } satisfies TickToken, Math.max(0, tick - now));
  }

  #send(kind: string, body: unknown, delayMs: number): Promise<void> {
    const queue = scheduleQueue(this.#deps.prefix);
    const properties = {
      persistent: true,
      contentType: 'application/json',
      headers: { [KIND_HEADER]: kind },
    };
    const bytes = Buffer.from(JSON.stringify(body));
    if (delayMs >= 1) return this.#deps.delayed.publish(queue, bytes, properties, delayMs);
    return this.#deps.publisher.publish({ exchange: '', routingKey: queue, body: bytes, properties });
  }

  async #publishState(): Promise<void> {
    const schedules = [...this.#known.values()].map((k) => status(k.def, k.nextRun, k.lastFired));
    const body = Buffer.from(
      JSON.stringify({ updatedAt: new Date(this.#deps.clock.now()).toISOString(), schedules }),
    );
    await this.#deps.publisher
      .publish({
        exchange: '',
        routingKey: scheduleStateQueue(this.#deps.prefix),
        body,
        properties: { persistent: true, contentType: 'application/json' },
      })
      .catch(this.#deps.onError);
  }
}

function status(
  def: ScheduleDefinition,
  nextRun: number | undefined,
  lastFired: number | undefined,
): ScheduleStatus {
  const iso = (t: number | undefined) =>
    t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString();
  return {
    name: def.name,
    task: def.task,
    ...(def.cron !== undefined ? { cron: def.cron } : {}),
    ...(def.every !== undefined ? { every: def.every } : {}),
    ...(def.tz !== undefined ? { tz: def.tz } : {}),
    missed: def.missed ?? 'run-once',
    nextRun: iso(nextRun),
    lastRun: iso(lastFired),
  };
}
