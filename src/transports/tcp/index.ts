/**
 * The TCP transport: the broker engine on the wire as an AMQP 0-9-1 server.
 */
export { AmqpServer } from './server.js';
export type { AmqpServerOptions, ListenAddress } from './server.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { SERVER_CAPABILITIES, serverProperties } from './server-properties.js';
export { defaultHeapHighWatermark, defaultMemoryHighWatermark } from './memory-monitor.js';
