// Cancelling a job that runs in another process: the worker is a child process sharing a
// PostgreSQL job store with this one, both on Warren's TCP server; the cancel reaches it as a
// message on the warren.jobs exchange and aborts its handler's ctx.signal.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { JobCancelledError, PostgresJobStore, Warren } from '../../../src/index.js';
import { RETRY_HEADERS } from '../../../src/framework/index.js';
import { AmqpTransport } from '../../../src/transports/amqp/index.js';
import { spawnWorker } from '../../helpers/child-worker.js';
import { startServer } from '../../helpers/server.js';

const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const worker = fileURLToPath(new URL('fixtures/blocking-worker.ts', import.meta.url));

test('job.cancel() aborts a handler running in another process', { timeout: 60_000 }, async () => {
  const server = await startServer();
  const task = `xproc.${randomBytes(4).toString('hex')}`;
  const table = `warren_jobs_x${randomBytes(4).toString('hex')}`;
  const store = await PostgresJobStore.open({ url: POSTGRES_URL, table });
  const { child, lines, line, exited } = spawnWorker(worker, {
    URL: server.url,
    TASK: task,
    TABLE: table,
    PG: POSTGRES_URL,
  });
  const app = await Warren.start({ url: server.url, jobs: { store }, reconnect: false });
  try {
    await line(/^ready$/);
    const job = await app.client.enqueue(task, {});
    await line(new RegExp(`^started ${job.id}$`));
    assert.equal(await job.state(), 'active');
    assert.equal(await job.cancel(), true);
    await line(new RegExp(`^aborted ${job.id} JobCancelledError$`));
    await assert.rejects(job.result({ timeout: 10_000 }), JobCancelledError);
    // Not retried: the aborted attempt went to the dead-letter queue, as a final error.
    const admin = new AmqpTransport(server.url, { reconnect: false });
    await admin.connect();
    const ch = await admin.createChannel();
    let dead = null;
    for (let i = 0; i < 200 && !dead; i++) {
      dead = await ch.get(`${task}.dead`, { noAck: true });
      if (!dead) await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(dead?.properties.headers?.[RETRY_HEADERS.errorName], 'JobCancelledError');
    assert.equal(lines.filter((l) => l.startsWith('started')).length, 1);
    await admin.close();
  } finally {
    child.kill('SIGTERM');
    await exited;
    await app.close();
    await store.drop();
    await store.close();
    await server.close();
  }
});
