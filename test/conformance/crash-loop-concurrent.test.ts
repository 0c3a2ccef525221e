// The crash-loop test, several at once on RabbitMQ and on Warren's server, so the retry path
// runs with its confirms late (as under load). A retry copy with a short delay must not run
// before its original's ack reached the broker: a worker dying in that window once left both
// to be delivered again, and the attempts came out as [1, 2, 2, 3].
import { after, describe, test } from 'node:test';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer } from '../helpers/server.js';
import { crashLoop } from './sections/tasks.js';

const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const warren = await startServer();
after(() => warren.close());

const targets = [
  ['RabbitMQ', RABBITMQ_URL],
  ["Warren's server", warren.url],
] as const;

for (const [label, url] of targets) {
  describe(`${label}: crash loops side by side`, { concurrency: true }, () => {
    for (let i = 0; i < 6; i++) {
      test(
        `crash loop ${i + 1}: attempts 1, 1 (alone), 2, 3 then the dead-letter queue`,
        { timeout: 60_000 },
        () => crashLoop(() => new AmqpTransport(url, { reconnect: false }), 'classic'),
      );
    }
  });
}
