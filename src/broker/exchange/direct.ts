/**
 * The direct exchange's routing table: a message goes to every destination bound with a
 * routing key equal to the message's (byte-for-byte, case-sensitive; "" is a valid key).
 * Headers are ignored. Route is one Map lookup, whatever the number of bindings.
 *
 * Arguments do not take part in routing but do identify a binding, as in RabbitMQ: binding
 * one queue twice under the same key with different arguments makes two bindings, and the
 * queue still receives each message once.
 */
import type { BindingSpec, ExchangeRouter } from '../exchange-router.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { BindingTable } from './binding-table.js';

export class DirectRouter<D> implements ExchangeRouter<D> {
  private readonly table = new BindingTable<D>();

  get size(): number {
    return this.table.size;
  }

  bind(destination: D, routingKey: string, args: FieldTable): boolean {
    return this.table.add({ destination, routingKey, arguments: args });
  }

  unbind(destination: D, routingKey: string, args: FieldTable): boolean {
    return this.table.remove(destination, routingKey, args) !== undefined;
  }

  unbindAll(destination: D): number {
    return this.table.removeDestination(destination).length;
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    const dests = this.table.destinationsFor(routingKey);
    if (dests) for (const d of dests.keys()) out.add(d);
  }

  bindings(): Iterable<BindingSpec<D>> {
    return this.table.specs();
  }
}
