// Runs the job store suite on every store: memory, file (plus recovery), PostgreSQL over TCP
// and over its unix socket (the server running here, trust auth; one table per run), and Redis
// (the server running here; a key prefix per test, deleted after).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJobStore } from '../../../src/framework/jobs/file-job-store.js';
import { newGroup } from '../../../src/framework/jobs/group-record.js';
import { MemoryJobStore } from '../../../src/framework/jobs/memory-job-store.js';
import { PostgresJobStore } from '../../../src/framework/jobs/postgres-job-store.js';
import { RedisJobStore } from '../../../src/framework/jobs/redis-job-store.js';
import type { RetentionOptions } from '../../../src/framework/jobs/job-store.js';
import { jobStoreTests } from './job-store.suite.js';

export const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const POSTGRES_SOCKET_URL = 'postgres://root@/test?host=/var/run/postgresql';
export const REDIS_URL = process.env['WARREN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const prefixes: string[] = [];

const dirs: string[] = [];
const tables: string[] = [];
after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const table of tables) {
    const s = await PostgresJobStore.open({ url: POSTGRES_URL, table });
    await s.drop();
    await s.close();
  }
  for (const prefix of prefixes) {
    const s = await RedisJobStore.open({ url: REDIS_URL, prefix });
    await s.drop();
    await s.close();
  }
});

/** A Redis store on a prefix of its own (a hash tag, as the default has). */
function redisStore(retention?: RetentionOptions): Promise<RedisJobStore> {
  const prefix = `warren-test:{${randomBytes(6).toString('hex')}}:`;
  prefixes.push(prefix);
  return RedisJobStore.open({ url: REDIS_URL, prefix, retention });
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'warren-jobs-'));
  dirs.push(d);
  return d;
}

describe('job store: memory', () =>
  jobStoreTests((retention) => Promise.resolve(new MemoryJobStore({ retention }))));
describe('job store: file', () =>
  jobStoreTests((retention) => Promise.resolve(FileJobStore.open(tempDir(), retention))));
describe('job store: PostgreSQL over TCP', () => {
  const table = `warren_jobs_t${randomBytes(4).toString('hex')}`;
  tables.push(table);
  jobStoreTests((retention) => PostgresJobStore.open({ url: POSTGRES_URL, table, retention }));
});
describe('job store: PostgreSQL over the unix socket', () => {
  const table = `warren_jobs_u${randomBytes(4).toString('hex')}`;
  tables.push(table);
  jobStoreTests((retention) => PostgresJobStore.open({ url: POSTGRES_SOCKET_URL, table, retention }));
});

describe('job store: Redis', () => jobStoreTests(redisStore));

describe('file job store: recovery', () => {
  test('a reopened store has every record as last written, deletes included; a torn line is skipped', async () => {
    const dir = tempDir();
    const a = FileJobStore.open(dir);
    const now = Date.now();
    await a.create({ id: 'j1', task: 't', state: 'waiting', attempts: 0, createdAt: now, updatedAt: now });
    await a.create({ id: 'j2', task: 't', state: 'waiting', attempts: 0, createdAt: now, updatedAt: now });
    await a.update('j1', { state: 'completed', result: { n: 7 }, attempts: 1 });
    await a.delete('j2');
    await a.setPaused('t', true);
    await a.setPaused('u', true);
    await a.setPaused('u', false);
    await a.close();
    appendFileSync(join(dir, 'jobs.log'), '{"put":{"id":"j3","ta');
    const b = FileJobStore.open(dir);
    assert.deepEqual(
      { ...(await b.get('j1')), updatedAt: 0 },
      {
        id: 'j1',
        task: 't',
        state: 'completed',
        attempts: 1,
        result: { n: 7 },
        createdAt: now,
        updatedAt: 0,
      },
    );
    assert.equal(await b.get('j2'), undefined);
    assert.equal(await b.get('j3'), undefined);
    assert.deepEqual(await b.pausedTasks(), ['t']);
    await b.close();
  });

  test('a reopened store has its groups with every member settled before, after compaction too', async () => {
    const dir = tempDir();
    const a = FileJobStore.open(dir);
    const g = newGroup('g1', ['g1.0', 'g1.1', 'g1.2'], 'fail', { task: 'cb', id: 'g1.callback' }, 1);
    await a.createGroup(g);
    await a.createGroup(newGroup('g2', ['g2.0'], 'settle', undefined, 1));
    await a.settleMember('g1', 2, { state: 'completed', result: 'c' });
    await a.settleMember('g1', 0, { state: 'dead', error: { name: 'E', message: 'gone' } });
    await a.deleteGroup('g2');
    await a.close();
    const b = FileJobStore.open(dir); // replays, then compacts
    const expected = [
      { state: 'dead', error: { name: 'E', message: 'gone' } },
      null,
      { state: 'completed', result: 'c' },
    ];
    assert.deepEqual((await b.getGroup('g1'))?.outcomes, expected);
    assert.equal((await b.getGroup('g1'))?.remaining, 1);
    assert.equal(await b.getGroup('g2'), undefined);
    const last = await b.settleMember('g1', 1, { state: 'completed', result: 'b' });
    assert.equal(last?.last, true);
    await b.close();
    const c = FileJobStore.open(dir);
    const reopened = await c.getGroup('g1');
    assert.equal(reopened?.remaining, 0);
    assert.deepEqual(reopened?.outcomes[1], { state: 'completed', result: 'b' });
    assert.deepEqual(reopened?.callback, { task: 'cb', id: 'g1.callback' });
    await c.close();
  });

  test('an unusable database URL fails with a clear error', async () => {
    await assert.rejects(PostgresJobStore.open({ url: 'postgres://root@127.0.0.1:1/test' }), (err: Error) =>
      /ECONNREFUSED/.test(String((err as { code?: string }).code ?? err.message)),
    );
    await assert.rejects(PostgresJobStore.open({ url: POSTGRES_URL, table: 'bad;name' }), TypeError);
    await assert.rejects(RedisJobStore.open({ url: 'redis://127.0.0.1:1' }), (err: Error) =>
      /ECONNREFUSED/.test(String((err as { code?: string }).code ?? err.message)),
    );
  });
});
