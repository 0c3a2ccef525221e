/**
 * The headers exchange's routing table. The routing key is ignored; each binding's arguments
 * are matched against the message headers (see headers-match.ts for the value rules).
 *
 * x-match (a long string; absent means "all"):
 * - all / any: every / at least one argument must match; arguments whose key starts with
 *   "x-" are ignored (so a binding whose only arguments are x- keys matches every message
 *   under all and none under any);
 * - all-with-x / any-with-x: the same, but x- arguments other than x-match are checked too.
 * Any other value, or a non-string x-match, is refused on bind with RabbitMQ's 406 text.
 *
 * Invariants: every stored binding was validated and compiled once at bind time; `live`
 * holds exactly the table's entries, so route iterates compiled bindings only. Routing is
 * linear in the number of bindings, as in RabbitMQ.
 */
import type { BindingSpec, ExchangeRouter } from './exchange-router.js';
import type { MethodRef } from '../../protocol/errors.js';
import { preconditionFailed } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { BindingTable } from './binding-table.js';
import { erlangBinary, erlangTypeName, erlangValue } from './erlang-term.js';
import { toBytes, typedEntry } from './field-equality.js';
import { X_MATCH_MODES, compileHeaders, headerValues, headersMatch } from './headers-match.js';
import type { CompiledHeaders, XMatchMode } from './headers-match.js';

interface HeadersBinding<D> extends BindingSpec<D> {
  readonly compiled: CompiledHeaders;
}

/**
 * Checks a headers binding's x-match and returns its mode; throws RabbitMQ's
 * 406 PRECONDITION_FAILED for an unknown value or a value that is not a long string.
 */
export function validateHeadersBinding(args: FieldTable, method?: MethodRef): XMatchMode {
  if (args['x-match'] === undefined) return 'all';
  const t = typedEntry(args, 'x-match');
  if (t.tag !== 'S') {
    throw preconditionFailed(
      `Invalid x-match field type ${erlangTypeName(t.tag)} (value ${erlangValue(t)}); expected longstr`,
      method,
    );
  }
  const mode = X_MATCH_MODES.find(
    (m) => m === t.value || (Buffer.isBuffer(t.value) && t.value.toString() === m),
  );
  if (mode === undefined) {
    throw preconditionFailed(
      `Invalid x-match field value ${erlangBinary(toBytes(t.value))}; expected all, any, all-with-x, or any-with-x`,
      method,
    );
  }
  return mode;
}

export class HeadersRouter<D> implements ExchangeRouter<D> {
  private readonly table = new BindingTable<D, HeadersBinding<D>>();
  private readonly live = new Set<HeadersBinding<D>>();

  get size(): number {
    return this.table.size;
  }

  bind(destination: D, routingKey: string, args: FieldTable): boolean {
    const mode = validateHeadersBinding(args);
    if (this.table.find(destination, routingKey, args)) return false;
    const entry: HeadersBinding<D> = {
      destination,
      routingKey,
      arguments: args,
      compiled: compileHeaders(args, mode),
    };
    this.table.add(entry);
    this.live.add(entry);
    return true;
  }

  unbind(destination: D, routingKey: string, args: FieldTable): boolean {
    const removed = this.table.remove(destination, routingKey, args);
    if (removed) this.live.delete(removed.entry);
    return removed !== undefined;
  }

  unbindAll(destination: D): number {
    const removed = this.table.removeDestination(destination);
    for (const r of removed) this.live.delete(r.entry);
    return removed.length;
  }

  route(_routingKey: string, headers: FieldTable | undefined, out: Set<D>): void {
    if (this.live.size === 0) return;
    const values = headerValues(headers);
    for (const b of this.live) {
      if (!out.has(b.destination) && headersMatch(b.compiled, values)) out.add(b.destination);
    }
  }

  bindings(): Iterable<BindingSpec<D>> {
    return this.table.specs();
  }
}
