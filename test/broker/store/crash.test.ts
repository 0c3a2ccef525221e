// kill -9 at random moments while publishing with confirms and consuming with acks; after
// each restart on the same data dir every confirmed message must be there exactly once and
// no message whose ack was committed (an ack followed by a confirmed publish on the same
// channel) may come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { ConfirmChannel, ChannelModel } from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const Q = 'crash';
const ITERATIONS = 5;

interface Ledger {
  confirmed: Set<string>;
  ackSent: Set<string>;
  ackCommitted: Set<string>;
}

async function workload(url: string, iter: number, ledger: Ledger, stopAt: number): Promise<void> {
  let conn: ChannelModel | undefined;
  try {
    conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createConfirmChannel();
    pub.on('error', () => undefined);
    sub.on('error', () => undefined);
    await pub.assertQueue(Q, { durable: true });
    await pub.assertQueue('markers', { durable: true });
    await sub.prefetch(50);
    let sinceMarker: string[] = [];
    await sub.consume(Q, (msg) => {
      if (msg === null) return;
      const id = msg.content.toString();
      sub.ack(msg);
      ledger.ackSent.add(id);
      sinceMarker.push(id);
      if (sinceMarker.length >= 20) {
        const batch = sinceMarker;
        sinceMarker = [];
        sub.sendToQueue('markers', Buffer.from('m'), { persistent: true }, (err) => {
          if (err === null || err === undefined) for (const b of batch) ledger.ackCommitted.add(b);
        });
      }
    });
    let i = 0;
    let inFlight = 0;
    while (Date.now() < stopAt) {
      if (inFlight >= 300) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const id = `${iter}-${i++}`;
      inFlight++;
      publish(pub, id, () => {
        inFlight--;
        ledger.confirmed.add(id);
      });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
  } catch {
    // the broker was killed under us
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

function publish(ch: ConfirmChannel, id: string, onAck: () => void): void {
  ch.sendToQueue(Q, Buffer.from(id), { persistent: true }, (err) => {
    if (err === null || err === undefined) onAck();
  });
}

async function drain(url: string): Promise<string[]> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue(Q, { durable: true });
    const out: string[] = [];
    for (;;) {
      const m = await ch.get(Q, { noAck: true });
      if (m === false) break;
      out.push(m.content.toString());
    }
    return out;
  } finally {
    await conn.close();
  }
}

test(
  'kill -9 at random moments: confirmed messages survive exactly once, committed acks stay acked',
  { timeout: 80_000 },
  async (t) => {
    const dir = tempDir('warren-crash-');
    let proc: BrokerProcess | undefined;
    const ledger: Ledger = { confirmed: new Set(), ackSent: new Set(), ackCommitted: new Set() };
    try {
      for (let iter = 0; iter < ITERATIONS; iter++) {
        proc = await startBrokerProcess(dir);
        const runFor = 300 + Math.floor(Math.random() * 1200);
        const work = workload(proc.url, iter, ledger, Date.now() + 5000);
        await new Promise((r) => setTimeout(r, runFor));
        await kill9(proc);
        await work;
      }
      proc = await startBrokerProcess(dir);
      const left = await drain(proc.url);
      const seen = new Set<string>();
      for (const id of left) {
        assert.ok(!seen.has(id), `duplicate ${id} after recovery`);
        seen.add(id);
        assert.ok(!ledger.ackCommitted.has(id), `committed-acked ${id} came back`);
      }
      let missing = 0;
      for (const id of ledger.confirmed) if (!ledger.ackSent.has(id) && !seen.has(id)) missing++;
      assert.equal(missing, 0, `${missing} confirmed messages lost`);
      t.diagnostic(
        `confirmed ${ledger.confirmed.size}, acks sent ${ledger.ackSent.size}, committed ${ledger.ackCommitted.size}, left ${left.length}`,
      );
      assert.ok(ledger.confirmed.size > 500, `only ${ledger.confirmed.size} confirms in ${ITERATIONS} runs`);
      assert.ok(ledger.ackCommitted.size > 0, 'some acks were committed');
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);
