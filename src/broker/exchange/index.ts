/**
 * The exchange types Warren's broker knows, and a factory for their routing tables.
 *
 * Declaring an exchange of any other type is a connection error in RabbitMQ:
 * 503 COMMAND_INVALID "unknown exchange type 'x'" (`unknownExchangeType` builds it).
 * `validateBinding` runs the per-type checks a bind must pass before any state changes
 * (the routers run them too, without the method reference).
 */
import type { ExchangeRouter } from './exchange-router.js';
import type { ConnectionError, MethodRef } from '../../protocol/errors.js';
import { commandInvalid } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/field-value.js';
import { DirectRouter } from './direct.js';
import { FanoutRouter } from './fanout.js';
import { HeadersRouter, validateHeadersBinding } from './headers.js';
import { TopicRouter, validateTopicBindingKey } from './topic.js';
import type { TopicRouterOptions } from './topic.js';

export { DirectRouter } from './direct.js';
export { FanoutRouter } from './fanout.js';
export { HeadersRouter, validateHeadersBinding } from './headers.js';
export { TopicRouter, topicWords, validateTopicBindingKey } from './topic.js';
export type { TopicRouterOptions } from './topic.js';
export { fieldTablesEqual } from './field-equality.js';

export const EXCHANGE_TYPES = ['direct', 'fanout', 'topic', 'headers'] as const;
export type RoutingType = (typeof EXCHANGE_TYPES)[number];

export interface RouterOptions {
  topic?: TopicRouterOptions;
}

export function isExchangeType(type: string): type is RoutingType {
  return (EXCHANGE_TYPES as readonly string[]).includes(type);
}

/** RabbitMQ's error for exchange.declare with a type it does not know (a hard error). */
export function unknownExchangeType(type: string, method?: MethodRef): ConnectionError {
  return commandInvalid(`unknown exchange type '${type}'`, method);
}

/** Narrows `type` to a known exchange type or throws RabbitMQ's 503. */
export function assertExchangeType(type: string, method?: MethodRef): asserts type is RoutingType {
  if (!isExchangeType(type)) throw unknownExchangeType(type, method);
}

export function createRouter<D>(type: RoutingType, options: RouterOptions = {}): ExchangeRouter<D> {
  switch (type) {
    case 'direct':
      return new DirectRouter<D>();
    case 'fanout':
      return new FanoutRouter<D>();
    case 'topic':
      return new TopicRouter<D>(options.topic);
    case 'headers':
      return new HeadersRouter<D>();
  }
}

/** The checks a binding to an exchange of `type` must pass (throws a 406 ChannelError). */
export function validateBinding(
  type: RoutingType,
  routingKey: string,
  args: FieldTable,
  options: RouterOptions = {},
  method?: MethodRef,
): void {
  if (type === 'headers') validateHeadersBinding(args, method);
  const maxHash = options.topic?.maxHashWildcards;
  if (type === 'topic' && maxHash !== undefined) validateTopicBindingKey(routingKey, maxHash, method);
}
