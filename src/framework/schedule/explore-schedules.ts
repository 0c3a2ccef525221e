/**
 * The schedules declared with @Cron / @Every on the app's services, as definitions. A
 * schedule on a method that is not a @Task, or two schedules with one name, is a TypeError.
 */
import { getScheduleMetadata } from '../decorators/schedule.js';
import type { HandlerDescriptor, ServiceInput } from '../explorer.js';
import { defineSchedule, type ScheduleDefinition } from './schedule-spec.js';

export function exploreSchedules(
  services: readonly ServiceInput[],
  handlers: readonly HandlerDescriptor[],
): ScheduleDefinition[] {
  const out: ScheduleDefinition[] = [];
  for (const service of services) {
    const isClass = typeof service === 'function';
    const proto = (isClass ? service.prototype : Object.getPrototypeOf(service)) as object;
    const owns = (h: HandlerDescriptor): boolean =>
      isClass ? Object.getPrototypeOf(h.instance) === proto : h.instance === service;
    for (const meta of getScheduleMetadata(proto)) {
      const task = handlers.find((h) => h.kind === 'task' && owns(h) && h.method === meta.method);
      if (task === undefined) {
        const cls = (proto.constructor as { name?: string }).name ?? 'class';
        throw new TypeError(`${cls}.${meta.method}: @Cron / @Every need a @Task on the same method`);
      }
      out.push(defineSchedule(task.name, meta.when, meta.options));
    }
  }
  assertUniqueNames(out);
  return out;
}

export function assertUniqueNames(defs: readonly ScheduleDefinition[]): void {
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) throw new TypeError(`two schedules are named "${d.name}"; give one a name option`);
    seen.add(d.name);
  }
}
