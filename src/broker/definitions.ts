/**
 * The definitions hook: called for durable entities only (durable exchanges, durable
 * queues, bindings between durable ends, policies), after the change took effect, so a definitions
 * store can record them and re-declare them at boot. Listeners must not throw.
 */
import type { FieldTable } from '../protocol/field-value.js';
import type { Policy } from './policies.js';

export interface ExchangeDefinition {
  vhost: string;
  name: string;
  type: string;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
}

export interface QueueDefinition {
  vhost: string;
  name: string;
  durable: boolean;
  autoDelete: boolean;
  /** Exclusive queues die with their connection, so a definitions store skips them. */
  exclusive?: boolean;
  arguments: FieldTable;
}

export interface BindingDefinition {
  vhost: string;
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
  arguments: FieldTable;
}

export interface DefinitionsListener {
  vhostAdded?(name: string): void;
  vhostDeleted?(name: string): void;
  exchangeDeclared?(def: ExchangeDefinition): void;
  exchangeDeleted?(vhost: string, name: string): void;
  queueDeclared?(def: QueueDefinition): void;
  queueDeleted?(vhost: string, name: string): void;
  bindingAdded?(def: BindingDefinition): void;
  bindingRemoved?(def: BindingDefinition): void;
  /** A policy was set (added or replaced); policies are always durable, as RabbitMQ's. */
  policySet?(policy: Policy): void;
  policyCleared?(vhost: string, name: string): void;
  /**
   * Changes not yet on disk: a promise that settles once every change made so far is
   * written and synced (rejecting if that write failed), or undefined when nothing is
   * pending. Transports answer a durable declaration only after it settled.
   */
  pendingSave?(): Promise<void> | undefined;
  /** Writes what is pending and releases files (broker shutdown). */
  close?(): Promise<void>;
}
