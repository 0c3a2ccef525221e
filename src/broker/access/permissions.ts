/**
 * Which permission each AMQP method needs on which resource, as RabbitMQ's access-control
 * table (https://www.rabbitmq.com/docs/access-control#how-permissions-work):
 *
 * | method                          | configure    | write           | read           |
 * | ------------------------------- | ------------ | --------------- | -------------- |
 * | exchange.declare (passive=false)| exchange     | AE (if any)     | exchange (AE)  |
 * | exchange.delete                 | exchange     |                 |                |
 * | queue.declare (passive=false)   | queue        | DLX (if any)    | queue (DLX)    |
 * | queue.delete                    | queue        |                 |                |
 * | exchange.bind / unbind          |              | destination     | source         |
 * | queue.bind / unbind             |              | queue           | exchange       |
 * | basic.publish                   |              | exchange        |                |
 * | basic.get / consume, queue.purge|              |                 | queue          |
 *
 * Passive declares need no permission (only vhost access). The default exchange is checked
 * under the name `amq.default`, as RabbitMQ. A refusal is a 403 channel error with
 * RabbitMQ's text: "access to queue 'q' in vhost '/' refused for user 'u'".
 */
import { accessRefused } from '../../protocol/errors.js';
import type { ChannelError, MethodRef } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { Method } from '../methods.js';
import type { PermissionKind } from './user-store.js';

/** Where permissions come from (a UserStore satisfies it). */
export interface PermissionSource {
  isPermitted(user: string, vhost: string, kind: PermissionKind, resource: string): boolean;
  /**
   * True when `user` may publish with a user_id property other than its own name (RabbitMQ's
   * `impersonator` tag). Absent: nobody may.
   */
  mayImpersonate?(user: string): boolean;
}

export type ResourceKind = 'exchange' | 'queue';

/** One required permission: `kind` on the `resource` named `name`. */
export interface Requirement {
  kind: PermissionKind;
  resource: ResourceKind;
  name: string;
}

/** The operands of a method that permissions are checked against. */
export interface Operands {
  exchange?: string;
  queue?: string;
  source?: string;
  destination?: string;
  arguments?: FieldTable;
}

export type GuardedMethod =
  | 'exchange.declare'
  | 'exchange.delete'
  | 'exchange.bind'
  | 'exchange.unbind'
  | 'queue.declare'
  | 'queue.delete'
  | 'queue.bind'
  | 'queue.unbind'
  | 'queue.purge'
  | 'basic.publish'
  | 'basic.get'
  | 'basic.consume';

type Rule = (o: Operands) => Requirement[];

const need = (kind: PermissionKind, resource: ResourceKind, name: string | undefined): Requirement => ({
  kind,
  resource,
  name: name ?? '',
});

/** An extra exchange named by an argument (alternate-exchange, x-dead-letter-exchange). */
function argExchange(args: FieldTable | undefined, key: string): string | undefined {
  const v = args?.[key];
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

const bindRule: Rule = (o) => [need('write', 'exchange', o.destination), need('read', 'exchange', o.source)];
const queueBindRule: Rule = (o) => [need('write', 'queue', o.queue), need('read', 'exchange', o.exchange)];
const readQueue: Rule = (o) => [need('read', 'queue', o.queue)];

/** The table: method → the permissions it needs, in the order RabbitMQ checks them. */
export const PERMISSION_TABLE: Readonly<Record<GuardedMethod, Rule>> = {
  'exchange.declare': (o) => {
    const out = [need('configure', 'exchange', o.exchange)];
    const ae = argExchange(o.arguments, 'alternate-exchange');
    if (ae !== undefined) out.push(need('read', 'exchange', o.exchange), need('write', 'exchange', ae));
    return out;
  },
  'exchange.delete': (o) => [need('configure', 'exchange', o.exchange)],
  'exchange.bind': bindRule,
  'exchange.unbind': bindRule,
  'queue.declare': (o) => {
    const out = [need('configure', 'queue', o.queue)];
    const dlx = argExchange(o.arguments, 'x-dead-letter-exchange');
    if (dlx !== undefined) out.push(need('read', 'queue', o.queue), need('write', 'exchange', dlx));
    return out;
  },
  'queue.delete': (o) => [need('configure', 'queue', o.queue)],
  'queue.bind': queueBindRule,
  'queue.unbind': queueBindRule,
  'queue.purge': readQueue,
  'basic.publish': (o) => [need('write', 'exchange', o.exchange)],
  'basic.get': readQueue,
  'basic.consume': readQueue,
};

const METHOD_REFS: Readonly<Record<GuardedMethod, MethodRef>> = {
  'exchange.declare': Method.exchangeDeclare,
  'exchange.delete': Method.exchangeDelete,
  'exchange.bind': Method.exchangeBind,
  'exchange.unbind': Method.exchangeUnbind,
  'queue.declare': Method.queueDeclare,
  'queue.delete': Method.queueDelete,
  'queue.bind': Method.queueBind,
  'queue.unbind': Method.queueUnbind,
  'queue.purge': Method.queuePurge,
  'basic.publish': Method.basicPublish,
  'basic.get': Method.basicGet,
  'basic.consume': Method.basicConsume,
};

/** The name a resource is matched under ('' exchange is amq.default). */
export function resourceName(r: Requirement): string {
  return r.resource === 'exchange' && r.name === '' ? 'amq.default' : r.name;
}

export function refusal(r: Requirement, vhost: string, user: string, method?: MethodRef): ChannelError {
  return accessRefused(
    `access to ${r.resource} '${resourceName(r)}' in vhost '${vhost}' refused for user '${user}'`,
    method,
  );
}

/** The first requirement of `method` the user lacks, or undefined when all are met. */
export function firstDenied(
  source: PermissionSource,
  user: string,
  vhost: string,
  method: GuardedMethod,
  operands: Operands,
): Requirement | undefined {
  for (const r of PERMISSION_TABLE[method](operands)) {
    if (!source.isPermitted(user, vhost, r.kind, resourceName(r))) return r;
  }
  return undefined;
}

/** Throws RabbitMQ's 403 ACCESS_REFUSED for the first permission `method` lacks. */
export function checkPermitted(
  source: PermissionSource,
  user: string,
  vhost: string,
  method: GuardedMethod,
  operands: Operands,
): void {
  const denied = firstDenied(source, user, vhost, method, operands);
  if (denied !== undefined) throw refusal(denied, vhost, user, METHOD_REFS[method]);
}
