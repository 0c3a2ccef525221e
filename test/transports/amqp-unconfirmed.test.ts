// AmqpTransport channels opened without publisher confirms (what RPC uses): publish resolves
// once handed to the connection, the message arrives, and an unroutable mandatory publish comes
// back as a 'return' event with 312 NO_ROUTE. Against Warren's server (port 0) and, when it
// answers, the RabbitMQ at 5672.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import type { TransportMessage } from '../../src/transports/transport.js';
import { serverAndRabbitmq, withTimeout } from '../helpers/server.js';

const { urls } = serverAndRabbitmq();

test('a channel without confirms delivers, and returns an unroutable mandatory publish as an event', async () => {
  for (const url of urls) {
    const t = new AmqpTransport(url, { reconnect: false });
    await t.connect();
    try {
      const ch = await t.createChannel({ confirms: false });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      const got = new Promise<TransportMessage>(
        (resolve) => void ch.consume(queue, resolve, { noAck: true }),
      );
      await ch.publish('', queue, Buffer.from('hi'), { correlationId: 'a' });
      assert.equal((await withTimeout(got, 5000, 'delivery')).body.toString(), 'hi', url);

      const returned = new Promise<[TransportMessage, number]>((resolve) =>
        ch.on('return', (m, code) => resolve([m, code])),
      );
      const missing = `i15-no-such-queue-${randomUUID()}`;
      await ch.publish('', missing, Buffer.from('x'), { mandatory: true, correlationId: 'b' });
      const [m, code] = await withTimeout(returned, 5000, 'basic.return');
      assert.deepEqual([code, m.properties.correlationId, m.fields.routingKey], [312, 'b', missing], url);
    } finally {
      await t.close();
    }
  }
});
