// redelivered=true for every message that may have been delivered before a crash: the real
// `warren broker --data-dir` is killed with SIGKILL the moment the consumer receives its
// k-th delivery (DELIVERED records are written without a sync of their own, so this lands
// inside that window). After the restart every message the consumer had received must
// come back with redelivered=true; unacked messages are never lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const ROUNDS = 5;
const N = 400;

async function publishAll(url: string, queue: string, round: number): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    for (let i = 0; i < N; i++) ch.sendToQueue(queue, Buffer.from(`${round}-${i}`), { persistent: true });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

/** Consumes without acking and SIGKILLs the broker on the k-th delivery; what was received. */
async function receiveThenKill(proc: BrokerProcess, queue: string, k: number): Promise<string[]> {
  const conn: ChannelModel = await amqp.connect(proc.url);
  conn.on('error', () => undefined);
  const received: string[] = [];
  const exited = new Promise((r) => proc.child.once('exit', r));
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  await ch.prefetch(1000);
  await ch.consume(queue, (m) => {
    if (m === null) return;
    received.push(m.content.toString());
    if (received.length === k) proc.child.kill('SIGKILL');
  });
  await exited;
  return received;
}

async function drain(url: string, queue: string): Promise<Map<string, boolean>> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    const out = new Map<string, boolean>();
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (m === false) return out;
      out.set(m.content.toString(), m.fields.redelivered);
    }
  } finally {
    await conn.close();
  }
}

test(
  `kill -9 right after deliveries: every delivered message comes back redelivered (${ROUNDS} rounds)`,
  { timeout: 240_000 },
  async () => {
    const dir = tempDir('warren-redelivered-');
    let proc: BrokerProcess | undefined;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const queue = `redeliver-${round}`;
        proc = await startBrokerProcess(dir);
        await publishAll(proc.url, queue, round);
        const received = await receiveThenKill(proc, queue, 1 + Math.floor(Math.random() * 50));
        proc = await startBrokerProcess(dir);
        const back = await drain(proc.url, queue);
        assert.equal(back.size, N, `round ${round}: unacked messages lost`);
        const missed = received.filter((id) => back.get(id) !== true);
        assert.deepEqual(
          missed,
          [],
          `round ${round}: delivered before the crash but not flagged redelivered`,
        );
        await kill9(proc);
      }
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);

test(
  'a queue with x-warren-exact-redelivered: after kill -9 only the messages handed out are flagged',
  {
    timeout: 120_000,
  },
  async () => {
    const dir = tempDir('warren-redelivered-exact-');
    let proc: BrokerProcess | undefined;
    const queue = 'exact-redelivered';
    const k = 5;
    try {
      proc = await startBrokerProcess(dir);
      const conn = await amqp.connect(proc.url);
      conn.on('error', () => undefined);
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-warren-exact-redelivered': true } });
      for (let i = 0; i < N; i++) ch.sendToQueue(queue, Buffer.from(`m-${i}`), { persistent: true });
      await ch.waitForConfirms();
      const taken: string[] = [];
      for (let i = 0; i < k; i++) {
        const m = await ch.get(queue, { noAck: false });
        if (m !== false) taken.push(m.content.toString());
      }
      await kill9(proc);
      proc = await startBrokerProcess(dir);
      const back = await drain(proc.url, queue);
      assert.equal(back.size, N, 'unacked messages lost');
      const flagged = [...back].filter(([, redelivered]) => redelivered).map(([id]) => id);
      assert.deepEqual(flagged.sort(), taken.sort(), 'exactly the messages handed out come back redelivered');
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);
