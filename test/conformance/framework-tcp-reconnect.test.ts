// Reconnect behaviour against Warren's own AMQP server, through a TCP proxy the test can cut.
import { after, describe } from 'node:test';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer } from '../helpers/server.js';
import { reconnectTests, reconnectUnderLoadTests } from './sections/reconnect.js';

const warren = await startServer();
after(() => warren.close());

describe("framework on Warren's server: reconnect", { concurrency: true }, () =>
  reconnectTests(
    () => new AmqpTransport(warren.url, { reconnect: false }),
    (url) => new AmqpTransport(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
    { host: '127.0.0.1', port: warren.port, url: 'amqp://guest:guest@127.0.0.1:{port}' },
  ),
);

describe("framework on Warren's server: reconnect under load", { concurrency: true }, () =>
  reconnectUnderLoadTests(
    () => new AmqpTransport(warren.url, { reconnect: false }),
    (url) => new AmqpTransport(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
    { host: '127.0.0.1', port: warren.port, url: 'amqp://guest:guest@127.0.0.1:{port}' },
  ),
);
