/**
 * Eager checks of decorator arguments. A wrong option must fail when the class is defined,
 * naming the decorator and the option, not minutes later when a worker declares a queue.
 * Wrong types throw TypeError, numbers out of range RangeError.
 */
import { MAX_NAME_BYTES } from '../defaults.js';

/** Checks a task, RPC, service, group or queue name. */
export function assertName(where: string, what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${where}: ${what} must be a non-empty string`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) {
    throw new RangeError(`${where}: ${what} must be at most ${MAX_NAME_BYTES} bytes`);
  }
  if (value.startsWith('amq.')) {
    throw new TypeError(`${where}: ${what} "${value}" uses the reserved "amq." prefix`);
  }
  if (/[\s\p{Cc}]/u.test(value)) {
    throw new TypeError(`${where}: ${what} "${value}" must not contain whitespace or control characters`);
  }
}

/** Checks an optional integer option lies in [min, max]. */
export function assertOptionalInt(
  where: string,
  what: string,
  value: unknown,
  min: number,
  max: number,
): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value))) {
    throw new TypeError(`${where}: ${what} must be an integer, got ${describe(value)}`);
  }
  assertOptionalNumber(where, what, value, min, max);
}

/** Checks an optional number lies in [min, max] (fractions allowed). */
export function assertOptionalNumber(
  where: string,
  what: string,
  value: unknown,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${where}: ${what} must be a number, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${where}: ${what} must be between ${min} and ${max}, got ${value}`);
  }
}

export function assertOptionalBoolean(where: string, what: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${where}: ${what} must be a boolean, got ${describe(value)}`);
  }
}

/** Checks an optional value is one of `allowed`. */
export function assertOptionalOneOf(
  where: string,
  what: string,
  value: unknown,
  allowed: readonly string[],
): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new TypeError(`${where}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
}

/** Checks a JSON Schema is at least the right kind of value (ajv checks the rest later). */
export function assertOptionalSchema(where: string, what: string, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (!isPlainObject(value)) {
    throw new TypeError(`${where}: ${what} must be a JSON Schema object or boolean`);
  }
}

/** Checks an options argument is a plain object (or absent when `optional`). */
export function assertOptionsObject(where: string, value: unknown, optional: boolean): void {
  if (value === undefined && optional) return;
  if (!isPlainObject(value)) throw new TypeError(`${where}: options must be an object`);
}

/** Rejects option keys the decorator does not know (catches typos such as `retry`). */
export function assertKnownKeys(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
