/**
 * GuardedChannel: an EngineChannel that checks the user's configure/write/read permissions
 * (permissions.ts) before each method, so every transport that opens channels for a real
 * user (the TCP server, the management API) enforces them in the engine. Connections opened
 * without a PermissionSource (the embedded transport's full-access default user) get plain
 * EngineChannels and pay nothing.
 *
 * "" (the last declared queue) is checked under the name the channel resolves it to; with
 * no queue declared yet the engine's own 404 is thrown.
 *
 * A refusal closes the channel inside the engine (as every ChannelError does) and is thrown
 * for the transport to send channel.close 403.
 */
import { preconditionFailed, type ChannelError } from '../../protocol/errors.js';
import { Method } from '../methods.js';
import type { BasicProperties } from '../../protocol/properties.js';
import { EngineChannel } from '../channel/channel.js';
import { DIRECT_REPLY_TO } from '../channel/reply-to.js';
import type { ChannelContext, GetOk } from '../channel/channel.js';
import type {
  BasicConsumeArgs,
  ExchangeBindArgs,
  ExchangeDeclareArgs,
  ExchangeDeleteArgs,
  QueueBindArgs,
  QueueDeclareArgs,
  QueueDeclareResult,
  QueueDeleteArgs,
} from '../channel/channel-args.js';
import type { ChannelSink } from '../channel-sink.js';
import { checkPermitted } from './permissions.js';
import type { GuardedMethod, Operands, PermissionSource } from './permissions.js';

export class GuardedChannel extends EngineChannel {
  constructor(
    id: number,
    context: ChannelContext,
    sink: ChannelSink,
    private readonly user: string,
    private readonly access: PermissionSource,
  ) {
    super(id, context, sink);
  }

  private check(method: GuardedMethod, operands: Operands): void {
    try {
      checkPermitted(this.access, this.user, this.vhostName, method, operands);
    } catch (e) {
      this.close();
      throw e as ChannelError;
    }
  }

  /**
   * RabbitMQ's validated user-id: a user_id property must name the authenticated user
   * (unless the user is an impersonator), so consumers can trust it.
   */
  private checkUserId(userId: string | undefined): void {
    if (userId === undefined || userId === this.user || this.access.mayImpersonate?.(this.user) === true)
      return;
    this.close();
    throw preconditionFailed(
      `user_id property set to '${userId}' but authenticated user was '${this.user}'`,
      Method.basicPublish,
    );
  }

  override exchangeDeclare(args: ExchangeDeclareArgs): void {
    if (args.passive !== true && args.exchange !== '') this.check('exchange.declare', args);
    super.exchangeDeclare(args);
  }

  override exchangeDelete(args: ExchangeDeleteArgs): void {
    if (args.exchange !== '') this.check('exchange.delete', args);
    super.exchangeDelete(args);
  }

  override exchangeBind(args: ExchangeBindArgs): void {
    this.check('exchange.bind', args);
    super.exchangeBind(args);
  }

  override exchangeUnbind(args: ExchangeBindArgs): void {
    this.check('exchange.unbind', args);
    super.exchangeUnbind(args);
  }

  override queueDeclare(args: QueueDeclareArgs): QueueDeclareResult {
    const named = args.queue !== undefined && args.queue !== '';
    if (args.passive !== true && named) this.check('queue.declare', args);
    const ok = super.queueDeclare(args);
    if (args.passive !== true && !named) this.checkGenerated(ok.queue, args);
    return ok;
  }

  /** A server-named queue is checked under its generated name, as RabbitMQ; refused → removed. */
  private checkGenerated(queue: string, args: QueueDeclareArgs): void {
    try {
      checkPermitted(this.access, this.user, this.vhostName, 'queue.declare', {
        ...args,
        queue,
      });
    } catch (e) {
      super.queueDelete({ queue });
      this.close();
      throw e as ChannelError;
    }
  }

  override queueBind(args: QueueBindArgs): void {
    const queue = this.resolveQueue(args.queue);
    if (queue !== undefined) this.check('queue.bind', { ...args, queue });
    super.queueBind(args);
  }

  override queueUnbind(args: QueueBindArgs): void {
    const queue = this.resolveQueue(args.queue);
    if (queue !== undefined) this.check('queue.unbind', { ...args, queue });
    super.queueUnbind(args);
  }

  override queuePurge(name: string): number {
    const queue = this.resolveQueue(name);
    if (queue !== undefined) this.check('queue.purge', { queue });
    return super.queuePurge(name);
  }

  override queueDelete(args: QueueDeleteArgs): number {
    const queue = this.resolveQueue(args.queue);
    if (queue !== undefined) this.check('queue.delete', { queue });
    return super.queueDelete(args);
  }

  override basicConsume(args: BasicConsumeArgs): string {
    const queue = this.resolveQueue(args.queue);
    if (queue !== undefined && queue !== DIRECT_REPLY_TO) this.check('basic.consume', { queue });
    return super.basicConsume(args);
  }

  override basicGet(name: string, noAck: boolean): GetOk | null {
    const queue = this.resolveQueue(name);
    if (queue !== undefined) this.check('basic.get', { queue });
    return super.basicGet(name, noAck);
  }

  override basicPublish(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    immediate: boolean,
    properties: BasicProperties,
    body: Buffer,
    encodedProperties?: Buffer,
  ): void {
    // The hot path asks the source directly (no operands object, no requirement list);
    // checkPermitted builds the refusal when it is denied.
    const resource = exchange === '' ? 'amq.default' : exchange;
    if (!this.access.isPermitted(this.user, this.vhostName, 'write', resource)) {
      this.check('basic.publish', { exchange });
    }
    if (properties.userId !== undefined) this.checkUserId(properties.userId);
    super.basicPublish(exchange, routingKey, mandatory, immediate, properties, body, encodedProperties);
  }
}
