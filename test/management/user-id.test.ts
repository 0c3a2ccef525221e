// RabbitMQ's validated user-id: a publish whose user_id property is not the authenticated
// user closes the channel with 406 PRECONDITION_FAILED, the same text on Warren's server as on
// the RabbitMQ at 127.0.0.1:5672; the user's own name passes, and an `impersonator` may set any.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { FULL_ACCESS, UserStore } from '../../src/broker/access/user-store.js';
import { startServer } from '../helpers/server.js';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

/** Publishes with `userId` on a fresh confirm channel; the channel's close error, or 'ok'. */
async function publishAs(url: string, queue: string, userId: string): Promise<string> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<string>((resolve) => ch.on('error', (e: Error) => resolve(e.message)));
    ch.on('close', () => undefined);
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    const confirmed = new Promise<string>((resolve) =>
      ch.sendToQueue(queue, Buffer.from('x'), { userId }, (err) => resolve(err ? 'nacked' : 'ok')),
    );
    const outcome = await Promise.race([closed, confirmed]);
    if (outcome === 'ok') await ch.deleteQueue(queue);
    else {
      const clean = await conn.createChannel();
      await clean.deleteQueue(queue);
    }
    return outcome === 'nacked' ? await closed : outcome;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

test('user_id other than the login: 406 with RabbitMQ text on both; own name and impersonator pass', async () => {
  const queue = `user-id-${randomBytes(4).toString('hex')}`;
  const rabbit = await publishAs(RABBITMQ, queue, 'mallory');
  assert.match(rabbit, /406 \(PRECONDITION-FAILED\)/);
  const users = UserStore.withDefaultUser();
  users.addUser('svc', 'svc', ['impersonator']);
  users.setPermissions('svc', '/', FULL_ACCESS);
  const server = await startServer({ users });
  try {
    const warren = await publishAs(server.url, queue, 'mallory');
    assert.equal(warren, rabbit);
    assert.match(warren, /user_id property set to 'mallory' but authenticated user was 'guest'/);
    assert.equal(await publishAs(server.url, queue, 'guest'), 'ok');
    assert.equal(await publishAs(RABBITMQ, queue, 'guest'), 'ok');
    const svc = server.url.replace('guest:guest', 'svc:svc');
    assert.equal(await publishAs(svc, queue, 'mallory'), 'ok', 'an impersonator may set any user_id');
  } finally {
    await server.close();
  }
});
