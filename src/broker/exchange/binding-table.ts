/**
 * The binding store every router builds on: bindings grouped by routing key, then by
 * destination, with a reverse index from destination to its routing keys for unbindAll.
 *
 * Invariants:
 * - a binding is identified by (destination, routingKey, arguments), arguments compared with
 *   fieldTablesEqual; the store never holds two equal bindings;
 * - `byKey.get(k)` is absent rather than empty, and so is each destination's entry list, so
 *   a router may keep a reference to `destinationsFor(k)` while that key has bindings and
 *   must drop it when `remove`/`removeDestination` reports the key became empty;
 * - `byDest` holds exactly the destinations with at least one binding;
 * - `size` is the number of bindings.
 *
 * TableRouter is the whole router for the types that route straight from this store
 * (direct, fanout): they only add `route`.
 */
import type { BindingSpec, ExchangeRouter } from './exchange-router.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { fieldTablesEqual } from './field-equality.js';

/** Destinations bound under one routing key, each with its bindings (usually one). */
export type KeyBindings<D, E> = Map<D, E[]>;

export interface RemovedBinding<E> {
  entry: E;
  /** True when no binding is left under the entry's routing key. */
  keyEmptied: boolean;
}

export class BindingTable<D, E extends BindingSpec<D> = BindingSpec<D>> {
  private readonly byKey = new Map<string, KeyBindings<D, E>>();
  private readonly byDest = new Map<D, Set<string>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The binding equal to (destination, routingKey, args), if any. */
  find(destination: D, routingKey: string, args: FieldTable): E | undefined {
    const list = this.byKey.get(routingKey)?.get(destination);
    return list?.find((e) => fieldTablesEqual(e.arguments, args));
  }

  /** Adds `entry` unless an equal binding exists; returns whether it was added. */
  add(entry: E): boolean {
    if (this.find(entry.destination, entry.routingKey, entry.arguments)) return false;
    let dests = this.byKey.get(entry.routingKey);
    if (!dests) this.byKey.set(entry.routingKey, (dests = new Map<D, E[]>()));
    const list = dests.get(entry.destination);
    if (list) list.push(entry);
    else dests.set(entry.destination, [entry]);
    let keys = this.byDest.get(entry.destination);
    if (!keys) this.byDest.set(entry.destination, (keys = new Set()));
    keys.add(entry.routingKey);
    this.count++;
    return true;
  }

  /** Removes the binding equal to (destination, routingKey, args), if present. */
  remove(destination: D, routingKey: string, args: FieldTable): RemovedBinding<E> | undefined {
    const dests = this.byKey.get(routingKey);
    const list = dests?.get(destination);
    const index = list?.findIndex((e) => fieldTablesEqual(e.arguments, args)) ?? -1;
    if (!dests || !list || index < 0) return undefined;
    const [entry] = list.splice(index, 1) as [E];
    if (list.length === 0) this.dropDestinationFromKey(dests, destination, routingKey);
    this.count--;
    return { entry, keyEmptied: dests.size === 0 };
  }

  /** Removes every binding to `destination`. */
  removeDestination(destination: D): RemovedBinding<E>[] {
    const keys = this.byDest.get(destination);
    if (!keys) return [];
    const removed: RemovedBinding<E>[] = [];
    for (const key of [...keys]) {
      const dests = this.byKey.get(key);
      const list = dests?.get(destination) ?? [];
      if (dests) this.dropDestinationFromKey(dests, destination, key);
      this.count -= list.length;
      for (const entry of list) removed.push({ entry, keyEmptied: dests?.size === 0 });
    }
    return removed;
  }

  private dropDestinationFromKey(dests: KeyBindings<D, E>, destination: D, routingKey: string): void {
    dests.delete(destination);
    if (dests.size === 0) this.byKey.delete(routingKey);
    const keys = this.byDest.get(destination);
    keys?.delete(routingKey);
    if (keys?.size === 0) this.byDest.delete(destination);
  }

  /** Destinations bound with exactly `routingKey` (a live view; absent when none). */
  destinationsFor(routingKey: string): KeyBindings<D, E> | undefined {
    return this.byKey.get(routingKey);
  }

  /** Every destination with at least one binding. */
  destinations(): IterableIterator<D> {
    return this.byDest.keys();
  }

  *entries(): IterableIterator<E> {
    for (const dests of this.byKey.values()) {
      for (const list of dests.values()) yield* list;
    }
  }

  /** Bindings as plain specs, for listing and the definitions store. */
  *specs(): IterableIterator<BindingSpec<D>> {
    for (const e of this.entries()) {
      yield { destination: e.destination, routingKey: e.routingKey, arguments: e.arguments };
    }
  }
}

/** A router whose bindings are exactly its BindingTable's; subclasses only say how to route. */
export abstract class TableRouter<D> implements ExchangeRouter<D> {
  protected readonly table = new BindingTable<D>();

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

  abstract route(routingKey: string, headers: FieldTable | undefined, out: Set<D>): void;

  bindings(): Iterable<BindingSpec<D>> {
    return this.table.specs();
  }
}
