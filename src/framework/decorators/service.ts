/**
 * `@Service(name, defaults?)`: marks a class as a Warren service and gives its handlers
 * defaults. Records metadata only; the explorer reads it when the app starts.
 */
import { setServiceMetadata } from '../metadata.js';
import type { ServiceDefaults } from '../options.js';
import { assertKnownKeys, assertName, assertOptionsObject } from './arguments.js';
import { checkRpcOptions, checkTaskOptions } from './check-options.js';

/**
 * Marks a class as a service.
 *
 * @example
 * @Service('mailer', { task: { retries: 5 } })
 * class Mailer { @Task('email.send') async send(email: Email) {} }
 */
export function Service(name: string, defaults?: ServiceDefaults): ClassDecorator {
  const where = `@Service(${JSON.stringify(name)})`;
  assertName(where, 'name', name);
  assertOptionsObject(where, defaults, true);
  const d = (defaults ?? {}) as Record<string, unknown>;
  assertKnownKeys(where, d, ['task', 'rpc']);
  if (d['task'] !== undefined) {
    assertOptionsObject(`${where} task defaults`, d['task'], false);
    checkTaskOptions(`${where} task defaults`, d['task'] as Record<string, unknown>, true);
  }
  if (d['rpc'] !== undefined) {
    assertOptionsObject(`${where} rpc defaults`, d['rpc'], false);
    checkRpcOptions(`${where} rpc defaults`, d['rpc'] as Record<string, unknown>, true);
  }
  const recorded = structuredClone(defaults ?? {});
  return (target) => {
    setServiceMetadata(target, { name, defaults: recorded });
  };
}
