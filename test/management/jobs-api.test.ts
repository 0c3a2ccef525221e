/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies in tests */
// /api/jobs on `warren broker --jobs redis://…` (the real CLI, a child process, and the Redis
// running here on a prefix of its own): tasks with counts, a task's jobs by state in pages,
// one job, auth and CSRF rules, cancel (administrators only, live jobs only, broadcast on the
// broker's jobs exchange so the worker running it aborts it), retry of a failed job through its
// dead letter; a management server without a job store answers 404.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { RedisJobStore, type JobRecord } from '../../src/framework/index.js';
import { kill9, startBrokerProcess } from '../broker/store/broker-process.js';
import { api, auth, startStack } from './stack.js';

const REDIS_URL = process.env['WARREN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const T = { timeout: 60_000 };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function job(id: string, task: string, state: JobRecord['state'], at: number): JobRecord {
  return { id, task, state, attempts: state === 'waiting' ? 0 : 1, createdAt: at, updatedAt: at };
}

test(
  'warren broker --jobs redis://…: tasks, paging by state, one job, cancel and retry with auth',
  T,
  async () => {
    const prefix = `warren-test:{${randomBytes(6).toString('hex')}}:`;
    const store = await RedisJobStore.open({ url: REDIS_URL, prefix });
    const dir = mkdtempSync(join(tmpdir(), 'warren-jobs-api-'));
    dirs.push(dir);
    const jobsUrl = `${REDIS_URL}/0?prefix=${encodeURIComponent(prefix)}`;
    const broker = await startBrokerProcess(dir, 30_000, {
      args: ['--http-port', '0', '--user', 'admin:admin', '--jobs', jobsUrl],
    });
    const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${broker.port}`);
    try {
      const base = Date.now() - 10_000;
      for (let i = 0; i < 5; i++) await store.create(job(`f${i}`, 'mail', 'failed', base + i));
      await store.create(job('w1', 'mail', 'waiting', base + 10));
      await store.create(job('c1', 'mail', 'completed', base + 11));
      await store.create(job('o1', 'other', 'active', base + 12));
      const http = broker.httpUrl!;
      const get = async (path: string, creds = auth('admin', 'admin')) => {
        const res = await fetch(`${http}/api${path}`, { headers: creds });
        return { status: res.status, body: (await res.json()) as Record<string, any> };
      };
      const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
        const res = await fetch(`${http}/api${path}`, {
          method: 'POST',
          headers: { ...auth('admin', 'admin'), 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, any> };
      };

      assert.equal((await get('/jobs', {})).status, 401, 'needs a management user');
      const tasks = await get('/jobs');
      assert.equal(tasks.status, 200);
      assert.equal(tasks.body['can_cancel'], true);
      assert.deepEqual(tasks.body['tasks'], [
        { name: 'mail', counts: { waiting: 1, completed: 1, failed: 5 } },
        { name: 'other', counts: { active: 1 } },
      ]);
      const page2 = await get('/jobs/mail?state=failed&page=2&page_size=2');
      assert.deepEqual(
        page2.body['items'].map((j: JobRecord) => j.id),
        ['f2', 'f1'],
      );
      assert.equal(page2.body['total_count'], 5);
      assert.equal(page2.body['page_count'], 3);
      const all = await get('/jobs/mail?page_size=3');
      assert.deepEqual(
        all.body['items'].map((j: JobRecord) => j.id),
        ['c1', 'w1', 'f4'],
      );
      assert.equal((await get('/jobs/mail?state=bogus')).status, 400);
      assert.equal((await get('/jobs/mail?page=0')).status, 400);
      assert.equal((await get('/jobs/mail/f3')).body['state'], 'failed');
      assert.equal((await get('/jobs/mail/nope')).status, 404);
      assert.equal((await get('/jobs/other/f3')).status, 404, 'a job is found under its own task only');

      // Cancel: the worker side listens on the jobs exchange for `cancel`.
      const ch = await conn.createChannel();
      await ch.assertExchange('warren.jobs', 'topic', { durable: true });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, 'warren.jobs', 'cancel');
      assert.equal((await post('/jobs/mail/w1/cancel', {}, { origin: 'http://evil.example' })).status, 403);
      const monitor = await api({ httpUrl: http } as never, 'PUT', '/users/mon', {
        password: 'mon',
        tags: 'monitoring',
      });
      assert.ok(monitor.status < 300, `user created: ${monitor.status}`);
      const refused = await fetch(`${http}/api/jobs/mail/w1/cancel`, {
        method: 'POST',
        headers: { ...auth('mon', 'mon'), 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(refused.status, 401, 'monitoring users may not cancel');
      assert.equal((await get('/jobs/mail', auth('mon', 'mon'))).status, 200, 'but may read');
      assert.equal((await post('/jobs/mail/c1/cancel', {})).status, 409, 'a finished job stays as it is');
      const cancelled = await post('/jobs/mail/w1/cancel', {});
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body['state'], 'cancelled');
      assert.equal((await store.get('w1'))?.state, 'cancelled');
      let broadcast: string | undefined;
      for (let i = 0; i < 250 && broadcast === undefined; i++) {
        const m = await ch.get(queue, { noAck: true });
        if (m) broadcast = m.content.toString();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(broadcast, 'w1');

      // Retry: the failed job's dead letter goes back to the task queue.
      await ch.assertQueue('mail.dead');
      await ch.assertQueue('mail');
      ch.sendToQueue('mail.dead', Buffer.from('{}'), { messageId: 'f0', headers: { 'x-warren-attempt': 4 } });
      await ch.checkQueue('mail.dead');
      for (let i = 0; i < 250 && (await ch.checkQueue('mail.dead')).messageCount === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await post('/jobs/mail/w1/retry', {})).status, 409, 'only failed or dead jobs');
      assert.equal((await post('/jobs/mail/f1/retry', {})).status, 400, 'no dead letter for it');
      const retried = await post('/jobs/mail/f0/retry', { vhost: '/' });
      assert.equal(retried.status, 200);
      assert.deepEqual(retried.body['ids'], ['f0']);
      const moved = await ch.get('mail', { noAck: true });
      assert.ok(moved);
      assert.equal(moved.properties.messageId, 'f0');
    } finally {
      await conn.close().catch(() => undefined);
      await kill9(broker);
      await store.drop();
      await store.close();
    }
  },
);

test('a management server without a job store answers /api/jobs with 404', T, async () => {
  const s = await startStack();
  try {
    const res = await api(s, 'GET', '/jobs');
    assert.equal(res.status, 404);
    assert.match(res.body.reason, /no job store/);
  } finally {
    await s.close();
  }
});
