// max_message_size: a body over the limit closes the channel with 406 PRECONDITION_FAILED and
// RabbitMQ's text. The default (128 MiB) is compared side by side with the real RabbitMQ
// 3.10.8 on 5672; a configured limit (Broker maxMessageSize) is checked at its boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { Broker } from '../../../src/broker/broker.js';
import { startServer, withTimeout } from '../../helpers/server.js';

const RABBIT = 'amqp://guest:guest@127.0.0.1:5672';

/** Publishes `size` bytes on a fresh channel; the channel's close text, or 'ok' (after a round trip). */
async function publishSize(url: string, size: number): Promise<string> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    const closed = new Promise<string>((resolve) => ch.on('error', (e: Error) => resolve(e.message)));
    ch.publish('', `warren-max-size-absent-${process.pid}`, Buffer.alloc(size));
    const roundTrip = ch.checkExchange('amq.direct').then(() => 'ok');
    return await withTimeout(Promise.race([closed, roundTrip.catch(() => closed)]), 60_000, 'publish result');
  } finally {
    await conn.close().catch(() => undefined);
  }
}

test(
  'a body over the default 128 MiB: 406 with the same text as RabbitMQ 3.10.8',
  { timeout: 180_000 },
  async (t) => {
    const over = 128 * 1024 * 1024 + 1;
    let rabbit: string;
    try {
      rabbit = await publishSize(RABBIT, over);
    } catch (e) {
      return t.skip(`RabbitMQ on 5672 not reachable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const srv = await startServer();
    try {
      const warren = await publishSize(srv.url, over);
      assert.match(rabbit, /406/);
      assert.equal(warren, rabbit);
    } finally {
      await srv.close();
    }
  },
);

test(
  'a configured max message size: the limit itself passes, one byte more is 406 on the channel only',
  { timeout: 60_000 },
  async () => {
    const broker = new Broker({ maxMessageSize: 4096 });
    const srv = await startServer({ broker });
    try {
      assert.equal(await publishSize(srv.url, 4096), 'ok');
      assert.equal(
        await publishSize(srv.url, 4097),
        'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 4097 is larger than configured max size 4096"',
      );
    } finally {
      await srv.close();
    }
  },
);
