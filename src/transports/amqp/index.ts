/** The AMQP client transport (Warren's own client, on its codec): for RabbitMQ and Warren's own TCP server. */
export { AmqpTransport } from './amqp-transport.js';
export type { AmqpTransportOptions } from './amqp-transport.js';
export { AmqpChannel } from './amqp-channel.js';
export type { ReconnectOptions } from './reconnect-policy.js';
