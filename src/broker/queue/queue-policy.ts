/**
 * A queue's effective configuration under a policy, with RabbitMQ's precedence
 * (rabbit_amqqueue_process's args-policy table, rabbit_quorum_queue for delivery-limit):
 * for message-ttl, expires, max-length, max-length-bytes and delivery-limit the lower of
 * the x-argument and the policy value wins; for dead-letter-exchange,
 * dead-letter-routing-key and overflow the x-argument wins and the policy fills in.
 * queue-mode is accepted and shown but changes nothing (Warren pages durable queues anyway).
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Policy } from '../policies.js';
import { DEFAULT_DELIVERY_LIMIT } from './queue-config.js';
import type { Overflow, QueueConfig } from './queue-config.js';

const lower = (arg: number | undefined, policy: unknown): number | undefined =>
  typeof policy !== 'number' ? arg : arg === undefined ? policy : Math.min(arg, policy);

const argOr = <T>(arg: T | undefined, policy: unknown): T | undefined =>
  arg !== undefined ? arg : (policy as T | undefined);

/** `base` (parsed from `args`) with `policy` applied; `base` itself when there is none. */
export function effectiveQueueConfig(
  base: QueueConfig,
  args: FieldTable,
  policy: Policy | undefined,
): QueueConfig {
  if (policy === undefined) return base;
  const d = policy.definition;
  const overflow = Object.hasOwn(args, 'x-overflow')
    ? base.overflow
    : (d['overflow'] as Overflow | undefined);
  return {
    ...base,
    messageTtl: lower(base.messageTtl, d['message-ttl']),
    expires: lower(base.expires, d['expires']),
    maxLength: lower(base.maxLength, d['max-length']),
    maxLengthBytes: lower(base.maxLengthBytes, d['max-length-bytes']),
    deadLetterExchange: argOr(base.deadLetterExchange, d['dead-letter-exchange']),
    deadLetterRoutingKey: argOr(base.deadLetterRoutingKey, d['dead-letter-routing-key']),
    overflow: overflow ?? base.overflow,
    deliveryLimit: base.type === 'quorum' ? quorumDeliveryLimit(base, args, d['delivery-limit']) : undefined,
  };
}

/** The explicit x-delivery-limit and the policy's, lower wins; RabbitMQ's default when neither. */
function quorumDeliveryLimit(base: QueueConfig, args: FieldTable, policy: unknown): number {
  const arg = Object.hasOwn(args, 'x-delivery-limit') ? base.deliveryLimit : undefined;
  return lower(arg, policy) ?? DEFAULT_DELIVERY_LIMIT;
}
