/**
 * The Exchange record: name, type, flags, arguments and its routing table. Destinations of
 * bindings are queues or exchanges (exchange-to-exchange bindings). The default exchange
 * ("") has no router: the vhost routes it by queue name.
 *
 * Invariant: `router` is null exactly for the default exchange.
 */
import type { FieldTable } from '../../protocol/field-value.js';
import type { Policy } from '../policies.js';
import type { ExchangeRouter } from './exchange-router.js';
import type { Queue } from '../queue/queue.js';

export type Destination = Queue | Exchange;

export interface ExchangeOptions {
  name: string;
  type: string;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
}

export class Exchange {
  readonly name: string;
  readonly type: string;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
  /** In effect: the alternate-exchange argument, else the policy's (the argument wins, as RabbitMQ). */
  alternateExchange: string | undefined;
  /** The vhost's policy for this exchange, if any. */
  policy: Policy | undefined;
  private readonly argAlternateExchange: string | undefined;
  deleted = false;

  constructor(
    options: ExchangeOptions,
    readonly router: ExchangeRouter<Destination> | null,
  ) {
    this.name = options.name;
    this.type = options.type;
    this.durable = options.durable;
    this.autoDelete = options.autoDelete;
    this.internal = options.internal;
    this.arguments = options.arguments;
    const ae = options.arguments['alternate-exchange'];
    this.argAlternateExchange =
      typeof ae === 'string' ? ae : Buffer.isBuffer(ae) ? ae.toString('utf8') : undefined;
    this.alternateExchange = this.argAlternateExchange;
  }

  applyPolicy(policy: Policy | undefined): void {
    this.policy = policy;
    const ae = policy?.definition['alternate-exchange'];
    this.alternateExchange = this.argAlternateExchange ?? (typeof ae === 'string' ? ae : undefined);
  }
}
