/**
 * `@Subscribe(options)`: marks a method as an event handler bound to an exchange. With a
 * `group`, instances share one durable queue (each event handled once per group); without,
 * each instance gets its own exclusive queue (each instance sees every event). Records
 * metadata only.
 */
import { MAX_PREFETCH } from '../defaults.js';
import { addHandlerMetadata } from '../metadata.js';
import type { SubscribeOptions } from '../options.js';
import {
  assertKnownKeys,
  assertName,
  assertOptionalBoolean,
  assertOptionalInt,
  assertOptionalOneOf,
  assertOptionalSchema,
  assertOptionsObject,
  isPlainObject,
} from './arguments.js';
import { methodName } from './method-target.js';

const SUBSCRIBE_KEYS = [
  'exchange',
  'type',
  'pattern',
  'headers',
  'match',
  'group',
  'schema',
  'prefetch',
  'durableExchange',
] as const;

/**
 * Marks a method as an event handler.
 *
 * @example
 * @Subscribe({ exchange: 'logs', type: 'topic', pattern: '*.critical', group: 'alerts' })
 * async onCritical(line: LogLine) {}
 */
export function Subscribe(options: SubscribeOptions): MethodDecorator {
  const where = `@Subscribe(${isPlainObject(options) ? JSON.stringify(options.exchange) : ''})`;
  checkSubscribeOptions(where, options);
  const recorded = { ...options };
  return (target, key, descriptor) => {
    const method = methodName(where, target, key, descriptor);
    addHandlerMetadata(target, { kind: 'subscribe', method, options: recorded });
  };
}

function checkSubscribeOptions(where: string, options: unknown): asserts options is SubscribeOptions {
  assertOptionsObject(where, options, false);
  const o = options as Record<string, unknown>;
  assertKnownKeys(where, o, SUBSCRIBE_KEYS);
  checkExchangeName(where, o['exchange']);
  if (o['type'] === undefined) throw new TypeError(`${where}: type is required`);
  assertOptionalOneOf(where, 'type', o['type'], ['direct', 'fanout', 'topic', 'headers']);
  checkBinding(where, o);
  if (o['group'] !== undefined) assertName(where, 'group', o['group']);
  assertOptionalSchema(where, 'schema', o['schema']);
  assertOptionalInt(where, 'prefetch', o['prefetch'], 1, MAX_PREFETCH);
  assertOptionalBoolean(where, 'durableExchange', o['durableExchange']);
}

function checkExchangeName(where: string, exchange: unknown): void {
  if (typeof exchange !== 'string' || exchange.length === 0) {
    throw new TypeError(
      `${where}: exchange must be a non-empty string (the default exchange cannot be bound)`,
    );
  }
  if (Buffer.byteLength(exchange, 'utf8') > 255) {
    throw new RangeError(`${where}: exchange must be at most 255 bytes`);
  }
}

/** pattern for direct/topic; headers (+ match) for headers; nothing for fanout. */
function checkBinding(where: string, o: Record<string, unknown>): void {
  const type = o['type'];
  const routed = type === 'direct' || type === 'topic';
  if (routed && typeof o['pattern'] !== 'string') {
    throw new TypeError(`${where}: a ${String(type)} exchange needs a string pattern`);
  }
  if (!routed && o['pattern'] !== undefined) {
    throw new TypeError(`${where}: pattern is not used by ${String(type)} exchanges`);
  }
  if (type === 'headers') {
    if (!isPlainObject(o['headers']) || Object.keys(o['headers']).length === 0) {
      throw new TypeError(`${where}: a headers exchange needs a non-empty headers object`);
    }
    if (Object.keys(o['headers']).some((k) => k.startsWith('x-'))) {
      throw new TypeError(`${where}: headers starting with "x-" are ignored by headers exchanges`);
    }
    assertOptionalOneOf(where, 'match', o['match'], ['all', 'any']);
  } else if (o['headers'] !== undefined || o['match'] !== undefined) {
    throw new TypeError(`${where}: headers and match are only used by headers exchanges`);
  }
}
