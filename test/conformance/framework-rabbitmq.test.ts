// Runs the framework conformance suite against the RabbitMQ at 127.0.0.1:5672.
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { frameworkSuite } from './framework.suite.js';

export const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

frameworkSuite('RabbitMQ', () => new AmqpTransport(RABBITMQ_URL, { reconnect: false }));
