/**
 * Browser-facing protections of the management server. The API authenticates with HTTP
 * basic auth, which a browser replays on its own, so a page on another site could make a
 * signed-in operator's browser delete queues: mutating requests (PUT, POST, DELETE) are
 * refused when they carry an Origin other than the server's own, and when their body is not
 * JSON (an HTML form can only send urlencoded, multipart or text/plain bodies without a CORS
 * preflight, which this server never grants). Every response also forbids framing
 * (clickjacking) and limits the dashboard to its own scripts.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-util.js';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
};

const MUTATING = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

/** Throws 403 (foreign Origin) or 415 (a body that is not JSON) for a mutating request. */
export function refuseCrossSiteWrite(req: IncomingMessage): void {
  if (!MUTATING.has(req.method ?? '')) return;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && !sameOrigin(origin, req.headers.host)) {
    throw new HttpError(403, 'forbidden', `cross-origin request from ${origin} refused`);
  }
  if (origin === 'null') throw new HttpError(403, 'forbidden', 'cross-origin request from null refused');
  if (hasBody(req) && !isJson(req.headers['content-type'])) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'the request body must be JSON (content-type: application/json)',
    );
  }
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[\w.+-]*\+json$/.test(type));
}
