/**
 * Routing traversal: from the exchange a message was published to, through
 * exchange-to-exchange bindings and alternate exchanges, to the set of queues that get a
 * copy. RabbitMQ's rules: an exchange whose own routing yields no destination hands the
 * message to its alternate-exchange; every exchange is visited at most once (cycles end);
 * a queue reached along several paths gets one copy (the output is a Set).
 *
 * The scratch sets are reused between calls so a publish allocates nothing here.
 */
import type { FieldTable } from '../protocol/field-value.js';
import { Exchange } from './exchange/exchange-record.js';
import type { Destination } from './exchange/exchange-record.js';
import type { Queue } from './queue/queue.js';

export interface RoutingTables {
  readonly exchanges: ReadonlyMap<string, Exchange>;
  readonly queues: ReadonlyMap<string, Queue>;
}

export class Router {
  private readonly scratch = new Set<Destination>();
  private readonly seen = new Set<Exchange>();
  private readonly work: Exchange[] = [];

  constructor(private readonly tables: RoutingTables) {}

  /** Adds to `out` every queue `routingKey` reaches from `exchange`. */
  route(exchange: Exchange, routingKey: string, headers: FieldTable | undefined, out: Set<Queue>): void {
    if (exchange.router === null) {
      const q = this.tables.queues.get(routingKey);
      if (q !== undefined) out.add(q);
      return;
    }
    const dests = this.scratch;
    dests.clear();
    exchange.router.route(routingKey, headers, dests);
    if (dests.size > 0 && this.onlyQueues(dests, out)) return;
    this.routeSlow(exchange, routingKey, headers, out);
  }

  /** Copies queue destinations to `out`; false when an exchange destination was found. */
  private onlyQueues(dests: Set<Destination>, out: Set<Queue>): boolean {
    for (const d of dests) {
      if (d instanceof Exchange) return false;
      out.add(d);
    }
    return true;
  }

  private routeSlow(
    start: Exchange,
    routingKey: string,
    headers: FieldTable | undefined,
    out: Set<Queue>,
  ): void {
    const seen = this.seen;
    const work = this.work;
    seen.clear();
    work.length = 0;
    work.push(start);
    seen.add(start);
    const dests = new Set<Destination>();
    for (let x = work.pop(); x !== undefined; x = work.pop()) {
      dests.clear();
      if (x.router === null) {
        const q = this.tables.queues.get(routingKey);
        if (q !== undefined) dests.add(q);
      } else {
        x.router.route(routingKey, headers, dests);
      }
      if (dests.size === 0 && x.alternateExchange !== undefined) {
        const ae = this.tables.exchanges.get(x.alternateExchange);
        if (ae !== undefined && !seen.has(ae)) {
          seen.add(ae);
          work.push(ae);
        }
        continue;
      }
      for (const d of dests) {
        if (d instanceof Exchange) {
          if (!seen.has(d) && !d.deleted) {
            seen.add(d);
            work.push(d);
          }
        } else if (!d.deleted) {
          out.add(d);
        }
      }
    }
  }
}
