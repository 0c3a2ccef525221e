/**
 * One AMQP channel-class method → one EngineChannel call, and the reply it earns.
 *
 * `reply` is called with the -ok method (and content for basic.get-ok) unless the client set
 * nowait. Engine errors propagate unchanged: the engine has already closed the channel (or
 * the connection) by the time they arrive, so the caller only sends the close method.
 * channel.open / close / flow are the connection's business (they change its channel map).
 */
import type { EngineChannel } from '../../broker/channel/channel.js';
import type { Command, OutgoingContent } from '../../protocol/command.js';
import { commandInvalid } from '../../protocol/errors.js';
import type { Method } from '../../protocol/generated/methods.js';
import { methodRef } from '../../protocol/method-codec.js';
import { encodedProperties } from './socket-sink.js';

export type Reply = (method: Method, content?: OutgoingContent) => void;

export function dispatchChannelMethod(ch: EngineChannel, cmd: Command, reply: Reply): void {
  if (cmd.content !== undefined) {
    const m = cmd.method;
    if (m.name !== 'basic.publish') throw commandInvalid('unimplemented method', methodRef(m));
    ch.basicPublish(
      m.exchange,
      m.routingKey,
      m.mandatory,
      m.immediate,
      cmd.content.properties,
      cmd.content.body,
      cmd.content.rawProperties,
    );
    return;
  }
  const m = cmd.method;
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
  switch (m.name) {
    case 'exchange.declare':
    case 'exchange.delete':
    case 'exchange.bind':
    case 'exchange.unbind':
      return exchangeMethod(ch, m, reply);
    case 'queue.declare':
    case 'queue.bind':
    case 'queue.unbind':
    case 'queue.purge':
    case 'queue.delete':
      return queueMethod(ch, m, reply);
    default:
      return basicMethod(ch, m, reply);
  }
}

type ExchangeMethod = Extract<Method, { name: `exchange.${'declare' | 'delete' | 'bind' | 'unbind'}` }>;

function exchangeMethod(ch: EngineChannel, m: ExchangeMethod, reply: Reply): void {
  switch (m.name) {
    case 'exchange.declare':
      ch.exchangeDeclare(m);
      if (!m.nowait) reply({ name: 'exchange.declare-ok' });
      return;
    case 'exchange.delete':
      ch.exchangeDelete(m);
      if (!m.nowait) reply({ name: 'exchange.delete-ok' });
      return;
    case 'exchange.bind':
      ch.exchangeBind(m);
      if (!m.nowait) reply({ name: 'exchange.bind-ok' });
      return;
    case 'exchange.unbind':
      ch.exchangeUnbind(m);
      if (!m.nowait) reply({ name: 'exchange.unbind-ok' });
      return;
  }
}

type QueueMethod = Extract<Method, { name: `queue.${'declare' | 'bind' | 'unbind' | 'purge' | 'delete'}` }>;

function queueMethod(ch: EngineChannel, m: QueueMethod, reply: Reply): void {
  switch (m.name) {
    case 'queue.declare': {
      const ok = ch.queueDeclare(m);
      if (!m.nowait) reply({ name: 'queue.declare-ok', ...ok });
      return;
    }
    case 'queue.bind':
      ch.queueBind(m);
      if (!m.nowait) reply({ name: 'queue.bind-ok' });
      return;
    case 'queue.unbind':
      ch.queueUnbind(m);
      reply({ name: 'queue.unbind-ok' });
      return;
    case 'queue.purge': {
      const messageCount = ch.queuePurge(m.queue);
      if (!m.nowait) reply({ name: 'queue.purge-ok', messageCount });
      return;
    }
    case 'queue.delete': {
      const messageCount = ch.queueDelete(m);
      if (!m.nowait) reply({ name: 'queue.delete-ok', messageCount });
      return;
    }
  }
}

function basicMethod(ch: EngineChannel, m: Method, reply: Reply): void {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
  switch (m.name) {
    case 'basic.qos':
      ch.basicQos(m);
      return reply({ name: 'basic.qos-ok' });
    case 'basic.consume': {
      const consumerTag = ch.basicConsume(m);
      if (!m.nowait) reply({ name: 'basic.consume-ok', consumerTag });
      return;
    }
    case 'basic.cancel': {
      const consumerTag = ch.basicCancel(m.consumerTag);
      if (!m.nowait) reply({ name: 'basic.cancel-ok', consumerTag });
      return;
    }
    case 'basic.get':
      return basicGet(ch, m.queue, m.noAck, reply);
    case 'basic.ack':
      return ch.basicAck(m.deliveryTag, m.multiple);
    case 'basic.nack':
      return ch.basicNack(m.deliveryTag, m.multiple, m.requeue);
    case 'basic.reject':
      return ch.basicReject(m.deliveryTag, m.requeue);
    case 'basic.recover-async':
      return ch.basicRecover(m.requeue);
    case 'basic.recover':
      ch.basicRecover(m.requeue);
      return reply({ name: 'basic.recover-ok' });
    case 'basic.cancel-ok':
      // The client acknowledging a server-side cancel (sent with nowait, but some reply).
      return;
    default:
      return otherMethod(ch, m, reply);
  }
}

function otherMethod(ch: EngineChannel, m: Method, reply: Reply): void {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the default branch handles every other method
  switch (m.name) {
    case 'confirm.select':
      ch.confirmSelect();
      if (!m.nowait) reply({ name: 'confirm.select-ok' });
      return;
    case 'tx.select':
      ch.txSelect();
      return reply({ name: 'tx.select-ok' });
    case 'tx.commit':
      ch.txCommit();
      return reply({ name: 'tx.commit-ok' });
    case 'tx.rollback':
      ch.txRollback();
      return reply({ name: 'tx.rollback-ok' });
    case 'access.request':
      // Deprecated in 0-9-1; RabbitMQ answers with ticket 1 and ignores tickets afterwards.
      return reply({ name: 'access.request-ok', ticket: 1 });
    default:
      throw commandInvalid('unimplemented method', methodRef(m));
  }
}

function basicGet(ch: EngineChannel, queue: string, noAck: boolean, reply: Reply): void {
  const got = ch.basicGet(queue, noAck);
  if (got === null) return reply({ name: 'basic.get-empty', clusterId: '' });
  const { deliveryTag, redelivered, exchange, routingKey, messageCount, message } = got;
  reply(
    { name: 'basic.get-ok', deliveryTag, redelivered, exchange, routingKey, messageCount },
    { rawProperties: encodedProperties(message), body: message.body },
  );
}
