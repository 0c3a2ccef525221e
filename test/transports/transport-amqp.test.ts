// Runs the transport conformance suite against the AmqpTransport (Warren's own AMQP client):
// to Warren's TCP server on port 0, and to the RabbitMQ at 5672 (WARREN_RABBITMQ_URL). The same
// tests as on the embedded transport, so the client matches the broker engine's behaviour
// on both brokers.
import { after, before } from 'node:test';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { transportSuite } from './transport.suite.js';

const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
let server: TestServer | undefined;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.close();
});

function transportTo(url: string | undefined): Promise<AmqpTransport> {
  if (url === undefined) throw new Error('no broker to connect to');
  return Promise.resolve(new AmqpTransport(url, { reconnect: false }));
}

transportSuite("AMQP client to Warren's server", () => transportTo(server?.url));
transportSuite('AMQP client to RabbitMQ', () => transportTo(RABBITMQ_URL));
