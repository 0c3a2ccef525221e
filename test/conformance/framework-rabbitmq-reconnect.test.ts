// Reconnect behaviour against the RabbitMQ at 127.0.0.1:5672, through a TCP proxy the test
// can cut (the management API is not enabled on the test broker).
import { describe } from 'node:test';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { reconnectTests, reconnectUnderLoadTests } from './sections/reconnect.js';

const URL_BASE = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('framework on RabbitMQ: reconnect', { concurrency: true }, () =>
  reconnectTests(
    () => new AmqpTransport(URL_BASE, { reconnect: false }),
    (url) => new AmqpTransport(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
    { host: '127.0.0.1', port: 5672, url: 'amqp://guest:guest@127.0.0.1:{port}' },
  ),
);

describe('framework on RabbitMQ: reconnect under load', { concurrency: true }, () =>
  reconnectUnderLoadTests(
    () => new AmqpTransport(URL_BASE, { reconnect: false }),
    (url) => new AmqpTransport(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
    { host: '127.0.0.1', port: 5672, url: 'amqp://guest:guest@127.0.0.1:{port}' },
  ),
);
