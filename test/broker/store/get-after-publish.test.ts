// Persistent messages of durable queues are handed out only once their log record is synced.
// A client that publishes and then immediately basic.gets (pipelined, no confirm wait) must
// still get its message, not get-empty: the server holds the get until the sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { Broker } from '../../../src/broker/broker.js';
import { startServer } from '../../helpers/server.js';
import { removeDir, tempDir } from './helpers.js';

test(
  'publish then immediate basic.get on a durable queue of a persistent broker returns the message',
  { timeout: 30_000 },
  async () => {
    const dir = tempDir('warren-get-after-publish-');
    const broker = await Broker.open(dir, { consumerTimeout: 0, onWarning: () => undefined });
    const srv = await startServer({ broker });
    try {
      const conn = await amqp.connect(srv.url);
      try {
        const ch = await conn.createChannel();
        await ch.assertQueue('gap', { durable: true });
        for (let i = 0; i < 20; i++) {
          ch.sendToQueue('gap', Buffer.from(`m${i}`), { persistent: true });
          const got = await ch.get('gap', { noAck: true });
          assert.ok(got !== false, `get-empty right after publish ${i}`);
          assert.equal(got.content.toString(), `m${i}`);
        }
      } finally {
        await conn.close();
      }
    } finally {
      await srv.close();
      await broker.shutdown();
      removeDir(dir);
    }
  },
);
