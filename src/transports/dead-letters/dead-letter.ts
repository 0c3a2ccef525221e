/**
 * One dead-lettered task message as an operator reads it: why it died (Warren's
 * `x-warren-*` failure headers, or the broker's `x-death` when the broker dead-lettered it),
 * its properties, headers and payload as JSON, and an id to act on it by (its message id, or
 * `#<position>` in the dead-letter queue when it has none).
 */
import type { BasicProperties } from '../../protocol/properties.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { tableToJson, valueToJson, type Json } from '../http/field-json.js';
import type { TransportMessage } from '../transport.js';

/** The prefix of the failure headers a Warren worker writes (framework/retry-headers.ts). */
export const WARREN_HEADER_PREFIX = 'x-warren-';

/** Headers a broker writes when it dead-letters, or counts deliveries with. */
const BROKER_DEATH_HEADERS = [
  'x-death',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-first-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-last-death-exchange',
  'x-delivery-count',
];

export interface DeathRecord {
  queue: Json;
  reason: Json;
  count: Json;
  exchange: Json;
  routingKeys: Json;
  time: Json;
}

export interface DeadLetter {
  /** The message id, or `#<position>` (1-based) when the message has none. */
  id: string;
  position: number;
  messageId: string | null;
  /** x-warren-dead-reason, else the broker's reason (rejected, expired, maxlen, delivery_limit). */
  reason: string | null;
  errorName: string | null;
  error: string | null;
  errorCode: string | null;
  attempt: number | null;
  firstFailure: string | null;
  lastFailure: string | null;
  deaths: DeathRecord[];
  headers: { [key: string]: Json };
  properties: { [key: string]: Json };
  payload: string;
  payloadEncoding: 'string' | 'base64';
  payloadBytes: number;
  redelivered: boolean;
}

/** The operator's view of `message`, the `position`-th in its dead-letter queue. */
export function describeDeadLetter(message: TransportMessage, position: number): DeadLetter {
  const headers = message.properties.headers ?? {};
  const text = (key: string) => {
    const v = valueToJson(headers[WARREN_HEADER_PREFIX + key]);
    if (v === null) return null;
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  const deaths = deathRecords(headers);
  const attempt = Number(text('attempt'));
  const messageId = message.properties.messageId ?? null;
  const asText = isUtf8(message.body);
  return {
    id: messageId ?? `#${position}`,
    position,
    messageId,
    reason: text('dead-reason') ?? (typeof deaths[0]?.reason === 'string' ? deaths[0].reason : null),
    errorName: text('error-name'),
    error: text('error'),
    errorCode: text('error-code'),
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
    firstFailure: isoTime(headers[WARREN_HEADER_PREFIX + 'first-failure']),
    lastFailure: isoTime(headers[WARREN_HEADER_PREFIX + 'last-failure']),
    deaths,
    headers: tableToJson(headers),
    properties: propertiesJson(message.properties),
    payload: message.body.toString(asText ? 'utf8' : 'base64'),
    payloadEncoding: asText ? 'string' : 'base64',
    payloadBytes: message.body.length,
    redelivered: message.fields.redelivered,
  };
}

/**
 * The headers a re-driven copy carries: the message's own, without Warren's failure record
 * and the broker's death record, so the worker counts attempts from 1 again, plus the
 * re-drive mark.
 */
export function resetHeaders(headers: FieldTable | undefined, now = Date.now()): FieldTable {
  const out: FieldTable = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.startsWith(WARREN_HEADER_PREFIX) || BROKER_DEATH_HEADERS.includes(key)) continue;
    out[key] = value;
  }
  out[REDRIVEN_HEADER] = now;
  return out;
}

/**
 * Marks a re-driven copy (ms since the epoch): the operator asked for the job to run again,
 * so a job store that recorded it as dead or failed lets it run instead of dropping it as a
 * duplicate of a finished job.
 */
export const REDRIVEN_HEADER = `${WARREN_HEADER_PREFIX}redriven`;

function deathRecords(headers: FieldTable): DeathRecord[] {
  const raw = headers['x-death'];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry) => {
    const e = valueToJson(entry);
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return [];
    return [
      {
        queue: e['queue'] ?? null,
        reason: e['reason'] ?? null,
        count: e['count'] ?? null,
        exchange: e['exchange'] ?? null,
        routingKeys: e['routing-keys'] ?? null,
        time: e['time'] ?? null,
      },
    ];
  });
}

function propertiesJson(p: BasicProperties): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(p)) {
    if (key === 'headers' || value === undefined) continue;
    out[key] = valueToJson(value as never);
  }
  return out;
}

function isoTime(v: FieldTable[string] | undefined): string | null {
  const ms = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}
