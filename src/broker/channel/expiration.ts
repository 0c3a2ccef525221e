/**
 * The `expiration` property: a string holding a non-negative integer of milliseconds.
 * Anything else fails the publish with RabbitMQ's 406 texts.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import { Method } from '../methods.js';

export function parseExpiration(expiration: string): number {
  if (!/^-?\d+$/.test(expiration)) {
    throw preconditionFailed(`invalid expiration '${expiration}': no_integer`, Method.basicPublish);
  }
  const n = Number(expiration);
  if (n < 0)
    throw preconditionFailed(
      `invalid expiration '${expiration}': {value_negative,${n}}`,
      Method.basicPublish,
    );
  return n;
}
