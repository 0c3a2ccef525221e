/**
 * Message bodies: JSON, content type application/json, UTF-8. One place so every publisher
 * (client, retry republish, RPC replies) and every consumer agree on the format.
 */
import { JSON_CONTENT_TYPE } from './rpc-error-codec.js';
import { UnrecoverableError } from './errors.js';

export { JSON_CONTENT_TYPE };

/** Encodes a payload. `undefined` is sent as JSON null (JSON has no undefined). */
export function serialize(payload: unknown): Buffer {
  const text = JSON.stringify(payload === undefined ? null : payload);
  if (text === undefined) throw new TypeError('payload is not JSON-serializable');
  return Buffer.from(text, 'utf8');
}

/**
 * Decodes a body. A body that is not JSON (or declares another content type) can never be
 * handled, so it fails with UnrecoverableError: the message goes to the dead-letter queue
 * instead of being retried.
 */
export function deserialize(body: Buffer, contentType: string | undefined): unknown {
  if (
    contentType !== undefined &&
    contentType !== JSON_CONTENT_TYPE &&
    !contentType.startsWith('application/json')
  ) {
    throw new UnrecoverableError(`unsupported content type "${contentType}" (expected ${JSON_CONTENT_TYPE})`);
  }
  if (body.length === 0) return null;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new UnrecoverableError('message body is not valid JSON', { cause: err });
  }
}
