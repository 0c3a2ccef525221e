// A real small disk: an 8 MiB tmpfs mounted for the test (root only; skipped with a message
// when mount is not permitted), holding the data dir of the real `warren broker` process.
// 1. The free-disk alarm blocks publishers (connection.blocked "low on disk") when free
//    space falls under --disk-free-limit and unblocks them when space returns.
// 2. With the alarm off and the disk full: persistent publishes are nacked and never reach
//    a consumer, a durable declaration gets an error (AMQP 541, HTTP 500) instead of ok,
//    and everything works again once space returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';

const ADMIN = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

/** Mounts an 8 MiB tmpfs; undefined (with the reason) when mounting is not permitted. */
function mountTmpfs(): { dir: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (needs root): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const free = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Writes a filler file until `leave` bytes are free (0: until ENOSPC). */
function fill(dir: string, leave: number): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  try {
    for (const chunk of [1 << 16, 4096, 1]) {
      const buf = Buffer.alloc(chunk, 1);
      for (;;) {
        if (leave > 0 && free(dir) - chunk < leave) break;
        try {
          writeSync(fd, buf);
        } catch {
          break; // ENOSPC: try a smaller chunk
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function publish(ch: ConfirmChannel, queue: string, body: Buffer): Promise<'ack' | 'nack'> {
  return new Promise((resolve) => {
    ch.sendToQueue(queue, body, { persistent: true }, (err) =>
      resolve(err === null || err === undefined ? 'ack' : 'nack'),
    );
  });
}

async function withTmpfsBroker(
  t: { skip(msg: string): void },
  args: string[],
  fn: (ctx: { proc: BrokerProcess; disk: string }) => Promise<void>,
): Promise<void> {
  const mounted = mountTmpfs();
  if (typeof mounted === 'string') return t.skip(mounted);
  const data = join(mounted.dir, 'data');
  mkdirSync(data);
  let proc: BrokerProcess | undefined;
  try {
    proc = await startBrokerProcess(data, 20_000, {
      args: [...args, '--http-port', '0', '--user', 'admin:admin'],
    });
    await fn({ proc, disk: mounted.dir });
  } finally {
    await kill9(proc);
    unmount(mounted.dir);
  }
}

test(
  'disk alarm: publishers are blocked under --disk-free-limit and unblocked when space returns',
  { timeout: 90_000 },
  async (t) => {
    await withTmpfsBroker(t, ['--disk-free-limit', '3MiB'], async ({ proc, disk }) => {
      let conn: ChannelModel | undefined;
      try {
        conn = await amqp.connect(proc.url);
        const events: string[] = [];
        conn.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
        conn.on('unblocked', () => events.push('unblocked'));
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue('disk-q', { durable: true });
        assert.equal(await publish(ch, 'disk-q', Buffer.from('before')), 'ack');
        const filler = fill(disk, 2 * 1024 * 1024);
        await until(() => events.includes('blocked:low on disk'), 'connection.blocked');
        let settled: string | undefined;
        const held = publish(ch, 'disk-q', Buffer.from('while-blocked')).then((r) => (settled = r));
        // The broker stops reading from a blocked publisher: give it the chance to misbehave.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(settled, undefined, 'a publish was confirmed while the disk alarm was set');
        rmSync(filler);
        await until(() => events.includes('unblocked'), 'connection.unblocked');
        assert.equal(await held, 'ack');
        assert.match(proc.stderr(), /disk alarm set/);
      } finally {
        await conn?.close().catch(() => undefined);
      }
    });
  },
);

test(
  'disk full (alarm off): nacked publishes are never delivered, durable declares fail, all recovers with space',
  { timeout: 90_000 },
  async (t) => {
    await withTmpfsBroker(t, ['--disk-free-limit', '0'], async ({ proc, disk }) => {
      let pubConn: ChannelModel | undefined;
      let subConn: ChannelModel | undefined;
      try {
        subConn = await amqp.connect(proc.url);
        const sub = await subConn.createChannel();
        await sub.assertQueue('full-q', { durable: true });
        const received: string[] = [];
        await sub.consume('full-q', (m) => {
          if (m === null) return;
          received.push(m.content.toString('latin1', 0, 12).trim());
          sub.ack(m);
        });
        pubConn = await amqp.connect(proc.url);
        pubConn.on('error', () => undefined);
        const pub = await pubConn.createConfirmChannel();
        assert.equal(await publish(pub, 'full-q', Buffer.from('before')), 'ack');
        await until(() => received.includes('before'), 'the first delivery');

        const filler = fill(disk, 0);
        const big = (tag: string): Buffer =>
          Buffer.concat([Buffer.from(tag.padEnd(12)), Buffer.alloc(256 * 1024, 7)]);
        const results = await Promise.all([0, 1, 2, 3].map((i) => publish(pub, 'full-q', big(`lost-${i}`))));
        assert.deepEqual(results, ['nack', 'nack', 'nack', 'nack']);

        // A durable declaration that cannot be saved is an error, never an ok.
        const declConn = await amqp.connect(proc.url);
        let closedWith = '';
        declConn.on('error', (e: Error) => (closedWith = e.message));
        const decl = await declConn.createChannel();
        decl.on('error', () => undefined);
        await assert.rejects(decl.assertQueue('declared-while-full', { durable: true }));
        await until(() => closedWith !== '', 'the connection error');
        assert.match(closedWith, /541 .*definitions could not be saved/);
        await declConn.close().catch(() => undefined);
        const put = await fetch(`${proc.httpUrl!}/api/queues/%2F/put-while-full`, {
          method: 'PUT',
          headers: { authorization: ADMIN, 'content-type': 'application/json' },
          body: JSON.stringify({ durable: true }),
        });
        assert.equal(put.status, 500);

        rmSync(filler);
        assert.equal(await publish(pub, 'full-q', Buffer.from('after')), 'ack');
        await until(() => received.includes('after'), 'the delivery after space returned');
        assert.deepEqual(
          received.filter((r) => r.startsWith('lost-')),
          [],
          'a nacked publish was delivered to a consumer',
        );
        const again = await pubConn.createChannel();
        await again.assertQueue('declared-after', { durable: true });
      } finally {
        await pubConn?.close().catch(() => undefined);
        await subConn?.close().catch(() => undefined);
      }
    });
  },
);
