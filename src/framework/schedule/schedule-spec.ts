/**
 * What a schedule is: a task to enqueue, with a payload, on the ticks of a cron expression (in
 * a time zone) or of an interval; and what to do with ticks missed while no worker ran.
 */
import { CronExpression } from './cron.js';
import { nextIntervalTick, parseInterval } from './interval.js';

/**
 * Ticks missed while no worker was running (or the leader was failing over):
 * 'skip' drops them, 'run-once' (default) runs the latest once, 'catch-up' runs each of them
 * (at most MAX_CATCH_UP).
 */
export type MissedTicks = 'skip' | 'run-once' | 'catch-up';

export const MAX_CATCH_UP = 1000;
/** A tick handled within this many ms of its time is on time, not missed. */
export const ON_TIME_GRACE_MS = 5000;

export interface ScheduleOptions {
  /** Unique across the app's schedules; default `<task>@<cron or every>`. */
  name?: string;
  /** IANA time zone of a cron expression (default 'UTC'). */
  tz?: string;
  /** Payload each run is enqueued with (default {}). */
  payload?: unknown;
  missed?: MissedTicks;
}

/** A schedule as it travels between processes (JSON). */
export interface ScheduleDefinition {
  name: string;
  task: string;
  cron?: string;
  every?: string | number;
  tz?: string;
  payload?: unknown;
  missed?: MissedTicks;
}

/** Builds and checks a definition (throws CronSyntaxError / RangeError / TypeError). */
export function defineSchedule(
  task: string,
  when: { cron: string } | { every: string | number },
  options: ScheduleOptions = {},
): ScheduleDefinition {
  const def: ScheduleDefinition = {
    name: options.name ?? `${task}@${'cron' in when ? when.cron : String(when.every)}`,
    task,
    ...when,
    ...(options.tz !== undefined ? { tz: options.tz } : {}),
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
    ...(options.missed !== undefined ? { missed: options.missed } : {}),
  };
  if (def.missed !== undefined && !['skip', 'run-once', 'catch-up'].includes(def.missed))
    throw new TypeError(`missed must be 'skip', 'run-once' or 'catch-up', got ${String(def.missed)}`);
  if ('every' in when && options.tz !== undefined) throw new TypeError('tz applies to cron schedules only');
  ticker(def);
  return def;
}

/** The tick function of a definition: the first tick strictly after a time. */
export function ticker(def: ScheduleDefinition): (after: number) => number | undefined {
  if (def.cron !== undefined) {
    const cron = new CronExpression(def.cron, def.tz ?? 'UTC');
    return (after) => cron.next(after);
  }
  if (def.every !== undefined) {
    const period = parseInterval(def.every);
    return (after) => nextIntervalTick(period, after);
  }
  throw new TypeError(`schedule "${def.name}" needs cron or every`);
}

/** Identity of a definition's timing and target: tokens of an older version are dropped. */
export function definitionKey(def: ScheduleDefinition): string {
  return JSON.stringify([
    def.task,
    def.cron ?? null,
    def.every ?? null,
    def.tz ?? null,
    def.payload ?? null,
    def.missed ?? null,
  ]);
}

/** Which of the due ticks (ascending, the first being the token's own) to run at `now`. */
export function ticksToRun(def: ScheduleDefinition, due: readonly number[], now: number): number[] {
  if (due.length === 1 && now - due[0]! <= ON_TIME_GRACE_MS) return [...due];
  switch (def.missed ?? 'run-once') {
    case 'skip':
      return [];
    case 'run-once':
      return due.length > 0 ? [due[due.length - 1]!] : [];
    case 'catch-up':
      return due.slice(-MAX_CATCH_UP);
  }
}
