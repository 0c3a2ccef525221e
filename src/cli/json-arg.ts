/**
 * Parses the JSON payload argument of call / enqueue / publish, so a typo is reported as one
 * line pointing at the argument rather than as a SyntaxError stack.
 */
import { UserError } from './command.js';

/** The parsed payload; `{}` when the argument is absent. */
export function parseJsonArg(text: string | undefined, what = 'payload'): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`the ${what} is not valid JSON (${reason}): ${text}`);
  }
}

/** Parses a positive integer option such as --count or --timeout. */
export function parsePositiveInt(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`${option} must be a positive integer, got '${value}'`, 2);
  }
  return n;
}
