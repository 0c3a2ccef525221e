/**
 * Where the decorators record what they saw, and how the explorer reads it back.
 * Keys are unique Symbols so no other library's reflect-metadata can collide with them.
 * Only Warren's own keys are read: `design:*` metadata is never used, because tsx/esbuild
 * do not emit it and the framework must behave the same compiled or not.
 */
import 'reflect-metadata';
import type { RpcOptions, ServiceDefaults, SubscribeOptions, TaskOptions } from './options.js';

/** Key of the `@Service` record, stored on the class. */
export const SERVICE_METADATA: unique symbol = Symbol('warren:service');
/** Key of the handler records, stored on the class prototype (one array per class). */
export const HANDLERS_METADATA: unique symbol = Symbol('warren:handlers');

export interface ServiceMetadata {
  name: string;
  defaults: ServiceDefaults;
}

export type HandlerMetadata =
  | { kind: 'task'; method: string; name: string; options: TaskOptions }
  | { kind: 'rpc'; method: string; name: string; options: RpcOptions }
  | { kind: 'subscribe'; method: string; options: SubscribeOptions };

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class constructor
type ClassLike = Function;

export function setServiceMetadata(target: ClassLike, meta: ServiceMetadata): void {
  Reflect.defineMetadata(SERVICE_METADATA, meta, target);
}

/** The class's own `@Service` record; a subclass must be decorated itself. */
export function getServiceMetadata(target: ClassLike): ServiceMetadata | undefined {
  return Reflect.getOwnMetadata(SERVICE_METADATA, target) as ServiceMetadata | undefined;
}

/** Handler records declared on this prototype itself (not inherited). */
export function getOwnHandlerMetadata(prototype: object): readonly HandlerMetadata[] {
  return (Reflect.getOwnMetadata(HANDLERS_METADATA, prototype) as HandlerMetadata[] | undefined) ?? [];
}

/** Appends a record without mutating an array a base class may share. */
export function addHandlerMetadata(prototype: object, entry: HandlerMetadata): void {
  Reflect.defineMetadata(HANDLERS_METADATA, [...getOwnHandlerMetadata(prototype), entry], prototype);
}

/**
 * All handler records of a class, base classes first. A method decorated again in a subclass
 * replaces every record the base class had for that method.
 */
export function getHandlerMetadata(target: ClassLike): HandlerMetadata[] {
  const chain: object[] = [];
  for (let p: unknown = target.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    chain.unshift(p);
  }
  let result: HandlerMetadata[] = [];
  for (const proto of chain) {
    const own = getOwnHandlerMetadata(proto);
    const overridden = new Set(own.map((h) => h.method));
    result = [...result.filter((h) => !overridden.has(h.method)), ...own];
  }
  return result;
}
