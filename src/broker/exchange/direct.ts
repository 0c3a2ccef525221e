/**
 * The direct exchange's routing table: a message goes to every destination bound with a
 * routing key equal to the message's (byte-for-byte, case-sensitive; "" is a valid key).
 * Headers are ignored. Route is one Map lookup, whatever the number of bindings.
 *
 * Arguments do not take part in routing but do identify a binding, as in RabbitMQ: binding
 * one queue twice under the same key with different arguments makes two bindings, and the
 * queue still receives each message once.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import { TableRouter } from './binding-table.js';

export class DirectRouter<D> extends TableRouter<D> {
  route(routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    const dests = this.table.destinationsFor(routingKey);
    if (dests) for (const d of dests.keys()) out.add(d);
  }
}
