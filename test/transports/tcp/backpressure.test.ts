// Flow control: a consumer that stops reading must not make the broker buffer without
// bound, and the memory alarm blocks publishers (connection.blocked to capable clients).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { RawPeer, startServer, withTimeout } from '../../helpers/server.js';

const HWM = 256 * 1024;
const BODY = 10 * 1024;

/**
 * What the kernel alone may absorb for a peer that stopped reading: the largest socket
 * receive buffer (the peer's) plus the largest send buffer (ours). Loopback autotuning can
 * grow the receive buffer to tens of MB, so the backlog must be larger than this for the
 * test to see the engine holding messages back.
 */
function kernelSlack(): number {
  const max = (file: string, fallback: number) => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]) || fallback;
    } catch {
      return fallback;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_rmem', 32 << 20) + max('/proc/sys/net/ipv4/tcp_wmem', 4 << 20);
}

const SLACK = kernelSlack();
const COUNT = Math.ceil((SLACK * 1.5) / BODY);

test('a consumer that never reads: broker-side buffering stays bounded, delivery resumes', async () => {
  const srv = await startServer({ writeHighWaterMark: HWM });
  try {
    const pub = await amqp.connect(srv.url);
    const ch = await pub.createChannel();
    await ch.assertQueue('backlog');
    const body = Buffer.alloc(BODY, 0x61);
    for (let i = 0; i < COUNT; i++) ch.sendToQueue('backlog', body);
    await withTimeout(ch.checkQueue('backlog'), 10_000, 'backlog published');

    const p = await RawPeer.handshake(srv.port);
    p.send(1, 'channel.open');
    await p.waitFor('channel.open-ok');
    p.socket.pause();
    p.send(1, 'basic.consume', { queue: 'backlog', noAck: true });
    let maxBuffered = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 25));
      for (const s of srv.server.connectionStats()) maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
    }
    assert.ok(maxBuffered <= HWM + 2 * BODY, `broker buffered ${maxBuffered} bytes for one socket`);
    // Whatever left the queue is in the kernel's buffers or ours: bounded, not the backlog.
    const left = (await ch.checkQueue('backlog')).messageCount;
    const dispatched = (COUNT - left) * BODY;
    assert.ok(dispatched <= SLACK + HWM + 2 * BODY, `engine kept dispatching: only ${left} of ${COUNT} left`);

    // the consumer reads again: everything arrives
    const target = COUNT * BODY;
    p.socket.resume();
    const deadline = Date.now() + 30_000;
    while (p.receivedBytes < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(p.receivedBytes >= target, `received ${p.receivedBytes} of ${target} bytes`);
    assert.equal((await ch.checkQueue('backlog')).messageCount, 0);
    p.destroy();
    await pub.close();
  } finally {
    await srv.close();
  }
});

test('memory alarm: connection.blocked is sent and a publisher is paused until it clears', async () => {
  const srv = await startServer({ memoryHighWatermark: 1, closeTimeoutMs: 300 });
  try {
    const conn = await amqp.connect(srv.url);
    const blocked = new Promise<string>((resolve) => conn.on('blocked', resolve));
    const ch = await conn.createChannel();
    await ch.assertQueue('alarmed');
    ch.sendToQueue('alarmed', Buffer.from('first'));
    assert.equal(await withTimeout(blocked, 3000, 'connection.blocked'), 'low on memory');
    assert.equal(srv.server.memoryAlarm, true);
    // reading is paused: the next publish is not taken in while the alarm holds
    ch.sendToQueue('alarmed', Buffer.from('second'));
    const other = await amqp.connect(srv.url);
    const och = await other.createChannel();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await och.checkQueue('alarmed')).messageCount, 1);
    await other.close();
    conn.on('error', () => undefined);
    // the server is not reading this socket, so the close handshake ends by its timeout
    const closing = conn.close().catch(() => undefined);
    await srv.close();
    await withTimeout(closing, 3000, 'client close');
  } finally {
    await srv.close();
  }
});
