/**
 * The contract every exchange type's routing table implements (one file per type under
 * broker/exchange/). A router only maps routing keys / headers to destinations; the
 * Exchange record (name, flags, arguments, alternate-exchange, e2e traversal) lives elsewhere.
 *
 * Destinations are opaque values (the broker passes its Queue or Exchange records); a
 * binding is identified by (destination, routingKey, arguments) as in RabbitMQ.
 */
import type { FieldTable } from '../../protocol/field-value.js';

export interface BindingSpec<D> {
  destination: D;
  routingKey: string;
  arguments: FieldTable;
}

export interface ExchangeRouter<D> {
  /** Adds a binding; returns false when an identical binding already exists. */
  bind(destination: D, routingKey: string, args: FieldTable): boolean;
  /** Removes a binding; returns false when it did not exist. */
  unbind(destination: D, routingKey: string, args: FieldTable): boolean;
  /** Removes every binding to `destination`; returns how many were removed. */
  unbindAll(destination: D): number;
  /** Adds every matching destination to `out` (a Set, so duplicates collapse). */
  route(routingKey: string, headers: FieldTable | undefined, out: Set<D>): void;
  /** All bindings, for listing and for the definitions store. */
  bindings(): Iterable<BindingSpec<D>>;
  readonly size: number;
}
