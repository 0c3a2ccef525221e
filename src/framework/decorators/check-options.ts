/**
 * Shape checks for each decorator's options object, shared by the handler decorators and by
 * `@Service` (whose defaults are partial handler options). Cross-option rules that depend on
 * merged defaults (concurrency ≤ prefetch, priority with quorum queues) are re-checked by the
 * explorer after merging.
 */
import { MAX_PREFETCH, MAX_PRIORITY, MAX_RETRIES, MAX_TIMEOUT } from '../defaults.js';
import {
  assertKnownKeys,
  assertName,
  assertOptionalBoolean,
  assertOptionalInt,
  assertOptionalNumber,
  assertOptionalOneOf,
  assertOptionalSchema,
  isPlainObject,
} from './arguments.js';

const TASK_KEYS = [
  'queue',
  'schema',
  'prefetch',
  'concurrency',
  'retries',
  'backoff',
  'timeout',
  'priority',
  'durable',
  'queueType',
  'rateLimit',
] as const;
const RPC_KEYS = ['queue', 'schema', 'responseSchema', 'timeout', 'prefetch', 'durable'] as const;
const BACKOFF_KEYS = ['type', 'delay', 'maxDelay', 'jitter'] as const;

/** Checks `@Task` options; `defaultsOnly` for `@Service` task defaults (no queue or schema). */
export function checkTaskOptions(where: string, o: Record<string, unknown>, defaultsOnly = false): void {
  assertKnownKeys(
    where,
    o,
    defaultsOnly ? TASK_KEYS.filter((k) => k !== 'queue' && k !== 'schema') : TASK_KEYS,
  );
  if (o['queue'] !== undefined) assertName(where, 'queue', o['queue']);
  assertOptionalSchema(where, 'schema', o['schema']);
  assertOptionalInt(where, 'prefetch', o['prefetch'], 1, MAX_PREFETCH);
  assertOptionalInt(where, 'concurrency', o['concurrency'], 1, MAX_PREFETCH);
  assertOptionalInt(where, 'retries', o['retries'], 0, MAX_RETRIES);
  assertOptionalInt(where, 'timeout', o['timeout'], 1, MAX_TIMEOUT);
  assertOptionalInt(where, 'priority', o['priority'], 1, MAX_PRIORITY);
  assertOptionalBoolean(where, 'durable', o['durable']);
  assertOptionalOneOf(where, 'queueType', o['queueType'], ['classic', 'quorum']);
  if (o['backoff'] !== undefined) checkBackoff(where, o['backoff']);
  if (o['rateLimit'] !== undefined) checkRateLimit(where, o['rateLimit']);
  const { prefetch, concurrency } = o;
  if (typeof prefetch === 'number' && typeof concurrency === 'number' && concurrency > prefetch) {
    throw new RangeError(`${where}: concurrency (${concurrency}) must not exceed prefetch (${prefetch})`);
  }
  if (o['queueType'] === 'quorum' && o['priority'] !== undefined) {
    throw new TypeError(`${where}: priority (x-max-priority) is not supported by quorum queues`);
  }
}

function checkRateLimit(where: string, value: unknown): void {
  if (!isPlainObject(value)) throw new TypeError(`${where}: rateLimit must be an object { max, per }`);
  assertKnownKeys(`${where} rateLimit`, value, ['max', 'per']);
  if (value['max'] === undefined || value['per'] === undefined)
    throw new TypeError(`${where}: rateLimit needs both max and per (ms)`);
  assertOptionalInt(`${where} rateLimit`, 'max', value['max'], 1, Number.MAX_SAFE_INTEGER);
  assertOptionalInt(`${where} rateLimit`, 'per', value['per'], 1, MAX_TIMEOUT);
}

/** Checks `@Rpc` options; `defaultsOnly` for `@Service` RPC defaults. */
export function checkRpcOptions(where: string, o: Record<string, unknown>, defaultsOnly = false): void {
  assertKnownKeys(where, o, defaultsOnly ? ['timeout', 'prefetch', 'durable'] : RPC_KEYS);
  if (o['queue'] !== undefined) assertName(where, 'queue', o['queue']);
  assertOptionalSchema(where, 'schema', o['schema']);
  assertOptionalSchema(where, 'responseSchema', o['responseSchema']);
  assertOptionalInt(where, 'timeout', o['timeout'], 1, MAX_TIMEOUT);
  assertOptionalInt(where, 'prefetch', o['prefetch'], 1, MAX_PREFETCH);
  assertOptionalBoolean(where, 'durable', o['durable']);
}

/** Checks a backoff option: type, a delay, an optional cap ≥ delay and a jitter fraction. */
export function checkBackoff(where: string, value: unknown): void {
  if (!isPlainObject(value)) throw new TypeError(`${where}: backoff must be an object`);
  assertKnownKeys(`${where} backoff`, value, BACKOFF_KEYS);
  if (value['type'] !== 'fixed' && value['type'] !== 'exponential') {
    throw new TypeError(`${where}: backoff.type must be 'fixed' or 'exponential'`);
  }
  if (value['delay'] === undefined) throw new TypeError(`${where}: backoff.delay is required`);
  assertOptionalInt(where, 'backoff.delay', value['delay'], 0, MAX_TIMEOUT);
  assertOptionalInt(where, 'backoff.maxDelay', value['maxDelay'], 0, MAX_TIMEOUT);
  assertOptionalNumber(where, 'backoff.jitter', value['jitter'], 0, 1);
  const { delay, maxDelay } = value;
  if (typeof delay === 'number' && typeof maxDelay === 'number' && maxDelay < delay) {
    throw new RangeError(`${where}: backoff.maxDelay (${maxDelay}) must be ≥ backoff.delay (${delay})`);
  }
}
