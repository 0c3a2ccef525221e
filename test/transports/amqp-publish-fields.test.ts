// The AMQP adapter builds basic.publish's fields itself (publish-fields.ts) instead of through
// amqplib's Args.publish: the frames must be byte for byte the ones amqplib would send, and a
// message published through the adapter must arrive with every property and header intact.
// Against Warren's server (port 0) and, when it answers, the RabbitMQ at 5672.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import amqp from 'amqplib';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { directPublisher, publishFields } from '../../src/transports/amqp/publish-fields.js';
import type { PublishProperties, TransportMessage } from '../../src/transports/transport.js';
import { serverAndRabbitmq, withTimeout } from '../helpers/server.js';

const require = createRequire(import.meta.url);
// amqplib's internals, not in its exports map: loaded by path.
const amqplibDir = dirname(require.resolve('amqplib'));
interface Defs {
  BasicPublish: number;
  BasicProperties: number;
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
}
const defs = require(join(amqplibDir, 'lib/defs.js')) as Defs;
const Args = (
  require(join(amqplibDir, 'lib/api_args.js')) as { publish: (e: string, r: string, o: unknown) => unknown }
).publish;

const CASES: (PublishProperties | undefined)[] = [
  undefined,
  {},
  { contentType: 'application/json', correlationId: 'c1', replyTo: 'amq.rabbitmq.reply-to' },
  {
    messageId: 'm1',
    contentType: 'application/json',
    timestamp: 1_700_000_000,
    headers: {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-warren-deadline': Date.now(),
    },
    persistent: true,
    mandatory: true,
    priority: 3,
    expiration: '30000',
  },
  { persistent: false, headers: {}, type: 't', userId: 'guest', appId: 'a', contentEncoding: 'gzip' },
  { headers: { n: 1, s: 'x', b: true, nested: { k: [1, 'two'] }, undef: undefined } },
  // What amqplib also accepts: a numeric expiration, a deliveryMode instead of persistent.
  { expiration: 500, deliveryMode: 2 } as unknown as PublishProperties,
];

test('publishFields encodes to the same basic.publish and properties frames as amqplib', () => {
  for (const props of CASES) {
    const ours = publishFields('ex', 'rk', props);
    const theirs = Args('ex', 'rk', props);
    assert.deepEqual(
      defs.encodeMethod(defs.BasicPublish, 1, ours),
      defs.encodeMethod(defs.BasicPublish, 1, theirs),
    );
    assert.deepEqual(
      defs.encodeProperties(defs.BasicProperties, 1, 10, ours),
      defs.encodeProperties(defs.BasicProperties, 1, 10, theirs),
      JSON.stringify(props),
    );
  }
});

const { urls, server } = serverAndRabbitmq();

test('amqplib channels offer the internals the direct publish uses', async () => {
  const conn = await amqp.connect(server().url);
  try {
    assert.equal(typeof directPublisher(await conn.createChannel(), false), 'function');
    assert.equal(typeof directPublisher(await conn.createConfirmChannel(), true), 'function');
  } finally {
    await conn.close();
  }
});

test('a publish with headers arrives with its properties and headers, confirmed and unconfirmed', async () => {
  for (const url of urls) {
    for (const confirms of [true, false]) {
      const t = new AmqpTransport(url, { reconnect: false });
      await t.connect();
      try {
        const ch = await t.createChannel({ confirms });
        const { queue } = await ch.assertQueue('', { exclusive: true });
        const got = new Promise<TransportMessage>(
          (resolve) => void ch.consume(queue, resolve, { noAck: true }),
        );
        const deadline = Date.now() + 30_000;
        await ch.publish('', queue, Buffer.from('{"n":1}'), {
          messageId: 'm-1',
          correlationId: 'c-1',
          contentType: 'application/json',
          headers: { traceparent: 'tp', 'x-warren-deadline': deadline, 'x-attempt': 2 },
          persistent: true,
          mandatory: true,
          expiration: '60000',
        });
        const m = await withTimeout(got, 10_000, `delivery on ${url}`);
        assert.equal(m.body.toString(), '{"n":1}');
        assert.equal(m.properties.messageId, 'm-1');
        assert.equal(m.properties.correlationId, 'c-1');
        assert.equal(m.properties.deliveryMode, 2);
        assert.equal(m.properties.expiration, '60000');
        const h = m.properties.headers ?? {};
        assert.equal(h['traceparent'], 'tp');
        assert.equal(Number(h['x-warren-deadline']), deadline);
        assert.equal(Number(h['x-attempt']), 2);
      } finally {
        await t.close();
      }
    }
  }
});
