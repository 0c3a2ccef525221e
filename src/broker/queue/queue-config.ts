/**
 * Queue arguments: validation at declare (RabbitMQ's 406 texts) and the parsed, typed
 * configuration a Queue runs with. Also the equivalence check on redeclare.
 *
 * Invariant: a QueueConfig is immutable; a policy gives the queue a new effective one
 * (queue-policy.ts) built from the one parsed here.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { FieldTable, FieldValue } from '../../protocol/field-value.js';
import { fieldTypeName, fieldValuesEqual, plainValue, showValue } from '../field-types.js';
import { Method } from '../methods.js';

export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
export type QueueType = 'classic' | 'quorum';

export interface QueueConfig {
  type: QueueType;
  messageTtl: number | undefined;
  expires: number | undefined;
  deadLetterExchange: string | undefined;
  deadLetterRoutingKey: string | undefined;
  maxLength: number | undefined;
  maxLengthBytes: number | undefined;
  overflow: Overflow;
  maxPriority: number | undefined;
  singleActiveConsumer: boolean;
  /** Quorum only: returns past this many dead-letter/drop the message. */
  deliveryLimit: number | undefined;
  /**
   * `x-warren-exact-redelivered: true`: after a crash of a broker with a data dir, only
   * messages that were really handed out come back redelivered (the delivery horizon is
   * raised one message at a time, delivery-horizon.ts). Warren's task quarantine queues use
   * it: a redelivered suspect there is charged. Other brokers ignore the argument (their
   * flag is exact when the broker did not crash).
   */
  exactRedelivered: boolean;
}

/** The queue argument asking for exact redelivered flags after a crash (see QueueConfig). */
export const EXACT_REDELIVERED_ARG = 'x-warren-exact-redelivered';

/** RabbitMQ 4's default x-delivery-limit for quorum queues. */
export const DEFAULT_DELIVERY_LIMIT = 20;

/** Arguments compared on redeclare (RabbitMQ's declare-args list). */
const EQUIVALENCE_ARGS = [
  'x-expires',
  'x-message-ttl',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-single-active-consumer',
  'x-delivery-limit',
  'x-queue-version',
];

interface Ctx {
  queue: string;
  vhost: string;
  args: FieldTable;
}

const invalidArg = (c: Ctx, arg: string, detail: string) =>
  preconditionFailed(
    `invalid arg '${arg}' for queue '${c.queue}' in vhost '${c.vhost}': ${detail}`,
    Method.queueDeclare,
  );

function intArg(c: Ctx, arg: string, min: 'zero' | 'positive', max?: number): number | undefined {
  if (!Object.hasOwn(c.args, arg)) return undefined;
  const raw = plainValue(c.args[arg]);
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidArg(c, arg, `"expected integer, got ${fieldTypeName(c.args, arg)}"`);
  }
  if (value < 0) throw invalidArg(c, arg, `{value_negative,${value}}`);
  if (value === 0 && min === 'positive') throw invalidArg(c, arg, `{value_zero,0}`);
  if (max !== undefined && value > max) throw invalidArg(c, arg, `{max_value_exceeded,${value}}`);
  return value;
}

function stringArg(c: Ctx, arg: string): string | undefined {
  if (!Object.hasOwn(c.args, arg)) return undefined;
  const value = plainValue(c.args[arg]);
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw preconditionFailed(
    `invalid type '${fieldTypeName(c.args, arg)}' for arg '${arg}' in queue '${c.queue}' in vhost '${c.vhost}'`,
    Method.queueDeclare,
  );
}

function parseType(c: Ctx): QueueType {
  const t = stringArg(c, 'x-queue-type');
  if (t === undefined || t === 'classic') return 'classic';
  if (t === 'quorum') return 'quorum';
  throw invalidArg(c, 'x-queue-type', `"unsupported queue type '${t}'"`);
}

function parseOverflow(c: Ctx): Overflow {
  const o = stringArg(c, 'x-overflow');
  if (o === undefined) return 'drop-head';
  if (o === 'drop-head' || o === 'reject-publish' || o === 'reject-publish-dlx') return o;
  throw invalidArg(c, 'x-overflow', 'invalid_overflow');
}

function parseSac(c: Ctx): boolean {
  if (!Object.hasOwn(c.args, 'x-single-active-consumer')) return false;
  const v = plainValue(c.args['x-single-active-consumer']);
  if (typeof v !== 'boolean') {
    throw invalidArg(
      c,
      'x-single-active-consumer',
      `{unacceptable_type,${fieldTypeName(c.args, 'x-single-active-consumer')}}`,
    );
  }
  return v;
}

export interface QueueFlags {
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
}

/** Validates declare arguments and flags; throws RabbitMQ's 406s. */
export function parseQueueConfig(
  vhost: string,
  queue: string,
  flags: QueueFlags,
  args: FieldTable,
): QueueConfig {
  const c: Ctx = { queue, vhost, args };
  const type = parseType(c);
  if (type === 'quorum') checkQuorumFlags(c, flags);
  const dlx = stringArg(c, 'x-dead-letter-exchange');
  const dlrk = stringArg(c, 'x-dead-letter-routing-key');
  if (dlrk !== undefined && dlx === undefined) {
    throw invalidArg(c, 'x-dead-letter-routing-key', 'routing_key_but_no_dlx_defined');
  }
  const deliveryLimit = intArg(c, 'x-delivery-limit', 'zero');
  return {
    type,
    messageTtl: intArg(c, 'x-message-ttl', 'zero'),
    expires: intArg(c, 'x-expires', 'positive'),
    deadLetterExchange: dlx,
    deadLetterRoutingKey: dlrk,
    maxLength: intArg(c, 'x-max-length', 'zero'),
    maxLengthBytes: intArg(c, 'x-max-length-bytes', 'zero'),
    overflow: parseOverflow(c),
    maxPriority: type === 'classic' ? intArg(c, 'x-max-priority', 'zero', 255) : undefined,
    singleActiveConsumer: parseSac(c),
    deliveryLimit: type === 'quorum' ? (deliveryLimit ?? DEFAULT_DELIVERY_LIMIT) : undefined,
    exactRedelivered: plainValue(args[EXACT_REDELIVERED_ARG]) === true,
  };
}

function checkQuorumFlags(c: Ctx, flags: QueueFlags): void {
  const bad = !flags.durable
    ? 'non-durable'
    : flags.exclusive
      ? 'exclusive-owner'
      : flags.autoDelete
        ? 'auto-delete'
        : '';
  if (bad !== '') {
    throw preconditionFailed(
      `invalid property '${bad}' for queue '${c.queue}' in vhost '${c.vhost}'`,
      Method.queueDeclare,
    );
  }
}

function describe(args: FieldTable, key: string): string {
  return `the value '${showValue(args[key])}' of type '${fieldTypeName(args, key)}'`;
}

/** Throws RabbitMQ's 406 when `received` arguments are not equivalent to `current`. */
export function assertArgsEquivalent(
  vhost: string,
  queue: string,
  current: FieldTable,
  received: FieldTable,
): void {
  const queueType = (t: FieldValue) => (t === undefined ? 'classic' : showValue(t));
  const ct = queueType(current['x-queue-type']);
  const rt = queueType(received['x-queue-type']);
  if (Object.hasOwn(received, 'x-queue-type') && ct !== rt) {
    throw inequivalent(vhost, queue, 'x-queue-type', `'${rt}'`, `'${ct}'`);
  }
  for (const key of EQUIVALENCE_ARGS) {
    const has = Object.hasOwn(current, key);
    const got = Object.hasOwn(received, key);
    if (!has && !got) continue;
    if (has && got) {
      if (fieldValuesEqual(current[key], received[key])) continue;
      throw inequivalent(vhost, queue, key, `'${showValue(received[key])}'`, `'${showValue(current[key])}'`);
    }
    const r = got ? describe(received, key) : 'none';
    const cur = has ? describe(current, key) : 'none';
    throw inequivalent(vhost, queue, key, r, cur);
  }
}

export function inequivalent(vhost: string, queue: string, arg: string, received: string, current: string) {
  return preconditionFailed(
    `inequivalent arg '${arg}' for queue '${queue}' in vhost '${vhost}': received ${received} but current is ${current}`,
    Method.queueDeclare,
  );
}
