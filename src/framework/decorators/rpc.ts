/**
 * `@Rpc(name, options?)`: marks a method as an RPC handler; its return value (or thrown
 * error) is the reply. Records metadata only.
 */
import { addHandlerMetadata } from '../metadata.js';
import type { RpcOptions } from '../options.js';
import { assertName, assertOptionsObject } from './arguments.js';
import { checkRpcOptions } from './check-options.js';
import { assertUniqueInClass, methodName } from './method-target.js';

/**
 * Marks a method as an RPC handler.
 *
 * @example
 * @Rpc('mailer.stats', { schema: StatsRequestSchema, timeout: 5_000 })
 * async stats(req: StatsRequest): Promise<Stats> {}
 */
export function Rpc(name: string, options?: RpcOptions): MethodDecorator {
  const where = `@Rpc(${JSON.stringify(name)})`;
  assertName(where, 'name', name);
  assertOptionsObject(where, options, true);
  checkRpcOptions(where, (options ?? {}) as Record<string, unknown>);
  const recorded = { ...options };
  return (target, key, descriptor) => {
    const method = methodName(where, target, key, descriptor);
    assertUniqueInClass(where, target, 'rpc', name);
    addHandlerMetadata(target, { kind: 'rpc', method, name, options: recorded });
  };
}
