/**
 * `@Task(name, options?)`: marks a method as the handler of a task (a message on a work queue,
 * retried with backoff and dead-lettered when attempts run out). Records metadata only.
 */
import { addHandlerMetadata } from '../metadata.js';
import type { TaskOptions } from '../options.js';
import { assertName, assertOptionsObject } from './arguments.js';
import { checkTaskOptions } from './check-options.js';
import { assertUniqueInClass, methodName } from './method-target.js';

/**
 * Marks a method as a task handler. It receives the payload and a TaskContext.
 *
 * @example
 * @Task('email.send', { schema: EmailSchema, retries: 5, backoff: { type: 'exponential', delay: 1000 } })
 * async send(email: Email, ctx: TaskContext) {}
 */
export function Task(name: string, options?: TaskOptions): MethodDecorator {
  const where = `@Task(${JSON.stringify(name)})`;
  assertName(where, 'name', name);
  assertOptionsObject(where, options, true);
  checkTaskOptions(where, (options ?? {}) as Record<string, unknown>);
  const recorded = { ...options };
  return (target, key, descriptor) => {
    const method = methodName(where, target, key, descriptor);
    assertUniqueInClass(where, target, 'task', name);
    addHandlerMetadata(target, { kind: 'task', method, name, options: recorded });
  };
}
