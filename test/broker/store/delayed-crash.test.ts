// Delayed messages on a durable x-delayed-message exchange survive kill -9: published with
// confirms to a real broker process, the process is killed, and after a restart on the same
// data dir every confirmed message is delivered exactly once, in due order, never before due.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { Broker } from '../../../src/broker/broker.js';
import { ManualClock } from '../../../src/util/clock.js';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { PERSISTENT, openBroker, removeDir, tempDir } from './helpers.js';
import { text } from '../../helpers/engine.js';

const X = 'delayed-crash';
const Q = 'delayed-crash-q';
/** Published 250 ms of delay apart (reverse due order), so a stalled broker cannot reorder them. */
const COUNT = 10;

test(
  'confirmed delayed messages come back after kill -9, once each, in due order',
  { timeout: 60_000 },
  async () => {
    const dir = tempDir();
    let proc: BrokerProcess | undefined;
    try {
      proc = await startBrokerProcess(dir);
      const conn = await amqp.connect(proc.url);
      conn.on('error', () => undefined);
      const ch = await conn.createConfirmChannel();
      await ch.assertExchange(X, 'x-delayed-message', {
        durable: true,
        arguments: { 'x-delayed-type': 'direct' },
      });
      await ch.assertQueue(Q, { durable: true });
      await ch.bindQueue(Q, X, 'k');
      const dueAt = new Map<string, number>();
      // Descending delays: publish order is the reverse of due order.
      for (let i = 0; i < COUNT; i++) {
        const delay = 2500 - i * 250;
        dueAt.set(String(i), Date.now() + delay);
        ch.publish(X, 'k', Buffer.from(String(i)), { persistent: true, headers: { 'x-delay': delay } });
      }
      await ch.waitForConfirms();
      await kill9(proc);
      proc = await startBrokerProcess(dir);
      const c2 = await amqp.connect(proc.url);
      try {
        const sub = await c2.createChannel();
        const got: { id: string; at: number }[] = [];
        const all = new Promise<void>((resolve) => {
          void sub.consume(Q, (m) => {
            if (m === null) return;
            got.push({ id: m.content.toString(), at: Date.now() });
            sub.ack(m);
            if (got.length === COUNT) resolve();
          });
        });
        await all;
        // A moment more: nothing arrives twice.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(got.length, COUNT);
        assert.deepEqual(
          got.map((g) => g.id),
          [...Array(COUNT).keys()].reverse().map(String),
        );
        for (const g of got) assert.ok(g.at >= dueAt.get(g.id)!, `message ${g.id} arrived before it was due`);
      } finally {
        await c2.close();
      }
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);

test('a restart after the due time releases held messages at once; transient ones are not kept', async () => {
  const dir = tempDir();
  try {
    const clock = new ManualClock();
    const a = await openBroker(dir, { clock });
    a.ch.exchangeDeclare({
      exchange: X,
      type: 'x-delayed-message',
      durable: true,
      arguments: { 'x-delayed-type': 'fanout' },
    });
    a.ch.queueDeclare({ queue: Q, durable: true });
    a.ch.queueBind({ queue: Q, exchange: X, routingKey: '' });
    a.ch.basicPublish(X, '', false, false, { ...PERSISTENT, headers: { 'x-delay': 5000 } }, text('kept'));
    a.ch.basicPublish(X, '', false, false, { headers: { 'x-delay': 5000 } }, text('transient'));
    await a.broker.shutdown();
    clock.advance(10_000);
    const b = await Broker.open(dir, { clock, consumerTimeout: 0, onWarning: () => undefined });
    try {
      const ch = b.connect().openChannel(1, new (await import('../../helpers/engine.js')).RecordingSink());
      assert.equal(ch.queueDeclare({ queue: Q, passive: true }).messageCount, 0);
      clock.advance(0);
      await b.store.sync?.(); // persistent messages of durable queues are delivered once synced
      const m = ch.basicGet(Q, true);
      assert.equal(m?.message.body.toString(), 'kept');
      assert.equal(m?.message.properties.headers?.['x-warren-delayed-until'], undefined);
      assert.equal(ch.basicGet(Q, true), null);
    } finally {
      await b.shutdown();
    }
  } finally {
    removeDir(dir);
  }
});
