// kill -9 while the log rolls to new segments and deletes drained ones every few KiB: each
// restart must find the data dir consistent (the manifest never lists a segment that is not
// there, nor misses one that holds records), and every confirmed message that was not acked
// is still there at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { main } from '../../../src/cli/main.js';
import { kill9 } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const SERVER = fileURLToPath(new URL('./fixtures/small-segments-broker.ts', import.meta.url));
const Q = 'rolls';
const ITERATIONS = 6;

function startSmallSegments(dir: string): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, dir, '2048'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${err}`));
    }, 30_000);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({ child, port, url: `amqp://guest:guest@127.0.0.1:${port}`, stderr: () => err });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}

interface Ledger {
  confirmed: Set<string>;
  acked: Set<string>;
}

async function workload(url: string, iter: number, ledger: Ledger, stopAt: number): Promise<void> {
  let conn: ChannelModel | undefined;
  try {
    conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    pub.on('error', () => undefined);
    sub.on('error', () => undefined);
    await pub.assertQueue(Q, { durable: true });
    await sub.prefetch(5000);
    await sub.consume(Q, (msg) => {
      if (msg === null) return;
      const id = msg.content.toString();
      // Every 10th message of this round stays unacked (it must survive the kill); the rest,
      // and everything left from earlier rounds, is acked so old segments drain and go.
      const [round, seq] = id.split('-').map(Number);
      if (round === iter && seq! % 10 === 0) return;
      ledger.acked.add(id);
      sub.ack(msg);
    });
    // Windows of 20 publishes in flight: enough records to roll many 2 KiB segments per round.
    for (let i = 0; Date.now() < stopAt && i < 100_000; i += 20) {
      const window: Promise<void>[] = [];
      for (let j = i; j < i + 20; j++) {
        const id = `${iter}-${j}-${'x'.repeat(100)}`;
        window.push(
          new Promise<void>((resolve) =>
            pub.sendToQueue(Q, Buffer.from(id), { persistent: true }, (e) => {
              if (e === null || e === undefined) ledger.confirmed.add(id);
              resolve();
            }),
          ),
        );
      }
      await Promise.all(window);
    }
  } catch {
    // the server was killed under us
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

async function drain(url: string): Promise<Set<string>> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue(Q, { durable: true });
    const out = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) {
      const m = await ch.get(Q, { noAck: true });
      if (m === false) break;
      out.add(m.content.toString());
    }
    return out;
  } finally {
    await conn.close();
  }
}

test(
  'kill -9 during segment rolls and deletions: every restart finds a consistent data dir',
  { timeout: 150_000 },
  async () => {
    const dir = tempDir('warren-rolls-');
    let proc: BrokerProcess | undefined;
    const ledger: Ledger = { confirmed: new Set(), acked: new Set() };
    try {
      for (let iter = 0; iter < ITERATIONS; iter++) {
        proc = await startSmallSegments(dir);
        const work = workload(proc.url, iter, ledger, Date.now() + 5000);
        await new Promise((r) => setTimeout(r, 400 + Math.floor(Math.random() * 1200)));
        await kill9(proc);
        proc = undefined;
        await work;
        const lines: string[] = [];
        const code = await main(['data', 'check', dir], {
          out: (l) => lines.push(l),
          err: (l) => lines.push(l),
          verbose: false,
        });
        assert.equal(code, 0, lines.join('\n'));
      }
      assert.ok(ledger.confirmed.size > 50, `the workload confirmed ${ledger.confirmed.size} messages`);
      // the run really rolled and deleted many segments
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        segments: { id: number }[];
      };
      assert.ok(manifest.segments.at(-1)!.id > 4 * ITERATIONS, JSON.stringify(manifest));
      assert.ok(manifest.segments[0]!.id > 1, JSON.stringify(manifest));
      proc = await startSmallSegments(dir);
      const left = await drain(proc.url);
      const unacked = [...ledger.confirmed].filter((id) => !ledger.acked.has(id));
      assert.ok(unacked.length > 10, `${unacked.length} confirmed messages were never acked`);
      assert.deepEqual(
        unacked.filter((id) => !left.has(id)),
        [],
      );
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);
