/**
 * The wire format of an RPC error reply, shared by the RPC server (which sends it) and the
 * client (which rebuilds a RemoteError from it). The body is JSON and a header marks the reply
 * as an error, so a successful reply whose value merely looks like an error is never confused
 * with one, and non-Warren clients (pika, amqplib) can read it too. The remote stack is never
 * sent: it leaks internals and means nothing on the caller's machine.
 */
import type { FieldTable } from '../protocol/field-value.js';
import { FrameworkError, RemoteError, type RemoteErrorInfo } from './errors.js';

/** Header set (to `true`) on an RPC reply that carries an error. */
export const RPC_ERROR_HEADER = 'x-warren-rpc-error';

/** Content type of every RPC reply body. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Longest error message sent; longer ones are cut (a reply is not a log). */
export const MAX_ERROR_MESSAGE_LENGTH = 4096;

/** An encoded RPC error reply: what the server publishes to the caller's reply queue. */
export interface EncodedRpcError {
  body: Buffer;
  headers: FieldTable;
  contentType: string;
}

/**
 * Encodes anything a handler threw as an RPC error reply.
 *
 * @example
 * const { body, headers, contentType } = serializeRpcError(err);
 * await channel.publish('', replyTo, body, { correlationId, headers, contentType });
 */
export function serializeRpcError(err: unknown): EncodedRpcError {
  const info = describeError(err);
  return {
    body: Buffer.from(stringifyInfo(info), 'utf8'),
    headers: { [RPC_ERROR_HEADER]: true },
    contentType: JSON_CONTENT_TYPE,
  };
}

/** True when a reply's headers mark it as an error reply. */
export function isRpcErrorReply(headers: FieldTable | undefined): boolean {
  return headers?.[RPC_ERROR_HEADER] === true;
}

/**
 * Rebuilds the RemoteError an error reply describes. A malformed body still yields a
 * RemoteError (so the caller's promise always settles), naming the problem in its message.
 *
 * @example
 * if (isRpcErrorReply(msg.properties.headers)) reject(deserializeRpcError(msg.body));
 */
export function deserializeRpcError(body: Buffer): RemoteError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return new RemoteError({ name: 'Error', message: 'malformed RPC error reply (not JSON)' });
  }
  return new RemoteError(readInfo(parsed));
}

function describeError(err: unknown): RemoteErrorInfo {
  if (!(err instanceof Error)) return describeNonError(err);
  const info: RemoteErrorInfo = { name: err.name, message: truncate(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') info.code = code;
  if (err instanceof RemoteError && err.remoteCode !== undefined) info.code = err.remoteCode;
  if (err instanceof RemoteError) info.name = err.remoteName;
  const data = err instanceof FrameworkError ? err.toReplyData() : (err as { data?: unknown }).data;
  if (data !== undefined) info.data = data;
  info.retryable = err instanceof FrameworkError ? err.retryable : false;
  return info;
}

/**
 * A thrown value that is not an Error: a string is the message; an object keeps its own
 * string name, code and message and its data (handlers do `throw { code, message }`).
 */
function describeNonError(err: unknown): RemoteErrorInfo {
  if (typeof err !== 'object' || err === null)
    return { name: 'Error', message: truncate(String(err)), retryable: false };
  const raw = err as Record<string, unknown>;
  const message = typeof raw['message'] === 'string' ? raw['message'] : safeString(err);
  const info: RemoteErrorInfo = {
    name: typeof raw['name'] === 'string' ? raw['name'] : 'Error',
    message: truncate(message),
    retryable: false,
  };
  if (typeof raw['code'] === 'string') info.code = raw['code'];
  if (raw['data'] !== undefined) info.data = raw['data'];
  return info;
}

/** JSON text of an object (String() would say "[object Object]"). */
function safeString(value: object): string {
  try {
    return JSON.stringify(value) ?? 'non-Error value thrown';
  } catch {
    return 'non-Error value thrown';
  }
}

function stringifyInfo(info: RemoteErrorInfo): string {
  try {
    return JSON.stringify(info);
  } catch {
    // data held a cycle or a bigint: send the error without it rather than no error at all.
    const { data: _dropped, ...rest } = info;
    return JSON.stringify(rest);
  }
}

function readInfo(parsed: unknown): RemoteErrorInfo {
  if (typeof parsed !== 'object' || parsed === null) {
    return { name: 'Error', message: 'malformed RPC error reply (not an object)' };
  }
  const raw = parsed as Record<string, unknown>;
  const info: RemoteErrorInfo = {
    name: typeof raw['name'] === 'string' ? raw['name'] : 'Error',
    message: typeof raw['message'] === 'string' ? raw['message'] : '',
  };
  if (typeof raw['code'] === 'string') info.code = raw['code'];
  if (raw['data'] !== undefined) info.data = raw['data'];
  if (typeof raw['retryable'] === 'boolean') info.retryable = raw['retryable'];
  return info;
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…`;
}
