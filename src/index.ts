/**
 * The public entry point: `import { … } from 'warren'`. Named exports only.
 * The framework (decorators, Warren.start, the client) is the main surface; the broker,
 * the transports and the protocol error model are exported for apps that embed or extend them.
 */
export * from './framework/index.js';
export { Broker } from './broker/broker.js';
export type { BrokerOptions } from './broker/broker.js';
export { ManualClock, systemClock } from './util/clock.js';
export type { Clock } from './util/clock.js';
export { EmbeddedTransport } from './transports/embedded/index.js';
export { AmqpTransport } from './transports/amqp/index.js';
export { AmqpServer, WarrenServer, consoleLogger, silentLogger } from './transports/tcp/index.js';
export type { AmqpServerOptions, ListenAddress, Logger } from './transports/tcp/index.js';
export { UserStore } from './broker/access/user-store.js';
export type * from './transports/transport.js';
export {
  AmqpError,
  ChannelError,
  ConnectionError,
  FrameError,
  ReplyCode,
  isHardError,
} from './protocol/errors.js';
export { Decimal, TypedValue, typed } from './protocol/field-value.js';
export type { FieldTable, FieldValue, FieldTypeTag } from './protocol/field-value.js';
export type { BasicProperties } from './protocol/properties.js';
