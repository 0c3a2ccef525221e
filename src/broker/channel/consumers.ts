/**
 * A channel's queue consumers (basic.consume / basic.cancel): tag allocation and reuse
 * checks, exclusivity, x-priority, and the per-consumer prefetch (basic.qos global=false)
 * new consumers start with. The channel is every consumer's ConsumerHost; this registry
 * only creates, finds and removes them. The direct reply-to pseudo-consumer is not here
 * (reply-to.ts) but shares the tag namespace.
 *
 * Invariants: tags are unique per channel (including the reply consumer's); a consumer is
 * in `byTag` exactly while it is registered with its queue, until the queue cancels it.
 */
import { accessRefused, notAllowed } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { generatedName } from '../../util/random-name.js';
import { Method } from '../methods.js';
import { Consumer } from '../queue/consumer.js';
import type { ConsumerHost } from '../queue/consumer.js';
import type { Vhost } from '../vhost.js';
import type { BasicConsumeArgs } from './channel-args.js';

export class ChannelConsumers {
  /** basic.qos prefetch_count (global=false): the limit of consumers created from now on. */
  prefetchCount = 0;
  private readonly byTag = new Map<string, Consumer>();

  constructor(
    private readonly vhost: Vhost,
    /** The connection: owner of exclusive queues. */
    private readonly owner: object,
    private readonly host: ConsumerHost,
  ) {}

  /** The tag a basic.consume gets: the requested one if unused, else a generated one. */
  tagFor(requested: string | undefined, replyTag: string | null): string {
    const tag = requested ?? '';
    if (tag === '') return generatedName('amq.ctag-');
    if (this.byTag.has(tag) || tag === replyTag) {
      throw notAllowed(`attempt to reuse consumer tag '${tag}'`, Method.basicConsume);
    }
    return tag;
  }

  /** basic.consume on queue `name` under the (checked) `tag`. */
  add(tag: string, name: string, args: BasicConsumeArgs): void {
    const method = Method.basicConsume;
    const q = this.vhost.getQueue(name, this.owner, method);
    const exclusive = args.exclusive ?? false;
    if (q.consumers.exclusive !== undefined || (exclusive && q.consumerCount > 0)) {
      throw accessRefused(`${this.vhost.describeQueue(q.name)} in exclusive use`, method);
    }
    const cargs: FieldTable = args.arguments ?? {};
    const p = cargs['x-priority'];
    const priority = typeof p === 'number' ? p : 0;
    const noAck = args.noAck ?? false;
    const c = new Consumer(tag, q, this.host, noAck, exclusive, priority, cargs, this.prefetchCount);
    this.byTag.set(tag, c);
    q.addConsumer(c);
  }

  /** basic.cancel: unknown tags are ignored, as RabbitMQ. */
  cancel(tag: string): void {
    const c = this.byTag.get(tag);
    if (c === undefined) return;
    this.byTag.delete(tag);
    c.queue.removeConsumer(c);
  }

  /** The queue cancelled `consumer`: true when it was still registered here. */
  forget(consumer: Consumer): boolean {
    if (this.byTag.get(consumer.tag) !== consumer) return false;
    this.byTag.delete(consumer.tag);
    return true;
  }

  /** A channel-wide limit lifted: every consumer's queue may dispatch again. */
  wake(): void {
    for (const c of this.byTag.values()) c.queue.wake();
  }

  /** The channel closes: unregisters every consumer, returning them for removal from their queues. */
  takeAll(): Consumer[] {
    const consumers = [...this.byTag.values()];
    this.byTag.clear();
    return consumers;
  }
}
