/**
 * The headers a worker writes when it retries or dead-letters a task message. They travel with
 * the message through the delay queues, so the attempt count survives broker round trips and
 * a dead message says why it died (RabbitMQ's own x-death header counts expiries, not attempts).
 */
import type { FieldTable, FieldValue } from '../protocol/field-value.js';

export const RETRY_HEADERS = {
  /** 1-based attempt number of the delivery that carries it; absent on the first attempt. */
  attempt: 'x-warren-attempt',
  /** Time of the first failure, ms since the epoch. */
  firstFailure: 'x-warren-first-failure',
  /** Time of the latest failure, ms since the epoch. */
  lastFailure: 'x-warren-last-failure',
  /** Message of the latest error (truncated). */
  error: 'x-warren-error',
  /** `name` of the latest error. */
  errorName: 'x-warren-error-name',
  /** `code` of the latest error, when it had a string code. */
  errorCode: 'x-warren-error-code',
  /** Why a message was dead-lettered (see DeadLetterReason). */
  deadReason: 'x-warren-dead-reason',
} as const;

/**
 * Why a task message went to its dead-letter queue. 'redelivered-too-often': the broker
 * redelivered it (the worker holding it crashed or lost its connection mid-attempt) on its
 * last attempt, so it is never run again.
 */
export type DeadLetterReason = 'retries-exhausted' | 'unrecoverable' | 'redelivered-too-often';

/**
 * Set by quorum queues on a redelivery. Not copied onto republished messages: a copy is a new
 * message, and a stale count would read as the new message's own.
 */
const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/** Longest error message written to a header (headers share the frame with the properties). */
export const MAX_HEADER_ERROR_LENGTH = 1024;

/** The attempt number of a delivery, from its headers (1 when absent or unreadable). */
export function attemptOf(headers: FieldTable | undefined): number {
  const n = toNumber(headers?.[RETRY_HEADERS.attempt]);
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Headers for the copy of a failed message sent to a delay queue: attempt + 1 and the error.
 *
 * @example
 * const headers = retryHeaders(msg.properties.headers, err, Date.now());
 */
export function retryHeaders(headers: FieldTable | undefined, error: unknown, now: number): FieldTable {
  return { ...failureHeaders(headers, error, now), [RETRY_HEADERS.attempt]: attemptOf(headers) + 1 };
}

/** Headers for the copy of a message sent to the dead-letter queue. */
export function deadLetterHeaders(
  headers: FieldTable | undefined,
  error: unknown,
  now: number,
  reason: DeadLetterReason,
): FieldTable {
  return { ...failureHeaders(headers, error, now), [RETRY_HEADERS.deadReason]: reason };
}

function failureHeaders(headers: FieldTable | undefined, error: unknown, now: number): FieldTable {
  const out: FieldTable = { ...headers };
  delete out[DELIVERY_COUNT_HEADER];
  out[RETRY_HEADERS.attempt] = attemptOf(headers);
  out[RETRY_HEADERS.firstFailure] = toNumber(headers?.[RETRY_HEADERS.firstFailure]) ?? now;
  out[RETRY_HEADERS.lastFailure] = now;
  const { name, message, code } = describe(error);
  out[RETRY_HEADERS.errorName] = name;
  out[RETRY_HEADERS.error] = truncate(message);
  if (code === undefined) delete out[RETRY_HEADERS.errorCode];
  else out[RETRY_HEADERS.errorCode] = code;
  return out;
}

function describe(error: unknown): { name: string; message: string; code: string | undefined } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), code: undefined };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}

function toNumber(value: FieldValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function truncate(message: string): string {
  return message.length <= MAX_HEADER_ERROR_LENGTH
    ? message
    : `${message.slice(0, MAX_HEADER_ERROR_LENGTH)}…`;
}
