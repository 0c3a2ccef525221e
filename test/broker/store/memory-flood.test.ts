// A flood of 16-byte transient messages into a queue nobody consumes, against the real
// `warren broker` started with a small V8 heap (node --max-old-space-size=96). The memory
// alarm is computed against the heap limit, so the publisher gets connection.blocked and
// the broker stays alive — never "JavaScript heap out of memory". Bounded in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const FLOOD_MS = 90_000;

test(
  'a flood with no consumer under --max-old-space-size=96 ends with a blocked publisher, not a dead broker',
  { timeout: 180_000 },
  async () => {
    const dir = tempDir('warren-flood-');
    let proc: BrokerProcess | undefined;
    let conn: ChannelModel | undefined;
    try {
      proc = await startBrokerProcess(dir, 30_000, { nodeArgs: ['--max-old-space-size=96'] });
      let exit: string | undefined;
      proc.child.once('exit', (code, signal) => (exit = `exit ${code} ${signal}`));
      conn = await amqp.connect(proc.url);
      conn.on('error', () => undefined);
      let blocked = false;
      conn.on('blocked', () => (blocked = true));
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.assertQueue('flood', { durable: false });
      const body = Buffer.alloc(16, 1);
      const end = Date.now() + FLOOD_MS;
      let sent = 0;
      while (!blocked && exit === undefined && Date.now() < end) {
        if (!ch.sendToQueue('flood', body)) {
          // The socket is full: wait for it to drain, for the block, or for the broker to die.
          await new Promise((r) => {
            const t = setTimeout(r, 200);
            ch.once('drain', () => {
              clearTimeout(t);
              r(undefined);
            });
          });
        }
        if (++sent % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      // Keep the broker under the pressure it got for a moment: it must stay up.
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(exit, undefined, `the broker died: ${exit}\n${proc.stderr().slice(-2000)}`);
      assert.doesNotMatch(proc.stderr(), /heap out of memory/);
      assert.ok(blocked, `no connection.blocked after ${sent} messages in ${FLOOD_MS} ms`);
      assert.match(proc.stderr(), /memory alarm set/);
      // The broker still answers (a non-publishing connection is not blocked).
      const other = await amqp.connect(proc.url);
      try {
        const probe = await other.createChannel();
        const q = await probe.checkQueue('flood');
        assert.ok(q.messageCount > 1000, `only ${q.messageCount} messages queued`);
      } finally {
        await other.close();
      }
    } finally {
      await conn?.close().catch(() => undefined);
      await kill9(proc);
      removeDir(dir);
    }
  },
);
