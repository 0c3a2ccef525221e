/**
 * The fanout exchange's routing table: a message goes to every bound destination, whatever
 * its routing key and headers. Each destination is added once however many bindings it has.
 *
 * Routing keys and arguments are ignored for routing but identify bindings, as in RabbitMQ:
 * (q, "a", {}) and (q, "b", {}) are two bindings, and unbinding one leaves q bound.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import { TableRouter } from './binding-table.js';

export class FanoutRouter<D> extends TableRouter<D> {
  route(_routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    for (const d of this.table.destinations()) out.add(d);
  }
}
