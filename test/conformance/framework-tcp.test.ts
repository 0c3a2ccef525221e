// Runs the framework conformance suite on Warren's own AMQP server over TCP, through the
// same AmqpTransport (amqplib) an app uses for RabbitMQ.
import { after } from 'node:test';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer } from '../helpers/server.js';
import { frameworkSuite } from './framework.suite.js';

const warren = await startServer();
after(() => warren.close());

frameworkSuite("Warren's server", () => new AmqpTransport(warren.url, { reconnect: false }));
