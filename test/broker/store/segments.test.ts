import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Writer } from '../../../src/protocol/writer.js';
import { Message } from '../../../src/broker/message.js';
import { openDataDir } from '../../../src/broker/store/data-dir.js';
import {
  RECORD_HEADER,
  checkRecord,
  readMessage,
  writePublish,
} from '../../../src/broker/store/message-log/record-codec.js';
import { openBroker, PERSISTENT, removeDir, tempDir, until } from './helpers.js';

const segFiles = (dir: string) =>
  readdirSync(join(dir, 'messages'))
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(dir, 'messages', f));

async function writeMessages(dir: string, n: number, segmentSize?: number): Promise<void> {
  const o = await openBroker(dir, segmentSize === undefined ? {} : { segmentSize });
  o.ch.queueDeclare({ queue: 'q', durable: true });
  for (let i = 0; i < n; i++) {
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from(`m${i}`));
    if (i % 10 === 9) await o.store.sync();
  }
  await o.broker.shutdown();
}

test('record round trip and CRC check', () => {
  const w = new Writer();
  const m = new Message('x', 'rk', { deliveryMode: 2, headers: { a: 1 } }, Buffer.from('hello'));
  m.seq = 42;
  const len = writePublish(w, 'v\u0000q', m, 0);
  const buf = Buffer.from(w.take());
  assert.equal(checkRecord(buf, 0, buf.length), len);
  const back = readMessage(buf, RECORD_HEADER, len);
  assert.equal(back.body.toString(), 'hello');
  assert.equal(back.seq, 42);
  assert.equal(back.routingKey, 'rk');
  assert.deepEqual(back.properties.headers, { a: 1 });
  buf[len - 1] = buf[len - 1]! ^ 0xff;
  assert.equal(checkRecord(buf, 0, buf.length), 'checksum mismatch');
});

test('a torn record at the tail is dropped; everything before it recovers', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 20);
    const file = segFiles(dir).at(-1)!;
    const size = statSync(file).size;
    truncateSync(file, size - 3);
    const warnings: string[] = [];
    const r = await openBroker(dir, { onWarning: (t) => warnings.push(t) });
    assert.equal(r.broker.vhost('/')!.queues.get('q')!.messageCount, 19);
    assert.ok(warnings.some((w) => w.includes('torn tail')));
    // one more write opens a new segment (the recovered ones are sealed at their size)
    r.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from('m20'));
    await r.store.sync();
    await r.broker.shutdown();
    // garbage appended after the last good record of the open segment is dropped the same way
    appendFileSync(segFiles(dir).at(-1)!, Buffer.from([0, 0, 0, 9, 1, 2, 3]));
    const z = await openBroker(dir);
    assert.equal(z.broker.vhost('/')!.queues.get('q')!.messageCount, 20);
    await z.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('a corrupt record in an older segment is a start-up error naming file and offset', async () => {
  const dir = tempDir();
  try {
    await writeMessages(dir, 60, 256);
    const files = segFiles(dir);
    assert.ok(files.length >= 3);
    const victim = files[0]!;
    const buf = readFileSync(victim);
    buf[20] = buf[20]! ^ 0xff;
    writeFileSync(victim, buf);
    assert.throws(
      () => openDataDir(dir),
      (e: Error & { file?: string; offset?: number }) =>
        e.name === 'CorruptSegmentError' && e.file === victim && e.offset === 8 && e.message.includes(victim),
    );
    // explicit repair mode: truncates there and starts, reporting the loss
    const warnings: string[] = [];
    const r = await openBroker(dir, { repair: true, onWarning: (t) => warnings.push(t) });
    assert.ok(warnings.some((w) => w.startsWith('REPAIR')));
    assert.ok(r.broker.vhost('/')!.queues.get('q')!.messageCount < 60);
    await r.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('a failing write (ENOSPC from /dev/full) nacks the publish and the broker keeps running', async () => {
  const dir = tempDir();
  try {
    const warnings: string[] = [];
    const r = await openBroker(dir, { segmentSize: 16, onWarning: (t) => warnings.push(t) });
    r.ch.queueDeclare({ queue: 'q', durable: true });
    r.ch.queueDeclare({ queue: 't' });
    r.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from('first'));
    await r.store.sync();
    // the next flush rolls to segment 00000002: make it /dev/full (writes fail with ENOSPC)
    symlinkSync('/dev/full', join(dir, 'messages', '00000002.seg'));
    r.ch.confirmSelect();
    r.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from('lost'));
    await until(() => r.sink.nacks.length === 1);
    assert.deepEqual(r.sink.acks, []);
    assert.ok(warnings.some((w) => w.includes('failed')));
    r.ch.basicPublish('', 't', false, false, {}, Buffer.from('transient'));
    assert.deepEqual(r.sink.acks, [{ tag: 2, multiple: false }]);
    const g = r.ch.basicGet('t', true);
    assert.equal(g?.message.body.toString(), 'transient');
    await r.broker.shutdown();
    // the confirmed message is still there after a restart (the failed segment is not a regular file)
    const z = await openBroker(dir);
    assert.equal(z.broker.vhost('/')!.queues.get('q')!.messageCount, 1);
    await z.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});
