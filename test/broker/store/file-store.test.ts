import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDataDir } from '../../../src/broker/store/data-dir.js';
import { openBroker, PERSISTENT, removeDir, tempDir, until } from './helpers.js';

const body = (s: string) => Buffer.from(s);

test('confirms for persistent messages wait for the flush; group commit shares fsyncs', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir);
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.confirmSelect();
    await o.store.sync();
    const before = o.store.flushes;
    for (let i = 0; i < 1000; i++) o.ch.basicPublish('', 'q', false, false, PERSISTENT, body(`m${i}`));
    assert.equal(o.sink.acks.length, 0, 'no confirm before the fdatasync');
    await until(() => o.sink.acks.length === 1000);
    const flushes = o.store.flushes - before;
    assert.ok(flushes <= 3, `1000 concurrent persists took ${flushes} fsyncs`);
    await o.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('transient messages and non-durable queues are confirmed at once and not logged', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir);
    o.ch.queueDeclare({ queue: 'd', durable: true });
    o.ch.queueDeclare({ queue: 't', durable: false });
    o.ch.confirmSelect();
    o.ch.basicPublish('', 'd', false, false, {}, body('transient'));
    o.ch.basicPublish('', 't', false, false, PERSISTENT, body('on a transient queue'));
    assert.equal(o.sink.acks.length, 2);
    await o.broker.shutdown();
    const r = await openBroker(dir);
    assert.equal(r.broker.vhost('/')!.queues.get('d')!.messageCount, 0);
    assert.equal(r.broker.vhost('/')!.queues.get('t'), undefined);
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('restart restores unacked persistent messages in order, acked ones never come back', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir);
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.confirmSelect();
    for (let i = 0; i < 10; i++) o.ch.basicPublish('', 'q', false, false, PERSISTENT, body(`m${i}`));
    await until(() => o.sink.acks.length === 10);
    const c = o.channel();
    c.ch.basicConsume({ queue: 'q', consumerTag: 'c' });
    for (const d of c.sink.deliveries.slice(0, 4)) c.ch.basicAck(d.deliveryTag, false);
    await o.store.sync();
    await o.broker.shutdown();

    const r = await openBroker(dir);
    const rc = r.channel();
    rc.ch.basicConsume({ queue: 'q', consumerTag: 'c' });
    assert.deepEqual(rc.sink.bodies(), ['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    assert.ok(
      rc.sink.deliveries.every((d) => d.redelivered),
      'delivered-but-unacked come back redelivered',
    );
    r.ch.confirmSelect();
    r.ch.basicPublish('', 'q', false, false, PERSISTENT, body('after'));
    await until(() => r.sink.acks.length === 1);
    assert.equal(rc.sink.deliveries.at(-1)!.body, 'after');
    assert.equal(rc.sink.deliveries.at(-1)!.redelivered, false);
    for (const d of rc.sink.deliveries) rc.ch.basicAck(d.deliveryTag, false);
    await r.broker.shutdown();

    const z = await openBroker(dir);
    assert.equal(z.broker.vhost('/')!.queues.get('q')!.messageCount, 0);
    await z.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('never-delivered messages come back without the redelivered flag', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir);
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('a'));
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('b'));
    await o.store.sync(); // persistent messages of durable queues are delivered once synced
    const g = o.ch.basicGet('q', false);
    assert.equal(g?.message.body.toString(), 'a');
    await o.broker.shutdown();
    const r = await openBroker(dir);
    r.ch.basicConsume({ queue: 'q' });
    assert.deepEqual(
      r.sink.deliveries.map((d) => [d.body, d.redelivered]),
      [
        ['a', true],
        ['b', false],
      ],
    );
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('queue deletion drops its messages for good, even if re-declared', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir);
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('old'));
    o.ch.queueDelete({ queue: 'q' });
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('new'));
    await o.broker.shutdown();
    const r = await openBroker(dir);
    r.ch.basicConsume({ queue: 'q', noAck: true });
    assert.deepEqual(r.sink.bodies(), ['new']);
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('segments whose messages are all settled are deleted', async () => {
  const dir = tempDir();
  try {
    const o = await openBroker(dir, { segmentSize: 4096 });
    o.ch.queueDeclare({ queue: 'q', durable: true });
    o.ch.confirmSelect();
    const segs = () => readdirSync(join(dir, 'messages')).filter((f) => f.endsWith('.seg'));
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 20; i++) o.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.alloc(200, 1));
      await o.store.sync();
    }
    assert.ok(segs().length >= 15, `expected many segments, got ${segs().length}`);
    const c = o.channel();
    c.ch.basicConsume({ queue: 'q', consumerTag: 'c' });
    c.ch.basicAck(0, true);
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('tail'));
    await o.store.sync();
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, body('tail2'));
    await o.store.sync();
    await until(() => segs().length <= 2);
    const bytes = segs().reduce((n, f) => n + statSync(join(dir, 'messages', f)).size, 0);
    // 400 × 200-byte bodies were written; what is left is the tail segment of acks + 2 messages.
    assert.ok(bytes < 40_000, `disk use ${bytes} follows the backlog, not the 100 KB history`);
    await o.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('an unusable data dir fails at start with a typed error naming the path', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'a-file');
    (await import('node:fs')).writeFileSync(file, 'x');
    assert.throws(
      () => openDataDir(join(file, 'data')),
      (e: Error) => e.name === 'DataDirError' && e.message.includes(join(file, 'data')),
    );
  } finally {
    removeDir(dir);
  }
});
