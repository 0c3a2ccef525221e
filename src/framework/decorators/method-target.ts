/**
 * Checks shared by the method decorators: they apply to instance methods with string names,
 * and a name (task or RPC) may have only one handler per class.
 */
import { getOwnHandlerMetadata } from '../metadata.js';

/** Returns the method name, or throws when the decorator is misplaced. */
export function methodName(
  where: string,
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor | undefined,
): string {
  if (typeof target === 'function') {
    throw new TypeError(`${where}: static methods cannot be handlers (on ${target.name}.${String(key)})`);
  }
  if (typeof key !== 'string') throw new TypeError(`${where}: handler methods need string names`);
  if (typeof descriptor?.value !== 'function') {
    throw new TypeError(`${where}: can only decorate a method (${key} is not one)`);
  }
  return key;
}

/** Throws if this class already declared a handler of `kind` with `name`. */
export function assertUniqueInClass(
  where: string,
  prototype: object,
  kind: 'task' | 'rpc',
  name: string,
): void {
  const clash = getOwnHandlerMetadata(prototype).find((h) => h.kind === kind && h.name === name);
  if (clash) {
    const owner = (prototype.constructor as { name?: string }).name ?? 'class';
    throw new TypeError(`${where}: ${owner} already handles ${kind} "${name}" in method ${clash.method}`);
  }
}
