// A chord survives its worker's death: the worker process (a child, on Warren's TCP server,
// sharing a PostgreSQL job store with this process) is killed with SIGKILL while the group's
// last member runs, after the others completed. A new worker takes the member's redelivered
// message (a suspect: quarantined and run alone as the same attempt, uncharged), completes it,
// settles the group's last member and runs the callback exactly once with every result in
// member order.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PostgresJobStore, Warren } from '../../../src/index.js';
import { spawnWorker, type ChildWorker } from '../../helpers/child-worker.js';
import { startServer } from '../../helpers/server.js';

const POSTGRES_URL = process.env['WARREN_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1/test';
const script = fileURLToPath(new URL('fixtures/group-worker.ts', import.meta.url));

test(
  'a worker killed mid-group: after a restart the callback runs once with all results',
  { timeout: 120_000 },
  async () => {
    const server = await startServer();
    const suffix = randomBytes(4).toString('hex');
    const member = `gcrash.member.${suffix}`;
    const callback = `gcrash.callback.${suffix}`;
    const table = `warren_jobs_g${suffix}`;
    const store = await PostgresJobStore.open({ url: POSTGRES_URL, table });
    const env = { URL: server.url, MEMBER: member, CALLBACK: callback, TABLE: table, PG: POSTGRES_URL };
    const workers: ChildWorker[] = [];
    const app = await Warren.start({ url: server.url, jobs: { store }, reconnect: false });
    try {
      const first = spawnWorker(script, { ...env, BLOCK: '4' });
      workers.push(first);
      await first.line(/^ready$/);
      const members = [0, 1, 2, 3, 4].map((n) => ({ task: member, payload: n }));
      const chord = await app.client.group(members, { callback: { task: callback } });
      // Every member but the blocked one completed; the last one is running in the first worker.
      await first.line(new RegExp(`^started ${chord.members[4]} 4$`));
      for (let i = 0; i < 1000 && (await chord.get())?.remaining !== 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await chord.get())?.remaining, 1);
      assert.equal(await app.client.job(chord.members[4]!).state(), 'active');
      first.child.kill('SIGKILL');
      await first.exited;

      const second = spawnWorker(script, env);
      workers.push(second);
      await second.line(/^ready$/);
      assert.equal(await chord.callback?.result({ timeout: 60_000 }), 100);
      assert.deepEqual(await chord.results({ timeout: 1000 }), [0, 10, 20, 30, 40]);
      const member4 = await app.client.job(chord.members[4]!).get();
      assert.equal(member4?.state, 'completed');
      // Its process died with it: a suspect, not a culprit, so its rerun is the same attempt.
      assert.equal(member4?.attempts, 1, 'the killed attempt was not charged');
      // A marker chord after it: once its callback ran, a second run of the first one would have.
      const marker = await app.client.group([{ task: member, payload: 7 }], { callback: { task: callback } });
      assert.equal(await marker.callback?.result({ timeout: 60_000 }), 70);
      const runs = workers.flatMap((w) => w.lines).filter((l) => l.startsWith('callback '));
      assert.deepEqual(runs, ['callback [0,10,20,30,40]', 'callback [70]']);
    } finally {
      for (const w of workers) {
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
        await w.exited;
      }
      await app.close();
      await store.drop();
      await store.close();
      await server.close();
    }
  },
);
