/**
 * Small node:http helpers for the management API: JSON replies, RabbitMQ-style errors
 * ({ error, reason } with its status codes), bounded body reading, and path splitting with
 * per-segment URL decoding (a vhost "/" travels as %2F).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted (definitions imports included). */
const MAX_BODY = 16 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const notFound = (reason = 'Not Found'): HttpError => new HttpError(404, 'Object Not Found', reason);
export const badRequest = (reason: string): HttpError => new HttpError(400, 'bad_request', reason);
export const notAuthorised = (reason: string): HttpError => new HttpError(401, 'not_authorised', reason);

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-cache',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, e: HttpError, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ error: e.error, reason: e.reason });
  res.writeHead(e.status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Reads and parses a JSON body ({} when empty); 400 on bad JSON or a non-object. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'bad_request', 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('failed to parse JSON body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/** "/api/queues/%2F/q" → ["api", "queues", "/", "q"]; 400 on a malformed escape. */
export function pathSegments(pathname: string): string[] {
  const parts = pathname.split('/').filter((p) => p !== '');
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    throw badRequest('malformed URL escape');
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Reads `key` of a JSON body as a boolean (default when absent). */
export function boolField(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`${key} must be a boolean`);
}
