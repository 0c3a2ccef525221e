/**
 * The fanout exchange's routing table: a message goes to every bound destination, whatever
 * its routing key and headers. Each destination is added once however many bindings it has.
 *
 * Routing keys and arguments are ignored for routing but identify bindings, as in RabbitMQ:
 * (q, "a", {}) and (q, "b", {}) are two bindings, and unbinding one leaves q bound.
 */
import type { BindingSpec, ExchangeRouter } from '../exchange-router.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { BindingTable } from './binding-table.js';

export class FanoutRouter<D> implements ExchangeRouter<D> {
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

  route(_routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    for (const d of this.table.destinations()) out.add(d);
  }

  bindings(): Iterable<BindingSpec<D>> {
    return this.table.specs();
  }
}
