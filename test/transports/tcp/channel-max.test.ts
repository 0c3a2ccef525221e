// channel-max as RabbitMQ 3.10 enforces it (rabbit_reader:create_channel, checked against a
// real 3.10.8 over raw sockets): the limit counts open channels, not channel numbers. Opening
// one more than the negotiated channel_max is 530 NOT_ALLOWED with class/method 0/0; a channel
// number above channel_max is fine, and a closed channel frees its slot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawPeer, startServer } from '../../helpers/server.js';
import type { TestServer } from '../../helpers/server.js';

let srv: TestServer;

before(async () => {
  srv = await startServer({ closeTimeoutMs: 500 });
});

after(async () => {
  await srv.close();
});

/** Handshake with the given channel-max in tune-ok. */
async function connect(channelMax: number): Promise<RawPeer> {
  const { peer: p } = await RawPeer.untilTune(srv.port);
  p.send(0, 'connection.tune-ok', { channelMax, frameMax: 131072, heartbeat: 0 });
  p.send(0, 'connection.open', { virtualHost: '/' });
  await p.waitFor('connection.open-ok');
  return p;
}

const openOks = (p: RawPeer): number[] =>
  p.commands.filter((c) => c.method.name === 'channel.open-ok').map((c) => c.channel);

async function waitOpenOks(p: RawPeer, n: number): Promise<void> {
  for (let i = 0; i < 100 && openOks(p).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(openOks(p).length, n);
}

test('opening more channels than channel_max is 530 with RabbitMQ text and method 0/0', async () => {
  const p = await connect(2);
  p.send(1, 'channel.open');
  p.send(2, 'channel.open');
  p.send(3, 'channel.open');
  const close = await p.waitFor('connection.close');
  assert.deepEqual(openOks(p), [1, 2]);
  assert.ok(close.method.name === 'connection.close');
  assert.equal(close.method.replyCode, 530);
  assert.equal(
    close.method.replyText,
    'NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)',
  );
  assert.equal(close.method.classId, 0);
  assert.equal(close.method.methodId, 0);
  p.send(0, 'connection.close-ok');
  await p.waitClosed();
});

test('a channel number above channel_max is allowed while the count is under it', async () => {
  const p = await connect(2);
  p.send(5, 'channel.open');
  p.send(700, 'channel.open');
  await waitOpenOks(p, 2);
  assert.deepEqual(openOks(p), [5, 700]);
  assert.equal(
    p.commands.some((c) => c.method.name === 'connection.close'),
    false,
  );
  p.destroy();
});

test('a closed channel frees its slot', async () => {
  const p = await connect(1);
  p.send(1, 'channel.open');
  await waitOpenOks(p, 1);
  p.send(1, 'channel.close', { replyCode: 200, replyText: '', classId: 0, methodId: 0 });
  await p.waitFor('channel.close-ok');
  p.send(2, 'channel.open');
  await waitOpenOks(p, 2);
  p.send(3, 'channel.open');
  const close = await p.waitFor('connection.close');
  assert.ok(close.method.name === 'connection.close');
  assert.match(
    close.method.replyText,
    /number of channels opened \(1\) has reached the negotiated channel_max \(1\)/,
  );
  p.send(0, 'connection.close-ok');
  await p.waitClosed();
});
