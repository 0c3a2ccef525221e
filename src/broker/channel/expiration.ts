/**
 * The `expiration` property: a string holding a non-negative integer of milliseconds.
 * Anything else fails the publish with RabbitMQ's 406 texts. messageTtl() is what
 * basic.publish and tx.commit hand the queues (-1 = none).
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/properties.js';
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

/** A publish's per-message TTL in ms, or -1 when it has no `expiration`. */
export function messageTtl(properties: BasicProperties): number {
  return properties.expiration === undefined ? -1 : parseExpiration(properties.expiration);
}
