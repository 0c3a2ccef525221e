/**
 * exchange.* and queue.* methods as functions of (vhost, owner connection): RabbitMQ's
 * order of checks (reserved names, exclusivity, equivalence, argument validation) and texts.
 * Kept apart from the channel, which only adds "" = last declared queue expansion.
 */
import { accessRefused, preconditionFailed } from '../../protocol/errors.js';
import type { MethodRef } from '../../protocol/errors.js';
import { generatedName } from '../../util/random-name.js';
import type { Exchange } from '../exchange/exchange-record.js';
import { Method } from '../methods.js';
import { Queue } from '../queue/queue.js';
import { assertArgsEquivalent, inequivalent, parseQueueConfig } from '../queue/queue-config.js';
import type { Vhost } from '../vhost.js';
import { assertPersistableArguments } from './persistable-arguments.js';
import { DIRECT_REPLY_TO } from './reply-to.js';
import type {
  ExchangeBindArgs,
  ExchangeDeclareArgs,
  QueueBindArgs,
  QueueDeclareArgs,
  QueueDeclareResult,
} from './channel-args.js';

export function declareExchange(vhost: Vhost, a: ExchangeDeclareArgs): Exchange {
  if (a.passive !== true && a.arguments !== undefined) {
    assertPersistableArguments(a.arguments, vhost.describeExchange(a.exchange), Method.exchangeDeclare);
  }
  return vhost.declareExchange(a.exchange, {
    type: a.type ?? 'direct',
    passive: a.passive ?? false,
    durable: a.durable ?? false,
    autoDelete: a.autoDelete ?? false,
    internal: a.internal ?? false,
    arguments: a.arguments ?? {},
  });
}

export function declareQueue(
  vhost: Vhost,
  owner: object,
  name: string,
  a: QueueDeclareArgs,
): QueueDeclareResult {
  const method = Method.queueDeclare;
  // The direct reply-to pseudo-queue: RabbitMQ answers declare-ok with 0 messages and 1
  // consumer whether or not this channel has a reply consumer (checked against RabbitMQ
  // 3.10.8 with amqplib: passive or not, before and after basic.consume, any channel).
  if (name === DIRECT_REPLY_TO) return { queue: name, messageCount: 0, consumerCount: 1 };
  if (a.passive === true) {
    const q = vhost.getQueue(name, owner, method);
    q.touch();
    return { queue: q.name, messageCount: q.messageCount, consumerCount: q.consumerCount };
  }
  if (name === '') name = generatedName('amq.gen-');
  else if (name.startsWith('amq.')) {
    throw accessRefused(`queue name '${name}' contains reserved prefix 'amq.*'`, method);
  }
  const flags = {
    durable: a.durable ?? false,
    exclusive: a.exclusive ?? false,
    autoDelete: a.autoDelete ?? false,
  };
  const args = a.arguments ?? {};
  assertPersistableArguments(args, vhost.describeQueue(name), method);
  const config = parseQueueConfig(vhost.name, name, flags, args);
  const existing = vhost.queues.get(name);
  if (existing !== undefined) {
    assertQueueEquivalent(vhost, existing, owner, flags, a);
    existing.touch();
    return { queue: name, messageCount: existing.messageCount, consumerCount: existing.consumerCount };
  }
  const q = new Queue(vhost, {
    name,
    durable: flags.durable,
    autoDelete: flags.autoDelete,
    exclusiveOwner: flags.exclusive ? owner : null,
    arguments: args,
    config,
    policy: vhost.queuePolicy(name, config.type === 'quorum'),
  });
  vhost.addQueue(q);
  return { queue: name, messageCount: 0, consumerCount: 0 };
}

function assertQueueEquivalent(
  vhost: Vhost,
  q: Queue,
  owner: object,
  flags: { durable: boolean; exclusive: boolean; autoDelete: boolean },
  a: QueueDeclareArgs,
): void {
  const method = Method.queueDeclare;
  const ownerOk =
    q.exclusiveOwner === null ? !flags.exclusive : q.exclusiveOwner === owner && flags.exclusive;
  if (!ownerOk) throw vhost.locked(q.name, method);
  if (q.durable !== flags.durable) {
    throw inequivalent(vhost.name, q.name, 'durable', `'${flags.durable}'`, `'${q.durable}'`);
  }
  if (q.autoDelete !== flags.autoDelete) {
    throw inequivalent(vhost.name, q.name, 'auto_delete', `'${flags.autoDelete}'`, `'${q.autoDelete}'`);
  }
  assertArgsEquivalent(vhost.name, q.name, q.arguments, a.arguments ?? {});
}

export function deleteQueue(
  vhost: Vhost,
  owner: object,
  name: string,
  ifUnused: boolean,
  ifEmpty: boolean,
): number {
  const method = Method.queueDelete;
  const q = vhost.queues.get(name);
  if (q === undefined) return 0;
  vhost.checkExclusive(q, owner, method);
  if (ifUnused && q.consumerCount > 0)
    throw preconditionFailed(`${vhost.describeQueue(name)} in use`, method);
  if (ifEmpty && q.messageCount > 0)
    throw preconditionFailed(`${vhost.describeQueue(name)} not empty`, method);
  return vhost.deleteQueue(q);
}

function bindingEnds(vhost: Vhost, owner: object, queue: string, exchange: string, method: MethodRef) {
  const source = vhost.getExchange(exchange, method);
  const q = vhost.getQueue(queue, owner, method);
  return { source, q };
}

export function bindQueue(vhost: Vhost, owner: object, queue: string, a: QueueBindArgs): void {
  const method = Method.queueBind;
  if (a.exchange === '') throw accessRefused('operation not permitted on the default exchange', method);
  const { source, q } = bindingEnds(vhost, owner, queue, a.exchange, method);
  assertPersistableArguments(a.arguments ?? {}, `binding to ${vhost.describeQueue(queue)}`, method);
  vhost.bind(source, q, a.routingKey ?? '', a.arguments ?? {}, method);
}

export function unbindQueue(vhost: Vhost, owner: object, queue: string, a: QueueBindArgs): void {
  const method = Method.queueUnbind;
  if (a.exchange === '') throw accessRefused('operation not permitted on the default exchange', method);
  const { source, q } = bindingEnds(vhost, owner, queue, a.exchange, method);
  vhost.unbind(source, q, a.routingKey ?? '', a.arguments ?? {}, method);
}

export function bindExchange(vhost: Vhost, a: ExchangeBindArgs, unbind: boolean): void {
  const method = unbind ? Method.exchangeUnbind : Method.exchangeBind;
  if (a.source === '' || a.destination === '') {
    throw accessRefused('operation not permitted on the default exchange', method);
  }
  const source = vhost.getExchange(a.source, method);
  const dest = vhost.getExchange(a.destination, method);
  if (unbind) vhost.unbind(source, dest, a.routingKey ?? '', a.arguments ?? {}, method);
  else {
    assertPersistableArguments(
      a.arguments ?? {},
      `binding to ${vhost.describeExchange(a.destination)}`,
      method,
    );
    vhost.bind(source, dest, a.routingKey ?? '', a.arguments ?? {}, method);
  }
}
