/**
 * A virtual host: its exchanges (with the predeclared default and amq.* ones), queues and
 * bindings, with RabbitMQ's declare/delete/bind rules and error texts. It is also the
 * QueueEnv of its queues (dead-lettering, x-expires / auto-delete deletion).
 *
 * Invariants: `bindingSources.get(d)` holds every exchange with at least one binding to
 * destination `d`; deleting a queue or exchange removes all bindings to and from it, and an
 * auto-delete exchange goes when its last binding (as source) is removed.
 */
import { accessRefused, notFound, preconditionFailed, resourceLocked } from '../protocol/errors.js';
import type { MethodRef } from '../protocol/errors.js';
import type { FieldTable } from '../protocol/field-value.js';
import type { Clock } from '../util/clock.js';
import type { DefinitionsListener } from './definitions.js';
import { DelayedHold } from './delayed/delayed-hold.js';
import { DELAYED_EXCHANGE_TYPE, delayedRoutingType } from './delayed/delayed-args.js';
import { Exchange } from './exchange/exchange-record.js';
import type { Destination } from './exchange/exchange-record.js';
import { createRouter, isExchangeType, unknownExchangeType, validateBinding } from './exchange/index.js';
import type { Message } from './message.js';
import { PolicyRegistry } from './policies.js';
import type { Policy } from './policies.js';
import { Method } from './methods.js';
import { deadLetteredCopy, isDeathCycle, publishedRoutingKeys } from './queue/dead-letter.js';
import type { DeathReason } from './queue/dead-letter.js';
import type { Queue } from './queue/queue.js';
import type { QueueEnv } from './queue/queue.js';
import { Router } from './routing.js';
import type { Scheduler } from './scheduler.js';
import type { MessageStore } from './store/message-store.js';
import { VhostMonitor } from './stats/vhost-monitor.js';
import { fieldTypeName, fieldValuesEqual, showValue } from './field-types.js';

export interface VhostDeps {
  clock: Clock;
  scheduler: Scheduler;
  store: MessageStore;
  definitions: DefinitionsListener;
}

/** A channel consuming from amq.rabbitmq.reply-to, addressed by its reply-to name. */
export interface ReplyTarget {
  deliverReply(message: Message): void;
}

const PREDECLARED: [string, string, boolean][] = [
  ['amq.direct', 'direct', false],
  ['amq.fanout', 'fanout', false],
  ['amq.topic', 'topic', false],
  ['amq.headers', 'headers', false],
  ['amq.match', 'headers', false],
  ['amq.rabbitmq.trace', 'topic', true],
];

export interface ExchangeDeclare {
  type: string;
  passive: boolean;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
}

export class Vhost implements QueueEnv {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly replyTargets = new Map<string, ReplyTarget>();
  /** The message holds of delayed-message exchanges (delayed/delayed-hold.ts). */
  readonly delayed = new Map<Exchange, DelayedHold>();
  readonly router: Router;
  /** Publish/delivery observation: counters and the firehose (stats/vhost-monitor.ts). */
  readonly monitor = new VhostMonitor();
  /** Policies: run-time optional arguments for queues and exchanges by name (policies.ts). */
  readonly policies = new PolicyRegistry();
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly store: MessageStore;
  private readonly definitions: DefinitionsListener;
  private readonly bindingSources = new Map<Destination, Set<Exchange>>();
  private readonly routingScratch = new Set<Queue>();

  constructor(
    readonly name: string,
    deps: VhostDeps,
  ) {
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
    this.store = deps.store;
    this.definitions = deps.definitions;
    this.router = new Router(this);
    const base = { durable: true, autoDelete: false, arguments: {} };
    this.exchanges.set('', new Exchange({ ...base, name: '', type: 'direct', internal: false }, null));
    for (const [name, type, internal] of PREDECLARED) {
      this.exchanges.set(name, new Exchange({ ...base, name, type, internal }, this.newRouter(type)));
    }
  }

  get vhostName(): string {
    return this.name;
  }

  private newRouter(type: string) {
    if (!isExchangeType(type)) throw new Error(`unknown exchange type ${type}`);
    return createRouter<Destination>(type);
  }

  /** Settles once this broker's durable definitions changes so far are on disk (see Broker.definitionsSaved). */
  definitionsSaved(): Promise<void> | undefined {
    return this.definitions.pendingSave?.();
  }

  describeExchange(name: string): string {
    return `exchange '${name}' in vhost '${this.name}'`;
  }

  describeQueue(name: string): string {
    return `queue '${name}' in vhost '${this.name}'`;
  }

  // ---- exchanges ----

  getExchange(name: string, method: MethodRef): Exchange {
    const x = this.exchanges.get(name);
    if (x === undefined) throw notFound(`no ${this.describeExchange(name)}`, method);
    return x;
  }

  declareExchange(name: string, d: ExchangeDeclare): Exchange {
    const method = Method.exchangeDeclare;
    if (name === '') throw accessRefused('operation not permitted on the default exchange', method);
    if (d.passive) return this.getExchange(name, method);
    const delayedType =
      d.type === DELAYED_EXCHANGE_TYPE ? delayedRoutingType(d.arguments, method) : undefined;
    if (delayedType === undefined && !isExchangeType(d.type)) throw unknownExchangeType(d.type, method);
    const existing = this.exchanges.get(name);
    if (existing !== undefined) {
      this.assertExchangeEquivalent(existing, d);
      return existing;
    }
    if (name.startsWith('amq.')) {
      throw accessRefused(`exchange name '${name}' contains reserved prefix 'amq.*'`, method);
    }
    const x = new Exchange({ name, ...d }, this.newRouter(delayedType ?? d.type));
    x.applyPolicy(this.policies.match(name, { kind: 'exchange' }));
    this.exchanges.set(name, x);
    if (delayedType !== undefined) this.delayed.set(x, new DelayedHold(this, x));
    if (x.durable) this.definitions.exchangeDeclared?.({ vhost: this.name, name, ...d });
    return x;
  }

  private assertExchangeEquivalent(x: Exchange, d: ExchangeDeclare): void {
    const fail = (arg: string, received: string, current: string) =>
      preconditionFailed(
        `inequivalent arg '${arg}' for ${this.describeExchange(x.name)}: received ${received} but current is ${current}`,
        Method.exchangeDeclare,
      );
    if (x.type !== d.type) throw fail('type', `'${d.type}'`, `'${x.type}'`);
    if (x.durable !== d.durable) throw fail('durable', `'${d.durable}'`, `'${x.durable}'`);
    if (x.autoDelete !== d.autoDelete) throw fail('auto_delete', `'${d.autoDelete}'`, `'${x.autoDelete}'`);
    if (x.internal !== d.internal) throw fail('internal', `'${d.internal}'`, `'${x.internal}'`);
    const key = 'alternate-exchange';
    const has = Object.hasOwn(x.arguments, key);
    const got = Object.hasOwn(d.arguments, key);
    if (has && got && fieldValuesEqual(x.arguments[key], d.arguments[key])) return;
    if (!has && !got) return;
    if (has && got) throw fail(key, `'${showValue(d.arguments[key])}'`, `'${showValue(x.arguments[key])}'`);
    const show = (t: FieldTable) => `the value '${showValue(t[key])}' of type '${fieldTypeName(t, key)}'`;
    throw fail(key, got ? show(d.arguments) : 'none', has ? show(x.arguments) : 'none');
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    const method = Method.exchangeDelete;
    if (name === '') throw accessRefused('operation not permitted on the default exchange', method);
    const x = this.exchanges.get(name);
    if (x === undefined) return;
    if (name.startsWith('amq.')) {
      throw accessRefused(`deletion of system ${this.describeExchange(name)} not allowed`, method);
    }
    if (ifUnused && (x.router?.size ?? 0) > 0) {
      throw preconditionFailed(`${this.describeExchange(name)} in use`, method);
    }
    this.removeExchange(x);
  }

  private removeExchange(x: Exchange): void {
    if (x.deleted) return;
    x.deleted = true;
    this.exchanges.delete(x.name);
    this.delayed.get(x)?.drop();
    this.delayed.delete(x);
    if (x.router !== null) {
      for (const b of [...x.router.bindings()]) this.forgetSource(b.destination, x);
    }
    if (x.durable) this.definitions.exchangeDeleted?.(this.name, x.name);
    this.removeBindingsTo(x);
  }

  private forgetSource(dest: Destination, source: Exchange): void {
    const set = this.bindingSources.get(dest);
    if (set === undefined) return;
    set.delete(source);
    if (set.size === 0) this.bindingSources.delete(dest);
  }

  // ---- policies ----

  /** The policy a new queue named `name` starts with. */
  queuePolicy(name: string, quorum: boolean): Policy | undefined {
    return this.policies.match(name, { kind: 'queue', quorum });
  }

  /** Adds or replaces a (validated) policy; it takes effect on every queue and exchange at once. */
  setPolicy(policy: Policy): void {
    this.policies.set(policy);
    this.definitions.policySet?.(policy);
    this.reapplyPolicies();
  }

  /** Removes a policy and its effect; false when there is none by that name. */
  clearPolicy(name: string): boolean {
    if (!this.policies.delete(name)) return false;
    this.definitions.policyCleared?.(this.name, name);
    this.reapplyPolicies();
    return true;
  }

  private reapplyPolicies(): void {
    this.scheduler.run(() => {
      for (const q of [...this.queues.values()]) {
        const p = this.queuePolicy(q.name, q.isQuorum);
        if (p !== q.policy) q.applyPolicy(p);
      }
      for (const x of this.exchanges.values()) {
        if (x.router === null) continue;
        const p = this.policies.match(x.name, { kind: 'exchange' });
        if (p !== x.policy) x.applyPolicy(p);
      }
    });
  }

  // ---- bindings ----

  bind(source: Exchange, dest: Destination, routingKey: string, args: FieldTable, method: MethodRef): void {
    if (source.router === null || (dest instanceof Exchange && dest.router === null)) {
      throw accessRefused('operation not permitted on the default exchange', method);
    }
    const type = this.delayed.has(source) ? delayedRoutingType(source.arguments) : source.type;
    if (isExchangeType(type)) validateBinding(type, routingKey, args, {}, method);
    if (!source.router.bind(dest, routingKey, args)) return;
    let set = this.bindingSources.get(dest);
    if (set === undefined) {
      set = new Set();
      this.bindingSources.set(dest, set);
    }
    set.add(source);
    if (source.durable && dest.durable)
      this.definitions.bindingAdded?.(this.bindingDef(source, dest, routingKey, args));
  }

  unbind(source: Exchange, dest: Destination, routingKey: string, args: FieldTable, method: MethodRef): void {
    if (source.router === null || (dest instanceof Exchange && dest.router === null)) {
      throw accessRefused('operation not permitted on the default exchange', method);
    }
    if (!source.router.unbind(dest, routingKey, args)) return;
    if (![...source.router.bindings()].some((b) => b.destination === dest)) this.forgetSource(dest, source);
    if (source.durable && dest.durable)
      this.definitions.bindingRemoved?.(this.bindingDef(source, dest, routingKey, args));
    this.maybeAutoDelete(source);
  }

  private bindingDef(source: Exchange, dest: Destination, routingKey: string, args: FieldTable) {
    return {
      vhost: this.name,
      source: source.name,
      destination: dest.name,
      destinationType: dest instanceof Exchange ? ('exchange' as const) : ('queue' as const),
      routingKey,
      arguments: args,
    };
  }

  private removeBindingsTo(dest: Destination): void {
    const sources = this.bindingSources.get(dest);
    if (sources === undefined) return;
    this.bindingSources.delete(dest);
    for (const source of sources) {
      if (source.router === null || source.deleted) continue;
      if (source.durable && dest.durable) {
        for (const b of source.router.bindings()) {
          if (b.destination === dest)
            this.definitions.bindingRemoved?.(this.bindingDef(source, dest, b.routingKey, b.arguments));
        }
      }
      source.router.unbindAll(dest);
      this.maybeAutoDelete(source);
    }
  }

  private maybeAutoDelete(x: Exchange): void {
    if (x.autoDelete && !x.deleted && x.router !== null && x.router.size === 0) this.removeExchange(x);
  }

  // ---- queues ----

  /** Looks a queue up for an operation by `owner`'s connection (404 / 405 as RabbitMQ). */
  getQueue(name: string, owner: object, method: MethodRef): Queue {
    const q = this.queues.get(name);
    if (q === undefined) throw notFound(`no ${this.describeQueue(name)}`, method);
    this.checkExclusive(q, owner, method);
    return q;
  }

  checkExclusive(q: Queue, owner: object, method: MethodRef): void {
    if (q.exclusiveOwner !== null && q.exclusiveOwner !== owner) throw this.locked(q.name, method);
  }

  locked(name: string, method: MethodRef) {
    return resourceLockedText(this.describeQueue(name), method);
  }

  addQueue(q: Queue): void {
    this.queues.set(q.name, q);
    if (q.durable) {
      this.definitions.queueDeclared?.({
        vhost: this.name,
        name: q.name,
        durable: true,
        autoDelete: q.autoDelete,
        exclusive: q.exclusiveOwner !== null,
        arguments: q.arguments,
      });
    }
  }

  deleteQueue(q: Queue): number {
    if (q.deleted) return 0;
    this.queues.delete(q.name);
    const { count, consumers } = q.markDeleted();
    this.removeBindingsTo(q);
    if (q.durable) this.definitions.queueDeleted?.(this.name, q.name);
    for (const c of consumers) c.host.cancelledByServer(c);
    return count;
  }

  queueUnused(queue: Queue): void {
    this.deleteQueue(queue);
  }

  // ---- dead-lettering ----

  deadLetter(queue: Queue, message: Message, reason: DeathReason): void {
    const dlxName = queue.config.deadLetterExchange;
    if (dlxName === undefined) return;
    const dlx = this.exchanges.get(dlxName);
    if (dlx === undefined) return;
    const copy = deadLetteredCopy(message, queue.name, reason, this.clock.now());
    const rk = queue.config.deadLetterRoutingKey;
    copy.exchange = dlxName;
    if (rk !== undefined) copy.routingKey = rk;
    const keys = rk !== undefined ? [rk] : publishedRoutingKeys(message);
    const targets = new Set<Queue>();
    for (const key of keys) this.router.route(dlx, key, copy.properties.headers, targets);
    let first = true;
    for (const target of targets) {
      if (isDeathCycle(copy, target.name)) continue;
      target.enqueue(first ? copy : copy.cloneForQueue(), -1, null, 0);
      first = false;
    }
  }

  /** Routes a publish; the returned set is reused by the next call. */
  routeScratch(exchange: Exchange, routingKey: string, headers: FieldTable | undefined): Set<Queue> {
    const out = this.routingScratch;
    out.clear();
    this.router.route(exchange, routingKey, headers, out);
    return out;
  }
}

function resourceLockedText(queue: string, method: MethodRef) {
  return resourceLocked(
    `cannot obtain exclusive access to locked ${queue}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
    method,
  );
}
