// `warren jobs <task>` as a user runs it (the real bin): a task's jobs by state from a
// PostgreSQL store (the server running here, one table per run), a Redis store (a key prefix
// per run) and from an app's data dir.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PostgresJobStore,
  RedisJobStore,
  Service,
  Task,
  Warren,
  type WarrenStartOptions,
} from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/warren.js');
const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const REDIS_URL = process.env['WARREN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const { WARREN_JOBS_STORE: _unset, ...baseEnv } = process.env;

function warren(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: baseEnv, timeout: 20_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** Runs one job that completes and one that fails on an app with these options. */
async function runJobs(task: string, options: WarrenStartOptions): Promise<{ ok: string; bad: string }> {
  @Service(`${task}.svc`)
  class Svc {
    @Task(task, { retries: 0 })
    handle(p: { fail: boolean }): Promise<string> {
      return p.fail ? Promise.reject(new Error('card declined')) : Promise.resolve('sent');
    }
  }
  const app = await Warren.start({ ...options, services: [Svc], onError: () => undefined });
  try {
    const ok = await app.client.enqueue(task, { fail: false });
    const bad = await app.client.enqueue(task, { fail: true });
    assert.equal(await ok.result({ timeout: 10_000 }), 'sent');
    await assert.rejects(bad.result({ timeout: 10_000 }));
    return { ok: ok.id, bad: bad.id };
  } finally {
    await app.close();
  }
}

test(
  'warren jobs <task> --state failed lists the failed jobs of a PostgreSQL store',
  { timeout: 60_000 },
  async () => {
    const table = `warren_jobs_cli${randomBytes(4).toString('hex')}`;
    const store = await PostgresJobStore.open({ url: POSTGRES_URL, table });
    try {
      const task = `cli.jobs.${randomBytes(3).toString('hex')}`;
      const { ok, bad } = await runJobs(task, { jobs: { store } });
      const r = await warren(['jobs', task, '--state', 'failed', '--store', POSTGRES_URL, '--table', table]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${task.replace(/\./g, '\\.')}: .*completed 1, failed 1`, 'm'));
      assert.match(r.stdout, new RegExp(`${bad}\\s+failed\\s+1\\s+\\S+\\s+Error: card declined`));
      assert.doesNotMatch(r.stdout, new RegExp(ok));
      const json = await warren(['jobs', task, '--store', POSTGRES_URL, '--table', table, '--json']);
      const records = JSON.parse(json.stdout) as { id: string; state: string }[];
      assert.deepEqual(records.map((x) => x.state).sort(), ['completed', 'failed']);
    } finally {
      await store.drop();
      await store.close();
    }
  },
);

test(
  'warren jobs <task> --store redis://… --prefix lists the jobs of a Redis store',
  { timeout: 60_000 },
  async () => {
    const prefix = `warren-test:{${randomBytes(6).toString('hex')}}:`;
    const store = await RedisJobStore.open({ url: REDIS_URL, prefix });
    try {
      const task = `cli.redis.${randomBytes(3).toString('hex')}`;
      const { ok, bad } = await runJobs(task, { jobs: { store } });
      const r = await warren(['jobs', task, '--state', 'failed', '--store', REDIS_URL, '--prefix', prefix]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${task.replace(/\./g, '\\.')}: .*completed 1, failed 1`, 'm'));
      assert.match(r.stdout, new RegExp(`${bad}\\s+failed\\s+1\\s+\\S+\\s+Error: card declined`));
      assert.doesNotMatch(r.stdout, new RegExp(ok));
    } finally {
      await store.drop();
      await store.close();
    }
  },
);

test(
  'warren jobs --data-dir reads the file store of a persistent embedded broker',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-cli-jobs-'));
    try {
      const task = `cli.file.${randomBytes(3).toString('hex')}`;
      const { ok } = await runJobs(task, { dataDir: dir });
      const r = await warren(['jobs', task, '--state', 'completed', '--data-dir', dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`${ok}\\s+completed\\s+1\\s+\\S+\\s+"sent"`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'warren jobs: bad input is a usage error, an unreachable store one clear line',
  { timeout: 60_000 },
  async () => {
    assert.equal((await warren(['jobs'])).status, 2);
    const badState = await warren(['jobs', 't', '--state', 'sleeping', '--data-dir', '/nonexistent']);
    assert.equal(badState.status, 2);
    assert.match(badState.stderr, /unknown state 'sleeping'/);
    const noStore = await warren(['jobs', 't']);
    assert.equal(noStore.status, 2);
    assert.match(noStore.stderr, /no job store/);
    const refused = await warren(['jobs', 't', '--store', 'postgres://root@127.0.0.1:1/test']);
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /cannot open job store/);
    const redisRefused = await warren(['jobs', 't', '--store', 'redis://127.0.0.1:1']);
    assert.equal(redisRefused.status, 1);
    assert.match(redisRefused.stderr, /cannot open job store redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    const unknown = await warren(['jobs', 't', '--store', 'mysql://localhost/db']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unsupported job store URL/);
    const jobsWithoutHttp = await warren(['broker', '--port', '0', '--jobs', 'redis://127.0.0.1:6379']);
    assert.equal(jobsWithoutHttp.status, 2);
    assert.match(jobsWithoutHttp.stderr, /--jobs needs --http-port/);
  },
);
