// Paging (larger-than-memory backlogs) with a tiny threshold: bodies leave memory, come back
// in order with their properties, acks / redelivery / basic.get / restart / purge / delete
// work on paged messages, and priority / TTL / max-length queues keep their semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queue } from '../../../src/broker/queue/queue.js';
import { openBroker, removeDir, tempDir, until } from './helpers.js';
import type { Open } from './helpers.js';

const THRESHOLD = 16 * 1024;
const N = 400;
const BODY = (i: number) => Buffer.from(`message-${i}-`.padEnd(200, 'x'));
const props = (i: number) => ({ deliveryMode: 2, messageId: `id${i}`, headers: { i } });

function queue(o: Open, name: string): Queue {
  return o.broker.vhost('/')!.queues.get(name)!;
}

async function fill(o: Open, name: string, n = N): Promise<void> {
  o.ch.queueDeclare({ queue: name, durable: true });
  for (let i = 0; i < n; i++) o.ch.basicPublish('', name, false, false, props(i), BODY(i));
  await o.store.sync();
}

test('bodies leave memory past the threshold and come back in order with their properties', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { pageThreshold: THRESHOLD });
    await fill(o, 'q');
    const q = queue(o, 'q');
    assert.equal(q.messageCount, N);
    assert.ok(q.pagedCount > N / 2, `paged ${q.pagedCount}`);
    assert.ok(q.heldBytes <= THRESHOLD + 512, `held ${q.heldBytes}`);
    o.ch.basicQos({ prefetchCount: 50 });
    o.ch.basicConsume({ queue: 'q', consumerTag: 'c' });
    let acked = 0;
    await until(() => {
      for (; acked < o.sink.deliveries.length; acked++)
        o.ch.basicAck(o.sink.deliveries[acked]!.deliveryTag, false);
      return o.sink.deliveries.length === N;
    });
    o.sink.deliveries.forEach((d, i) => {
      assert.equal(d.body, BODY(i).toString());
      assert.equal(d.message.properties.messageId, `id${i}`);
      assert.deepEqual(d.message.properties.headers, { i });
      assert.equal(d.redelivered, false);
    });
    await until(() => q.messageCount === 0 && q.unackedCount === 0);
    await o.broker.shutdown();
    const r = await openBroker(dir, { pageThreshold: THRESHOLD });
    assert.equal(queue(r, 'q').messageCount, 0, 'acks of paged messages are durable');
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('paged messages requeue, interleave with transient ones and survive a restart', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { pageThreshold: THRESHOLD });
    await fill(o, 'q', N / 2);
    o.ch.basicPublish('', 'q', false, false, { messageId: 'transient' }, Buffer.from('t'));
    for (let i = N / 2; i < N; i++) o.ch.basicPublish('', 'q', false, false, props(i), BODY(i));
    await o.store.sync();
    const c = o.channel();
    c.ch.basicQos({ prefetchCount: 10 });
    c.ch.basicConsume({ queue: 'q', consumerTag: 'c' });
    await until(() => c.sink.deliveries.length === 10);
    c.ch.basicCancel('c');
    c.ch.basicNack(c.sink.deliveries[9]!.deliveryTag, true, true);
    const q = queue(o, 'q');
    assert.equal(q.messageCount, N + 1);
    o.ch.basicConsume({ queue: 'q', consumerTag: 'all', noAck: true });
    await until(() => o.sink.deliveries.length === N + 1);
    const ids = o.sink.deliveries.map((d) => d.message.properties.messageId);
    const want = [...Array.from({ length: N / 2 }, (_, i) => `id${i}`), 'transient'];
    for (let i = N / 2; i < N; i++) want.push(`id${i}`);
    assert.deepEqual(ids, want);
    assert.ok(o.sink.deliveries.slice(0, 10).every((d) => d.redelivered));
    await o.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('restart with a paged backlog restores only up to the threshold; basic.get pages in', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { pageThreshold: THRESHOLD });
    await fill(o, 'q');
    assert.equal(o.ch.basicGet('q', false)?.message.properties.messageId, 'id0');
    await o.broker.shutdown();
    const r = await openBroker(dir, { pageThreshold: THRESHOLD });
    const q = queue(r, 'q');
    assert.equal(q.messageCount, N);
    assert.ok(q.pagedCount > N / 2, `paged after restart: ${q.pagedCount}`);
    for (let i = 0; i < N; i++) {
      const g = r.ch.basicGet('q', true);
      assert.equal(g?.message.properties.messageId, `id${i}`);
      assert.equal(g?.message.body.toString(), BODY(i).toString());
      assert.equal(g?.redelivered, i === 0);
    }
    assert.equal(r.ch.basicGet('q', true), null);
    await r.broker.shutdown();
    const again = await openBroker(dir, { pageThreshold: THRESHOLD });
    assert.equal(queue(again, 'q').messageCount, 0);
    await again.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('purge and delete of a paged queue remove its paged messages', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { pageThreshold: THRESHOLD });
    await fill(o, 'p');
    await fill(o, 'd');
    assert.ok(queue(o, 'p').pagedCount > 0);
    assert.equal(o.ch.queuePurge('p'), N);
    assert.equal(queue(o, 'p').messageCount, 0);
    assert.equal(o.ch.queueDelete({ queue: 'd' }), N);
    o.ch.basicPublish('', 'p', false, false, props(7), BODY(7));
    await o.store.sync(); // delivered (and got) once synced
    assert.equal(o.ch.basicGet('p', true)?.message.properties.messageId, 'id7');
    await o.broker.shutdown();
    const r = await openBroker(dir, { pageThreshold: THRESHOLD });
    assert.equal(queue(r, 'p').messageCount, 0);
    assert.equal(r.broker.vhost('/')!.queues.get('d'), undefined);
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('priority, TTL and max-length queues keep their semantics under a tiny threshold', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { pageThreshold: 1024 });
    o.ch.queueDeclare({ queue: 'prio', durable: true, arguments: { 'x-max-priority': 5 } });
    o.ch.queueDeclare({ queue: 'len', durable: true, arguments: { 'x-max-length': 10 } });
    o.ch.queueDeclare({ queue: 'ttl', durable: true, arguments: { 'x-message-ttl': 30 } });
    for (let i = 0; i < 50; i++) {
      o.ch.basicPublish('', 'prio', false, false, { deliveryMode: 2, priority: i % 5 }, BODY(i));
      o.ch.basicPublish('', 'len', false, false, props(i), BODY(i));
      o.ch.basicPublish('', 'ttl', false, false, props(i), BODY(i));
    }
    await o.store.sync();
    assert.equal(o.ch.basicGet('prio', true)?.message.properties.priority, 4);
    assert.equal(queue(o, 'len').messageCount, 10);
    assert.equal(o.ch.basicGet('len', true)?.message.properties.messageId, 'id40');
    assert.ok(queue(o, 'ttl').pagedCount > 0, 'a TTL queue pages');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(o.ch.basicGet('ttl', true), null, 'paged messages expire when reached');
    await o.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});
