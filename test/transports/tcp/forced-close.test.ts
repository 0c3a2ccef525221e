// Connections the engine closes by itself (vhost deleted, broker closed) or an operator
// closes (AmqpServer.closeConnection, the management API's DELETE) reach an unmodified
// client as connection.close 320 CONNECTION_FORCED, as with RabbitMQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { UserStore } from '../../../src/broker/access/user-store.js';
import { Broker } from '../../../src/broker/broker.js';
import { startServer, withTimeout } from '../../helpers/server.js';
import type { TestServer } from '../../helpers/server.js';

const T = { timeout: 15_000 };

/** Resolves with the error amqplib reports when the server closes the connection. */
function closedBy(conn: ChannelModel): Promise<Error & { code?: number }> {
  return withTimeout(
    new Promise((resolve) => conn.on('close', (err: Error & { code?: number }) => resolve(err))),
    5000,
    'connection close',
  );
}

async function connected(srv: TestServer, vhost = ''): Promise<ChannelModel> {
  const conn = await amqp.connect(`${srv.url}/${encodeURIComponent(vhost)}`);
  conn.on('error', () => undefined);
  return conn;
}

test('deleting the vhost closes its connections with 320; others stay open', T, async () => {
  const broker = new Broker();
  broker.addVhost('doomed');
  const users = UserStore.withDefaultUser();
  users.setPermissions('guest', 'doomed', { configure: '.*', write: '.*', read: '.*' });
  const srv = await startServer({ broker, users });
  try {
    const doomed = await connected(srv, 'doomed');
    const ch = await doomed.createChannel();
    ch.on('error', () => undefined);
    await ch.assertQueue('q', { durable: false });
    const survivor = await connected(srv, '/');
    const closed = closedBy(doomed);
    assert.equal(broker.deleteVhost('doomed'), true);
    const err = await closed;
    assert.equal(err.code, 320);
    assert.match(err.message, /CONNECTION_FORCED - vhost 'doomed' is deleted/);
    await withTimeout(
      new Promise<void>((resolve) => {
        const poll = (): void => (srv.server.connectionCount === 1 ? resolve() : void setTimeout(poll, 10));
        poll();
      }),
      5000,
      'socket gone',
    );
    const other = await survivor.createChannel();
    await other.checkExchange('amq.direct');
    await survivor.close();
  } finally {
    await srv.close();
  }
});

test('Broker.close closes every client connection with 320', T, async () => {
  const broker = new Broker();
  const srv = await startServer({ broker });
  try {
    const conn = await connected(srv);
    const closed = closedBy(conn);
    broker.close();
    const err = await closed;
    assert.equal(err.code, 320);
    assert.match(err.message, /broker is shutting down/);
  } finally {
    await srv.close();
  }
});

test('AmqpServer.closeConnection by name closes that connection with 320', T, async () => {
  const srv = await startServer();
  try {
    const conn = await connected(srv);
    const [info] = srv.server.connectionInfos();
    assert.ok(info);
    const closed = closedBy(conn);
    assert.equal(srv.server.closeConnection(info.peer, 'maintenance'), true);
    const err = await closed;
    assert.equal(err.code, 320);
    assert.match(err.message, /Closed via management plugin: maintenance/);
    assert.equal(srv.server.closeConnection('nobody:1', 'x'), false);
  } finally {
    await srv.close();
  }
});
