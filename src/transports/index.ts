/**
 * `warren/transports`: the ways a broker is reached, for apps that build a transport themselves
 * (`Warren.start({ transport })`) or tools that speak to a broker below the framework.
 */
export type * from './transport.js';
export { MessageReturnedError, PublishNackedError, TransportClosedError } from './errors.js';
export { EmbeddedTransport, EmbeddedChannel } from './embedded/index.js';
export type { EmbeddedTransportOptions } from './embedded/index.js';
export { AmqpTransport, AmqpChannel } from './amqp/index.js';
export type { AmqpTransportOptions, ReconnectOptions } from './amqp/index.js';
export * from './tcp/index.js';
export * from './dead-letters/index.js';
