/**
 * The topic exchange's routing table: a trie over binding-key words.
 *
 * Words are the pieces between dots, exactly as RabbitMQ splits them: "" has no words,
 * "a..b" has three ("a", "", "b"), "." has two empty words, "a." ends with an empty word.
 * Empty words are ordinary words. In a binding key the whole word "*" matches exactly one
 * word and the whole word "#" matches zero or more; "a*" or "#b" are literal words.
 *
 * Invariants:
 * - every binding key has one trie path (the words of the key); the node at its end holds
 *   `dests`, the live per-key map from the BindingTable, exactly while the key has bindings;
 * - a node with no dests and no children is removed (paths are pruned on unbind);
 * - a node reached through a "#" edge has `loops` set: it may consume any word and stay.
 *
 * Routing simulates the trie as an NFA over the routing key's words: the set of live nodes
 * is deduplicated with a per-step stamp, so each step costs at most one visit per trie node
 * reachable at that depth; patterns such as "#.#.#" cannot make it explode, and the cost of
 * a route depends on how many trie nodes are live at each word, not on the number of
 * bindings (each step is a Map lookup per live node).
 */
import type { BindingSpec, ExchangeRouter } from './exchange-router.js';
import type { MethodRef } from '../../protocol/errors.js';
import { preconditionFailed } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { BindingTable } from './binding-table.js';
import type { KeyBindings } from './binding-table.js';

export interface TopicRouterOptions {
  /**
   * Refuse binding keys with more than this many "#" words (406 PRECONDITION_FAILED).
   * Released RabbitMQ accepts any number (checked on 3.10; no check in the 3.13/4.x code);
   * its main branch caps it at 2 since PR #17039 (2026) with this same text. Default: none.
   */
  maxHashWildcards?: number;
}

interface TrieNode<D> {
  readonly parent: TrieNode<D> | null;
  readonly word: string;
  readonly loops: boolean;
  children: Map<string, TrieNode<D>> | null;
  star: TrieNode<D> | null;
  hash: TrieNode<D> | null;
  dests: KeyBindings<D, BindingSpec<D>> | null;
  mark: number;
}

function newNode<D>(parent: TrieNode<D> | null, word: string): TrieNode<D> {
  return { parent, word, loops: word === '#', children: null, star: null, hash: null, dests: null, mark: 0 };
}

/** Splits a routing or binding key into words the way RabbitMQ does ("" has none). */
export function topicWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** Throws RabbitMQ's 406 when `key` uses more than `max` "#" words. */
export function validateTopicBindingKey(key: string, max: number, method?: MethodRef): void {
  let hashes = 0;
  for (const w of topicWords(key)) if (w === '#') hashes++;
  if (hashes > max) {
    throw preconditionFailed(
      `Topic binding key '${key}' uses ${hashes} '#' wildcards, at most ${max} are allowed`,
      method,
    );
  }
}

export class TopicRouter<D> implements ExchangeRouter<D> {
  private readonly table = new BindingTable<D>();
  private readonly root: TrieNode<D> = newNode<D>(null, '');
  private readonly maxHash: number;
  private stamp = 0;
  /** Scratch lists of live nodes, reused by every route (entries past the count are stale). */
  private readonly bufA: TrieNode<D>[] = [];
  private readonly bufB: TrieNode<D>[] = [];

  constructor(options: TopicRouterOptions = {}) {
    this.maxHash = options.maxHashWildcards ?? Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.table.size;
  }

  bind(destination: D, routingKey: string, args: FieldTable): boolean {
    if (this.maxHash !== Number.POSITIVE_INFINITY) validateTopicBindingKey(routingKey, this.maxHash);
    if (!this.table.add({ destination, routingKey, arguments: args })) return false;
    this.ensurePath(routingKey).dests = this.table.destinationsFor(routingKey) ?? null;
    return true;
  }

  unbind(destination: D, routingKey: string, args: FieldTable): boolean {
    const removed = this.table.remove(destination, routingKey, args);
    if (removed?.keyEmptied) this.clearPath(routingKey);
    return removed !== undefined;
  }

  unbindAll(destination: D): number {
    const removed = this.table.removeDestination(destination);
    for (const r of removed) if (r.keyEmptied) this.clearPath(r.entry.routingKey);
    return removed.length;
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    if (this.table.size === 0) return;
    let live = this.bufA;
    let count = this.addClosure(live, 0, this.root, ++this.stamp);
    let start = 0;
    while (count > 0 && routingKey !== '' && start <= routingKey.length) {
      let end = routingKey.indexOf('.', start);
      if (end < 0) end = routingKey.length;
      const next = live === this.bufA ? this.bufB : this.bufA;
      count = this.step(live, count, next, routingKey.slice(start, end));
      live = next;
      start = end + 1;
    }
    for (let i = 0; i < count; i++) {
      const dests = live[i]!.dests;
      if (dests) for (const d of dests.keys()) out.add(d);
    }
  }

  bindings(): Iterable<BindingSpec<D>> {
    return this.table.specs();
  }

  /** Advances the first `count` nodes of `live` over one word into `next`; returns its count. */
  private step(live: TrieNode<D>[], count: number, next: TrieNode<D>[], word: string): number {
    const stamp = ++this.stamp;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const node = live[i]!;
      const child = node.children?.get(word);
      if (child) n = this.addClosure(next, n, child, stamp);
      if (node.star) n = this.addClosure(next, n, node.star, stamp);
      if (node.loops) n = this.addClosure(next, n, node, stamp);
    }
    return n;
  }

  /**
   * Writes `node` and the "#" nodes below it (which may match zero words) into `list` from
   * index `n`, skipping nodes already stamped this step; returns the new count.
   */
  private addClosure(list: TrieNode<D>[], n: number, node: TrieNode<D>, stamp: number): number {
    for (let x: TrieNode<D> | null = node; x && x.mark !== stamp; x = x.hash) {
      x.mark = stamp;
      list[n++] = x;
    }
    return n;
  }

  private ensurePath(key: string): TrieNode<D> {
    let node = this.root;
    for (const word of topicWords(key)) node = this.childOrCreate(node, word);
    return node;
  }

  private childOrCreate(node: TrieNode<D>, word: string): TrieNode<D> {
    if (word === '*') return (node.star ??= newNode(node, word));
    if (word === '#') return (node.hash ??= newNode(node, word));
    node.children ??= new Map();
    let child = node.children.get(word);
    if (!child) node.children.set(word, (child = newNode(node, word)));
    return child;
  }

  private findPath(key: string): TrieNode<D> | null {
    let node: TrieNode<D> | null = this.root;
    for (const word of topicWords(key)) {
      if (word === '*') node = node.star;
      else if (word === '#') node = node.hash;
      else node = node.children?.get(word) ?? null;
      if (!node) return null;
    }
    return node;
  }

  /** Drops the key's bindings from its trie node and prunes nodes left empty. */
  private clearPath(key: string): void {
    let node = this.findPath(key);
    if (!node) return;
    node.dests = null;
    while (node.parent && isEmpty(node)) {
      detach(node.parent, node);
      node = node.parent;
    }
  }
}

function isEmpty<D>(node: TrieNode<D>): boolean {
  return !node.dests && !node.star && !node.hash && (node.children?.size ?? 0) === 0;
}

function detach<D>(parent: TrieNode<D>, child: TrieNode<D>): void {
  if (parent.star === child) parent.star = null;
  else if (parent.hash === child) parent.hash = null;
  else {
    parent.children?.delete(child.word);
    if (parent.children?.size === 0) parent.children = null;
  }
}
