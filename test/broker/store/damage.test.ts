// Damaged data dirs, in process: a bad record that is not the torn tail of the newest
// segment is corruption (the start refuses, nothing is truncated), whatever segment it is in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { openBroker, PERSISTENT, removeDir, tempDir } from './helpers.js';

const segFiles = (dir: string): string[] =>
  readdirSync(join(dir, 'messages'))
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(dir, 'messages', f));

/** n confirmed persistent messages m0..m(n-1) in durable queue q, one sync per message. */
async function writeMessages(dir: string, n: number): Promise<void> {
  const o = await openBroker(dir);
  o.ch.queueDeclare({ queue: 'q', durable: true });
  for (let i = 0; i < n; i++) {
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from(`m${i}`));
    await o.store.sync();
  }
  await o.broker.shutdown();
}

test('a bit flip in the newest segment before its last record refuses the start and truncates nothing', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 10);
    const file = segFiles(dir).at(-1)!;
    const before = readFileSync(file);
    // byte 20 lies inside the first record (header is 8 bytes): 9 confirmed records follow it
    before[20] = before[20]! ^ 0x01;
    writeFileSync(file, before);
    await assert.rejects(
      Broker.open(dir, { onWarning: () => undefined }),
      (e: Error) => e.message.includes(file) && e.message.includes('offset 8'),
    );
    assert.equal(statSync(file).size, before.length, 'the segment was not truncated');
  } finally {
    removeDir(dir);
  }
});

test('a data dir from before the manifest (WRNLOG01 segments) opens and gets a manifest', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 5);
    rmSync(join(dir, 'manifest.json'));
    for (const f of segFiles(dir)) {
      const buf = readFileSync(f);
      buf.write('WRNLOG01', 0, 'latin1');
      writeFileSync(f, buf);
    }
    const warnings: string[] = [];
    const o = await openBroker(dir, { onWarning: (t) => warnings.push(t) });
    assert.equal(o.broker.vhost('/')!.queues.get('q')!.messageCount, 5);
    assert.ok(warnings.some((w) => w.includes('manifest.json')));
    await o.broker.shutdown();
    assert.ok(existsSync(join(dir, 'manifest.json')));
  } finally {
    removeDir(dir);
  }
});

test('a deleted manifest next to current segments refuses the start', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 3);
    rmSync(join(dir, 'manifest.json'));
    await assert.rejects(
      Broker.open(dir, { onWarning: () => undefined }),
      (e: Error) => e.name === 'DamagedDataDirError' && e.message.includes('manifest.json'),
    );
  } finally {
    removeDir(dir);
  }
});

test('a bad last record of the open segment is a torn tail: dropped with a warning, the rest recovers', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 4);
    const file = segFiles(dir).at(-1)!;
    const buf = readFileSync(file);
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 0x01;
    writeFileSync(file, buf);
    const warnings: string[] = [];
    const o = await openBroker(dir, { onWarning: (t) => warnings.push(t) });
    assert.equal(o.broker.vhost('/')!.queues.get('q')!.messageCount, 3);
    assert.ok(warnings.some((w) => w.includes('torn tail')));
    await o.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('a definitions file of the wrong shape names the file and the first wrong field', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 1);
    const file = join(dir, 'definitions.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [[], 'not a JSON object'],
      [{ ...good, vhosts: '/' }, 'vhosts is not an array'],
      [{ ...good, queues: [{ ...(good.queues as object[])[0], name: 7 }] }, 'queues[0].name is not a string'],
      [{ ...good, queues: [{ ...(good.queues as object[])[0], arguments: '!!' }] }, 'queues[0].arguments'],
      [
        {
          ...good,
          users: {
            users: [],
            loopbackOnly: [],
            permissions: [{ user: 'u', vhost: '/', configure: '(', write: '', read: '' }],
          },
        },
        'users.permissions[0].configure is not a valid regular expression',
      ],
    ];
    for (const [content, reason] of cases) {
      writeFileSync(file, JSON.stringify(content));
      await assert.rejects(
        Broker.open(dir, { onWarning: () => undefined }),
        (e: Error) =>
          e.name === 'DamagedDataDirError' &&
          e.message.includes(file) &&
          e.message.includes(reason) &&
          !e.message.includes('\n'),
      );
    }
  } finally {
    removeDir(dir);
  }
});
