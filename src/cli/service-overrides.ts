/**
 * `warren worker --concurrency N`: a subclass of a service whose handler records carry the
 * override. The explorer lets a subclass's records replace its base's per method, so the
 * user's class and its metadata stay untouched.
 */
import 'reflect-metadata';
import {
  HANDLERS_METADATA,
  getHandlerMetadata,
  getServiceMetadata,
  setServiceMetadata,
  type HandlerMetadata,
} from '../framework/metadata.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class constructor
type ServiceClass = Function;

/** A subclass of `cls` whose every handler uses prefetch = concurrency = n. */
export function withConcurrency(cls: ServiceClass, n: number): ServiceClass {
  const meta = getServiceMetadata(cls);
  if (!meta) return cls;
  const Base = cls as new () => object;
  const Sub = class extends Base {};
  Object.defineProperty(Sub, 'name', { value: cls.name });
  setServiceMetadata(Sub, meta);
  const records = getHandlerMetadata(cls).map((h) => override(h, n));
  Reflect.defineMetadata(HANDLERS_METADATA, records, Sub.prototype);
  return Sub;
}

function override(h: HandlerMetadata, n: number): HandlerMetadata {
  switch (h.kind) {
    case 'task':
      return { ...h, options: { ...h.options, prefetch: n, concurrency: n } };
    case 'rpc':
      return { ...h, options: { ...h.options, prefetch: n } };
    case 'subscribe':
      return { ...h, options: { ...h.options, prefetch: n } };
  }
}
