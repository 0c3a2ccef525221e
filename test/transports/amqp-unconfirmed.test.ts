// AmqpTransport channels opened without publisher confirms (what RPC uses): publish resolves
// once handed to the connection, the message arrives, and an unroutable mandatory publish comes
// back as a 'return' event with 312 NO_ROUTE. Against Warren's server (port 0) and, when it
// answers, the RabbitMQ at 5672.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import type { TransportMessage } from '../../src/transports/transport.js';
import { startServer, withTimeout } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

let srv: TestServer;
const urls: string[] = [];

before(async () => {
  srv = await startServer();
  urls.push(srv.url);
  const rabbit = await new Promise<boolean>((resolve) => {
    const s = connect(5672, '127.0.0.1');
    const timer = setTimeout(() => (s.destroy(), resolve(false)), 1000);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve(true)));
    s.once('error', () => (clearTimeout(timer), resolve(false)));
  });
  if (rabbit) urls.push('amqp://guest:guest@127.0.0.1:5672');
});

after(async () => {
  await srv.close();
});

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
