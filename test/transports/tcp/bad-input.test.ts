// Misbehaving peers over raw sockets: each gets the right close code (or a clean
// disconnect) and the server keeps serving everyone else.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { PROTOCOL_HEADER } from '../../../src/protocol/protocol-header.js';
import { RawPeer, startServer } from '../../helpers/server.js';
import type { TestServer } from '../../helpers/server.js';

let srv: TestServer;

before(async () => {
  srv = await startServer({ closeTimeoutMs: 500, silentCloseDelayMs: 200 });
});

after(async () => {
  await srv.close();
});

/** A real client still works after the misbehaviour. */
async function stillServing(): Promise<void> {
  const conn = await amqp.connect(srv.url);
  const ch = await conn.createChannel();
  const q = await ch.assertQueue('', { exclusive: true });
  ch.sendToQueue(q.queue, Buffer.from('ok'));
  await new Promise((r) => setTimeout(r, 10));
  const m = await ch.get(q.queue, { noAck: true });
  assert.ok(m !== false && m.content.toString() === 'ok');
  await conn.close();
}

async function expectClose(p: RawPeer, code: number): Promise<void> {
  const close = await p.waitFor('connection.close');
  assert.equal(close.method.name === 'connection.close' && close.method.replyCode, code);
  p.send(0, 'connection.close-ok');
  await p.waitClosed();
}

test('garbage bytes get the 0-9-1 protocol header back, then the socket closes', async () => {
  const p = await RawPeer.open(srv.port);
  p.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await p.waitClosed();
  assert.deepEqual(p.raw, PROTOCOL_HEADER);
  await stillServing();
});

test('a wrong protocol version gets the 0-9-1 header back', async () => {
  const p = await RawPeer.open(srv.port);
  p.write(Buffer.from('AMQP\x01\x01\x00\x0a', 'latin1'));
  await p.waitClosed();
  assert.deepEqual(p.raw, PROTOCOL_HEADER);
  await stillServing();
});

test('a frame on an unopened channel is 504 CHANNEL_ERROR', async () => {
  const p = await RawPeer.handshake(srv.port);
  p.send(7, 'queue.declare', { queue: 'x' });
  await expectClose(p, 504);
  await stillServing();
});

test('basic.publish before connection.open closes the socket without a close (as RabbitMQ)', async () => {
  const { peer: p } = await RawPeer.untilTune(srv.port);
  p.send(0, 'connection.tune-ok', { channelMax: 0, frameMax: 131072, heartbeat: 0 });
  p.send(1, 'basic.publish', { exchange: '', routingKey: 'q' }, Buffer.from('early'));
  await p.waitClosed();
  assert.equal(p.commands.filter((c) => c.method.name === 'connection.close').length, 0);
  await stillServing();
});

test('an unexpected method after open is answered with a connection.close', async () => {
  const p = await RawPeer.handshake(srv.port);
  p.send(0, 'connection.start-ok', { clientProperties: {}, mechanism: 'PLAIN', response: Buffer.alloc(0) });
  await expectClose(p, 504);
  const q = await RawPeer.handshake(srv.port);
  p.send(1, 'channel.open');
  q.send(1, 'channel.open');
  await q.waitFor('channel.open-ok');
  q.send(
    1,
    'basic.deliver',
    { consumerTag: 'x', deliveryTag: 1, exchange: '', routingKey: '' },
    Buffer.from('?'),
  );
  await expectClose(q, 503);
  await stillServing();
});

test('an oversized frame is 501 FRAME_ERROR', async () => {
  const p = await RawPeer.handshake(srv.port);
  p.send(1, 'channel.open');
  await p.waitFor('channel.open-ok');
  const big = Buffer.alloc(200_000);
  big[0] = 3;
  big.writeUInt16BE(1, 1);
  big.writeUInt32BE(big.length - 8, 3);
  big[big.length - 1] = 0xce;
  p.write(big);
  await expectClose(p, 501);
  await stillServing();
});

test('a bad frame-end octet is 501 and a content header without a method is 505', async () => {
  const p = await RawPeer.handshake(srv.port);
  p.write(Buffer.from([1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0x00]));
  await expectClose(p, 501);
  const q = await RawPeer.handshake(srv.port);
  q.send(1, 'channel.open');
  await q.waitFor('channel.open-ok');
  const header = Buffer.from([2, 0, 1, 0, 0, 0, 14, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xce]);
  q.write(header);
  await expectClose(q, 505);
  await stillServing();
});

test('a connection dropped mid-frame is cleaned up and its unacked messages requeued', async () => {
  const conn = await amqp.connect(srv.url);
  const ch = await conn.createChannel();
  await ch.assertQueue('dropped-q');
  ch.sendToQueue('dropped-q', Buffer.from('m1'));
  await ch.checkQueue('dropped-q'); // amqplib drops a publish still buffered at close()
  await conn.close();

  const p = await RawPeer.handshake(srv.port);
  p.send(1, 'channel.open');
  await p.waitFor('channel.open-ok');
  p.send(1, 'basic.consume', { queue: 'dropped-q', consumerTag: 'c' });
  await p.waitFor('basic.deliver');
  // half a method frame, then gone
  p.write(Buffer.from([1, 0, 1, 0, 0, 0, 40, 0, 60]));
  await new Promise((r) => setTimeout(r, 20));
  p.destroy();
  await new Promise((r) => setTimeout(r, 50));

  const c2 = await amqp.connect(srv.url);
  const ch2 = await c2.createChannel();
  const m = await ch2.get('dropped-q', { noAck: true });
  assert.ok(m !== false);
  assert.equal(m.content.toString(), 'm1');
  assert.equal(m.fields.redelivered, true);
  await c2.close();
});

test('a channel error stops the channel until close-ok, per spec', async () => {
  const p = await RawPeer.handshake(srv.port);
  p.send(1, 'channel.open');
  await p.waitFor('channel.open-ok');
  p.send(1, 'queue.declare', { queue: 'nope-404', passive: true });
  const close = await p.waitFor('channel.close');
  assert.equal(close.method.name === 'channel.close' && close.method.replyCode, 404);
  p.send(1, 'queue.declare', { queue: 'ignored' });
  p.send(1, 'channel.close-ok');
  p.send(1, 'channel.open');
  // The server answers in order, so once the second open-ok is here, a reply to the
  // ignored declare would already have arrived too.
  const openOks = () => p.commands.filter((c) => c.method.name === 'channel.open-ok').length;
  for (const deadline = Date.now() + 5_000; openOks() < 2 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(openOks(), 2);
  assert.equal(p.commands.filter((c) => c.method.name === 'queue.declare-ok').length, 0);
  p.destroy();
});
