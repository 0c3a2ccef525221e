// Policies are durable definitions: a policy PUT through the management API of the real
// `warren broker --data-dir --http-port` survives a kill -9 right after the 201 (the answer
// comes after the fsync), is in effect on the restored durable queue (max-length drops over
// AMQP), and a DELETE answered with 204 stays deleted after the next kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const ADMIN = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

const start = (dir: string): Promise<BrokerProcess> =>
  startBrokerProcess(dir, 30_000, { args: ['--http-port', '0', '--user', 'admin:admin'] });

async function http(p: BrokerProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${p.httpUrl!}/api${path}`, {
    method,
    headers: { authorization: ADMIN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown>,
  };
}

/** Publishes `n` persistent messages to `queue` with confirms; the queue's ready count after. */
async function publishAndCount(p: BrokerProcess, queue: string, n: number): Promise<number> {
  const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${p.port}`);
  try {
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < n; i++) ch.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true });
    await ch.waitForConfirms();
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await conn.close();
  }
}

test(
  'a policy survives kill -9 after its 201, applies to the restored queue, and a 204 DELETE sticks',
  { timeout: 180_000 },
  async () => {
    const dir = tempDir('warren-policy-crash-');
    let p: BrokerProcess | undefined;
    try {
      p = await start(dir);
      assert.equal((await http(p, 'PUT', '/queues/%2F/capped', { durable: true })).status, 201);
      const body = {
        pattern: '^capped$',
        definition: { 'max-length': 2 },
        priority: 1,
        'apply-to': 'queues',
      };
      assert.equal((await http(p, 'PUT', '/policies/%2F/cap', body)).status, 201);
      await kill9(p);

      p = await start(dir);
      const got = await http(p, 'GET', '/policies/%2F/cap');
      assert.equal(got.status, 200);
      assert.deepEqual(got.json['definition'], { 'max-length': 2 });
      assert.equal((await http(p, 'GET', '/queues/%2F/capped')).json['policy'], 'cap');
      assert.equal(await publishAndCount(p, 'capped', 5), 2);
      assert.equal((await http(p, 'DELETE', '/policies/%2F/cap')).status, 204);
      await kill9(p);

      p = await start(dir);
      assert.equal((await http(p, 'GET', '/policies/%2F/cap')).status, 404);
      assert.equal((await http(p, 'GET', '/queues/%2F/capped')).json['policy'], null);
      assert.equal(await publishAndCount(p, 'capped', 3), 5, 'the cap is gone: 2 kept + 3 new');
    } finally {
      await kill9(p);
      removeDir(dir);
    }
  },
);
