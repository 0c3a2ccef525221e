/**
 * `@Cron(expression, options?)` and `@Every(interval, options?)`: run the @Task on the same
 * method on a schedule. Records metadata only; the app checks it at start (a schedule on a
 * method without @Task is a TypeError) and runs it exactly once per tick across all workers
 * (schedule/schedule-runner.ts). Checks the expression at decoration time.
 */
import 'reflect-metadata';
import type { ScheduleOptions } from '../schedule/schedule-spec.js';
import { CronExpression } from '../schedule/cron.js';
import { parseInterval } from '../schedule/interval.js';
import { assertOptionsObject } from './arguments.js';
import { methodName } from './method-target.js';

/** Key of the schedule records, stored on the class prototype. */
export const SCHEDULES_METADATA: unique symbol = Symbol('warren:schedules');

export interface ScheduleMetadata {
  method: string;
  when: { cron: string } | { every: string | number };
  options: ScheduleOptions;
}

/**
 * Runs the method's task on a cron schedule (5 fields, wall time in `tz`, default UTC).
 *
 * @example
 * @Task('report.daily') @Cron('0 6 * * mon-fri', { tz: 'Europe/Paris' })
 * async report() {}
 */
export function Cron(expression: string, options?: ScheduleOptions): MethodDecorator {
  const where = `@Cron(${JSON.stringify(expression)})`;
  assertOptionsObject(where, options, true);
  new CronExpression(expression, options?.tz ?? 'UTC');
  return record(where, { cron: expression }, options);
}

/**
 * Runs the method's task every interval ('30s', '5m', '1h', or ms); ticks fall on multiples of
 * the interval since the epoch.
 *
 * @example
 * @Task('cache.refresh') @Every('5m')
 * async refresh() {}
 */
export function Every(interval: string | number, options?: ScheduleOptions): MethodDecorator {
  const where = `@Every(${JSON.stringify(interval)})`;
  assertOptionsObject(where, options, true);
  parseInterval(interval);
  return record(where, { every: interval }, options);
}

function record(
  where: string,
  when: ScheduleMetadata['when'],
  options: ScheduleOptions | undefined,
): MethodDecorator {
  const recorded = { ...options };
  return (target, key, descriptor) => {
    const method = methodName(where, target, key, descriptor);
    const own = (Reflect.getOwnMetadata(SCHEDULES_METADATA, target) as ScheduleMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(SCHEDULES_METADATA, [...own, { method, when, options: recorded }], target);
  };
}

/** Schedule records of a prototype's chain (base classes first). */
export function getScheduleMetadata(prototype: object): ScheduleMetadata[] {
  const chain: object[] = [];
  for (let p: unknown = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    chain.unshift(p);
  return chain.flatMap(
    (p) => (Reflect.getOwnMetadata(SCHEDULES_METADATA, p) as ScheduleMetadata[] | undefined) ?? [],
  );
}
