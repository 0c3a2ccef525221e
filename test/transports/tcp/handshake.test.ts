// Connection-level behaviour seen by a real client (amqplib) and by a raw peer: server
// properties, PLAIN / AMQPLAIN, refused logins and vhosts, heartbeats, shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { UserStore, FULL_ACCESS } from '../../../src/broker/access/user-store.js';
import { RawPeer, lastPeer, startServer, withTimeout } from '../../helpers/server.js';

test('handshake: server properties and capabilities are visible to the client', async () => {
  const srv = await startServer();
  try {
    const conn = await amqp.connect(srv.url);
    const props = (conn.connection as unknown as { serverProperties: Record<string, unknown> })
      .serverProperties;
    assert.equal(props['product'], 'Warren');
    for (const k of ['version', 'platform', 'copyright', 'information', 'cluster_name']) {
      assert.equal(typeof props[k], 'string', k);
    }
    const caps = props['capabilities'] as Record<string, unknown>;
    for (const c of [
      'publisher_confirms',
      'exchange_exchange_bindings',
      'basic.nack',
      'consumer_cancel_notify',
      'connection.blocked',
      'consumer_priorities',
      'authentication_failure_close',
      'per_consumer_qos',
      'direct_reply_to',
    ]) {
      assert.equal(caps[c], true, c);
    }
    await conn.close();
  } finally {
    await srv.close();
  }
});

test('handshake: PLAIN and AMQPLAIN logins', async () => {
  const users = UserStore.withDefaultUser();
  users.addUser('alice', 's3cret', []);
  users.setPermissions('alice', '/', FULL_ACCESS);
  const srv = await startServer({ users });
  try {
    const plain = await amqp.connect(`amqp://alice:s3cret@127.0.0.1:${srv.port}`);
    await plain.close();
    const amqplain = await amqp.connect(`amqp://127.0.0.1:${srv.port}`, {
      credentials: amqp.credentials.amqplain('alice', 's3cret'),
    });
    const ch = await amqplain.createChannel();
    await ch.assertQueue('amqplain-q');
    await amqplain.close();
  } finally {
    await srv.close();
  }
});

test('handshake: a bad password is refused with 403 ACCESS_REFUSED', async () => {
  const srv = await startServer();
  try {
    await assert.rejects(amqp.connect(`amqp://guest:wrong@127.0.0.1:${srv.port}`), (e: Error) => {
      assert.match(e.message, /403/);
      assert.match(e.message, /ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN/);
      return true;
    });
  } finally {
    await srv.close();
  }
});

test('handshake: an unknown vhost and a vhost without permissions are refused with 530', async () => {
  const srv = await startServer();
  srv.server.broker.addVhost('other');
  try {
    // amqplib reports only "got <ConnectionClose>" here (as with RabbitMQ); check the wire.
    await assert.rejects(amqp.connect(`${srv.url}/nope`), /ConnectionClose/);
    for (const [vhost, text] of [
      ['nope', 'NOT_ALLOWED - vhost nope not found'],
      ['other', "NOT_ALLOWED - access to vhost 'other' refused for user 'guest'"],
    ] as const) {
      const p = await RawPeer.handshake(srv.port, 0, vhost).catch((e: Error) => e);
      assert.ok(p instanceof Error);
      const close = lastPeer!.commands.find((c) => c.method.name === 'connection.close');
      assert.ok(close !== undefined && close.method.name === 'connection.close');
      assert.equal(close.method.replyCode, 530);
      assert.equal(close.method.replyText, text);
      lastPeer!.destroy();
    }
  } finally {
    await srv.close();
  }
});

test('handshake: a wrong mechanism or a frame before start-ok closes the socket silently, after the delay', async () => {
  const srv = await startServer({ silentCloseDelayMs: 300 });
  try {
    const p = await RawPeer.open(srv.port);
    p.write(Buffer.from('AMQP\0\0\x09\x01', 'latin1'));
    await p.waitFor('connection.start');
    const t0 = Date.now();
    p.send(1, 'basic.publish', { exchange: '', routingKey: 'x' }, Buffer.from('hi'));
    await p.waitClosed();
    assert.ok(Date.now() - t0 >= 250, `closed after ${Date.now() - t0} ms`);
    assert.equal(p.commands.filter((c) => c.method.name === 'connection.close').length, 0);
  } finally {
    await srv.close();
  }
});

/** start-ok with guest and `password`, no client capabilities (so no authentication_failure_close). */
async function loginWithoutCapabilities(port: number, password: string): Promise<RawPeer> {
  const p = await RawPeer.open(port);
  p.write(Buffer.from('AMQP\0\0\x09\x01', 'latin1'));
  await p.waitFor('connection.start');
  p.send(0, 'connection.start-ok', {
    clientProperties: {},
    mechanism: 'PLAIN',
    response: Buffer.from(`\0guest\0${password}`),
    locale: 'en_US',
  });
  return p;
}

test('handshake: a refused login without authentication_failure_close is dropped silently after the delay (RabbitMQ: 3 s)', async () => {
  const srv = await startServer({ silentCloseDelayMs: 400 });
  try {
    const t0 = Date.now();
    const p = await loginWithoutCapabilities(srv.port, 'wrong');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(p.isClosed, false);
    // nothing more is read during the delay
    p.send(0, 'connection.tune-ok', { channelMax: 0, frameMax: 131072, heartbeat: 0 });
    await p.waitClosed();
    assert.ok(Date.now() - t0 >= 350, `closed after ${Date.now() - t0} ms`);
    assert.deepEqual(
      p.commands.map((c) => c.method.name),
      ['connection.start'],
    );
    // a server shutdown does not wait for the delay
    const q = await loginWithoutCapabilities(srv.port, 'wrong');
    await new Promise((r) => setTimeout(r, 50));
    const t1 = Date.now();
    await srv.close();
    await q.waitClosed();
    assert.ok(Date.now() - t1 < 300, `shutdown took ${Date.now() - t1} ms`);
  } finally {
    await srv.close();
  }
});

test('handshake: a refused tune-ok gets no close and is dropped after the delay', async () => {
  const srv = await startServer({ silentCloseDelayMs: 300 });
  try {
    const p = await loginWithoutCapabilities(srv.port, 'guest');
    await p.waitFor('connection.tune');
    const t0 = Date.now();
    p.send(0, 'connection.tune-ok', { channelMax: 4000, frameMax: 131072, heartbeat: 0 });
    await p.waitClosed();
    assert.ok(Date.now() - t0 >= 250, `closed after ${Date.now() - t0} ms`);
    assert.equal(p.commands.filter((c) => c.method.name === 'connection.close').length, 0);
  } finally {
    await srv.close();
  }
});

test('heartbeat: negotiated value is the client tune-ok; the server sends heartbeats', async () => {
  const srv = await startServer({ heartbeat: 1 });
  try {
    const p = await RawPeer.handshake(srv.port, 1);
    const tune = p.commands.find((c) => c.method.name === 'connection.tune')!;
    assert.equal(tune.method.name === 'connection.tune' && tune.method.heartbeat, 1);
    assert.equal(tune.method.name === 'connection.tune' && tune.method.channelMax, 2047);
    assert.equal(tune.method.name === 'connection.tune' && tune.method.frameMax, 131072);
    const before = p.raw.length;
    // keep the server from declaring us dead while we watch for its heartbeats
    const keep = setInterval(() => p.write(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce])), 300);
    await new Promise((r) => setTimeout(r, 1300));
    clearInterval(keep);
    const hb = p.raw.subarray(before);
    assert.ok(hb.includes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce])), 'server heartbeat seen');
    assert.equal(p.isClosed, false);
    p.destroy();
  } finally {
    await srv.close();
  }
});

test('heartbeat: a silent peer is dropped within about 2x the interval', async () => {
  const srv = await startServer();
  try {
    const p = await RawPeer.handshake(srv.port, 1);
    const t0 = Date.now();
    await p.waitClosed(4000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 1500 && elapsed < 3600, `dropped after ${elapsed} ms`);
    await new Promise((r) => setImmediate(r));
    assert.equal(srv.server.connectionCount, 0);
  } finally {
    await srv.close();
  }
});

test('shutdown: clients see connection.close 320 CONNECTION_FORCED', async () => {
  const srv = await startServer();
  const conn = await amqp.connect(srv.url);
  const closed = new Promise<Error>((resolve) => conn.on('close', (e: Error) => resolve(e)));
  conn.on('error', () => undefined);
  await srv.close();
  const err = await withTimeout(closed, 3000, 'client close event');
  assert.match(String(err), /320/);
  assert.match(String(err), /CONNECTION_FORCED/);
});
