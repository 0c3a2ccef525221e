// One conformance suite for every job store (memory, file, PostgreSQL, Redis): dedup, conditional
// transitions (a cancel racing a start), listing by state, counts, retention, and groups (the
// atomic "last member settled" step under concurrent settles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newGroup, type MemberOutcome } from '../../../src/framework/jobs/group-record.js';
import type { JobRecord } from '../../../src/framework/jobs/job-record.js';
import type { JobStore, RetentionOptions } from '../../../src/framework/jobs/job-store.js';

/** Opens a fresh, empty store with the given retention; close() is the caller's. */
export type StoreFactory = (retention?: RetentionOptions) => Promise<JobStore>;

const T = { timeout: 20_000 };
let seq = 0;

function job(task: string, patch: Partial<JobRecord> = {}): JobRecord {
  const now = Date.now();
  return {
    id: `job-${process.pid}-${++seq}`,
    task,
    state: 'waiting',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    ...patch,
  };
}

async function withStore(
  open: StoreFactory,
  fn: (s: JobStore) => Promise<void>,
  retention?: RetentionOptions,
): Promise<void> {
  const store = await open(retention);
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

export function jobStoreTests(open: StoreFactory): void {
  test('create then get returns the record; unknown ids are undefined', T, () =>
    withStore(open, async (s) => {
      const r = job('t.a', { maxAttempts: 3, progress: { pct: 1 } });
      const res = await s.create(r);
      assert.equal(res.created, true);
      assert.deepEqual(await s.get(r.id), r);
      assert.equal(await s.get('no-such-job'), undefined);
    }),
  );

  test('a second create with the same id is a duplicate and changes nothing', T, () =>
    withStore(open, async (s) => {
      const r = job('t.dup');
      await s.create(r);
      const again = await s.create({ ...r, task: 't.other', attempts: 9 });
      assert.equal(again.created, false);
      assert.deepEqual(again.record, r);
      assert.deepEqual(await s.get(r.id), r);
    }),
  );

  test('a finished job older than the dedup window is replaced; a live one never is', T, () =>
    withStore(open, async (s) => {
      const old = job('t.win', { createdAt: Date.now() - 10_000, state: 'completed', result: 1 });
      await s.create(old);
      const fresh = { ...job('t.win'), id: old.id };
      assert.equal((await s.create(fresh, 60_000)).created, false, 'inside the window');
      const replaced = await s.create(fresh, 5_000);
      assert.equal(replaced.created, true);
      assert.equal((await s.get(old.id))?.state, 'waiting');
      assert.equal((await s.create({ ...fresh, attempts: 4 }, 0)).created, false, 'live: still a duplicate');
    }),
  );

  test('update applies only from the given states', T, () =>
    withStore(open, async (s) => {
      const r = job('t.upd');
      await s.create(r);
      assert.equal(await s.update(r.id, { state: 'completed' }, ['active']), undefined);
      assert.equal((await s.get(r.id))?.state, 'waiting');
      const active = await s.update(r.id, { state: 'active', attempts: 1, startedAt: 5 }, ['waiting']);
      assert.equal(active?.state, 'active');
      assert.equal(active?.attempts, 1);
      assert.equal(active?.startedAt, 5);
      const done = await s.update(r.id, { state: 'completed', result: { ok: [1, 'x'] }, finishedAt: 6 });
      assert.deepEqual(done?.result, { ok: [1, 'x'] });
      assert.deepEqual((await s.get(r.id))?.result, { ok: [1, 'x'] });
      assert.equal(await s.update('missing', { state: 'active' }), undefined);
      assert.equal(await s.update(r.id, { progress: 1 }, undefined, 2), undefined, 'a stale attempt');
      assert.equal((await s.update(r.id, { progress: 1 }, undefined, 1))?.progress, 1);
    }),
  );

  test('a cancel racing a start: exactly one wins', T, () =>
    withStore(open, async (s) => {
      for (let i = 0; i < 20; i++) {
        const r = job('t.race');
        await s.create(r);
        const [cancel, start] = await Promise.all([
          s.update(r.id, { state: 'cancelled' }, ['waiting', 'delayed']),
          s.update(r.id, { state: 'active' }, ['waiting', 'delayed']),
        ]);
        assert.equal(Number(cancel !== undefined) + Number(start !== undefined), 1);
        assert.equal((await s.get(r.id))?.state, cancel ? 'cancelled' : 'active');
      }
    }),
  );

  test('list filters by task and state, newest first, with a limit; counts per state', T, () =>
    withStore(open, async (s) => {
      const task = `t.list.${seq}`;
      const base = Date.now();
      for (let i = 0; i < 5; i++)
        await s.create(job(task, { state: i < 3 ? 'failed' : 'waiting', updatedAt: base + i }));
      await s.create(job('t.elsewhere', { state: 'failed' }));
      const failed = await s.list({ task, state: 'failed' });
      assert.equal(failed.length, 3);
      assert.deepEqual(
        failed.map((r) => r.updatedAt),
        [base + 2, base + 1, base],
      );
      assert.equal((await s.list({ task, limit: 2 })).length, 2);
      assert.deepEqual(await s.counts(task), { failed: 3, waiting: 2 });
      const tasks = await s.tasks?.();
      assert.ok(tasks?.includes(task) && tasks.includes('t.elsewhere'), `tasks: ${String(tasks)}`);
      assert.deepEqual(await s.list({ task: 'no.such.task' }), []);
    }),
  );

  test('list pages with offset, by state and across states, newest first', T, () =>
    withStore(open, async (s) => {
      const task = `t.page.${++seq}`;
      const base = Date.now();
      const states = [
        'waiting',
        'completed',
        'failed',
        'active',
        'completed',
        'waiting',
        'completed',
      ] as const;
      for (const [i, state] of states.entries()) await s.create(job(task, { state, updatedAt: base + i }));
      const page = async (q: {
        state?: JobRecord['state'];
        offset: number;
        limit: number;
      }): Promise<number[]> => (await s.list({ task, ...q })).map((r) => r.updatedAt - base);
      assert.deepEqual(await page({ offset: 0, limit: 3 }), [6, 5, 4]);
      assert.deepEqual(await page({ offset: 3, limit: 3 }), [3, 2, 1]);
      assert.deepEqual(await page({ offset: 6, limit: 3 }), [0]);
      assert.deepEqual(await page({ offset: 9, limit: 3 }), []);
      assert.deepEqual(await page({ state: 'completed', offset: 1, limit: 5 }), [4, 1]);
      assert.deepEqual(await page({ state: 'completed', offset: 0, limit: 0 }), []);
    }),
  );

  test('a transition moves the job between state listings and counts; a cleared field is gone', T, () =>
    withStore(open, async (s) => {
      const task = `t.move.${++seq}`;
      const r = job(task, { state: 'failed', error: { name: 'E', message: 'boom' }, finishedAt: 9 });
      await s.create(r);
      const revived = await s.update(r.id, { state: 'active', error: undefined, finishedAt: undefined });
      assert.equal(revived?.error, undefined);
      assert.equal(revived?.finishedAt, undefined);
      assert.equal((await s.get(r.id))?.error, undefined);
      assert.deepEqual(await s.counts(task), { active: 1 });
      assert.deepEqual(await s.list({ task, state: 'failed' }), []);
      assert.deepEqual(
        (await s.list({ task, state: 'active' })).map((x) => x.id),
        [r.id],
      );
      await s.update(r.id, { state: 'completed', result: null });
      assert.deepEqual(await s.counts(task), { completed: 1 });
      await s.delete(r.id);
      assert.deepEqual(await s.counts(task), {});
      assert.deepEqual(await s.list({ task }), []);
    }),
  );

  test('retention keeps the newest N finished jobs per task and state, and never live ones', T, () =>
    withStore(
      open,
      async (s) => {
        const task = `t.keep.${seq}`;
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          const r = job(task);
          ids.push(r.id);
          await s.create(r);
        }
        for (const [i, id] of ids.slice(0, 5).entries())
          await s.update(id, { state: 'completed', finishedAt: Date.now(), updatedAt: Date.now() + i });
        await s.prune();
        const kept = await s.list({ task, state: 'completed' });
        assert.deepEqual(
          kept.map((r) => r.id),
          [ids[4], ids[3], ids[2]],
        );
        assert.equal(await s.get(ids[0]!), undefined);
        assert.equal((await s.get(ids[5]!))?.state, 'waiting');
      },
      { count: 3 },
    ),
  );

  test('a job that fails again after a re-drive is counted once and kept as the newest', T, () =>
    withStore(
      open,
      async (s) => {
        const task = `t.again.${seq}`;
        const [a, b, c] = [job(task), job(task), job(task)];
        for (const r of [a, b, c]) await s.create(r);
        const t0 = Date.now();
        const fail = (id: string, at: number): Promise<unknown> =>
          s.update(id, { state: 'failed', finishedAt: at, updatedAt: at });
        await fail(a.id, t0);
        await fail(b.id, t0 + 1);
        // Re-driven (failed → waiting), then it fails once more, after b.
        assert.equal(
          (await s.update(a.id, { state: 'waiting', updatedAt: t0 + 2 }, ['failed']))?.state,
          'waiting',
        );
        await fail(a.id, t0 + 3);
        assert.deepEqual(await s.counts(task), { failed: 2, waiting: 1 });
        await fail(c.id, t0 + 4);
        await s.prune();
        const kept = await s.list({ task, state: 'failed' });
        assert.deepEqual(
          kept.map((r) => r.id),
          [c.id, a.id],
        );
        assert.equal(await s.get(b.id), undefined);
        assert.deepEqual(await s.counts(task), { failed: 2 });
      },
      { count: 2 },
    ),
  );

  test('retention drops finished jobs older than the age limit', T, () =>
    withStore(
      open,
      async (s) => {
        const task = `t.age.${seq}`;
        const stale = job(task, { state: 'completed', updatedAt: Date.now() - 120_000 });
        const fresh = job(task, { state: 'completed' });
        const live = job(task, { state: 'waiting', updatedAt: Date.now() - 120_000 });
        for (const r of [stale, fresh, live]) await s.create(r);
        await s.prune();
        assert.equal(await s.get(stale.id), undefined);
        assert.equal((await s.get(fresh.id))?.state, 'completed');
        assert.equal((await s.get(live.id))?.state, 'waiting');
      },
      { age: 60_000 },
    ),
  );

  test('acquire: at most max takes per window, even concurrent ones; then a new window', T, () =>
    withStore(open, async (s) => {
      const key = `rate:${process.pid}:${++seq}`;
      assert.equal(await s.acquire(key, 2, 60_000), 0);
      assert.equal(await s.acquire(key, 2, 60_000), 0);
      const wait = await s.acquire(key, 2, 60_000);
      assert.ok(wait > 0 && wait <= 60_000, `wait ${wait}`);
      const burst = `rate:${process.pid}:${++seq}`;
      const waits = await Promise.all(Array.from({ length: 10 }, () => s.acquire(burst, 3, 60_000)));
      assert.equal(waits.filter((w) => w === 0).length, 3);
      const short = `rate:${process.pid}:${++seq}`;
      assert.equal(await s.acquire(short, 1, 50), 0);
      const left = await s.acquire(short, 1, 50);
      assert.ok(left > 0);
      await new Promise((resolve) => setTimeout(resolve, left + 1));
      assert.equal(await s.acquire(short, 1, 50), 0, 'the next window has room');
    }),
  );

  test('paused flags: set, listed, cleared', T, () =>
    withStore(open, async (s) => {
      const a = `t.pause.${++seq}`;
      const b = `t.pause.${++seq}`;
      await s.setPaused(a, true);
      await s.setPaused(b, true);
      await s.setPaused(a, true);
      assert.deepEqual((await s.pausedTasks()).filter((t) => t === a || t === b).sort(), [a, b].sort());
      await s.setPaused(a, false);
      assert.deepEqual(
        (await s.pausedTasks()).filter((t) => t === a || t === b),
        [b],
      );
    }),
  );

  test('delete removes a job', T, () =>
    withStore(open, async (s) => {
      const r = job('t.del');
      await s.create(r);
      await s.delete(r.id);
      assert.equal(await s.get(r.id), undefined);
      assert.equal((await s.create(r)).created, true);
    }),
  );

  test('a job record keeps its group membership', T, () =>
    withStore(open, async (s) => {
      const r = job('t.member', { group: { id: 'g-1', index: 2 } });
      await s.create(r);
      assert.deepEqual((await s.get(r.id))?.group, { id: 'g-1', index: 2 });
      const done = await s.update(r.id, { state: 'completed', result: 5 });
      assert.deepEqual(done?.group, { id: 'g-1', index: 2 });
    }),
  );

  test('groups: created once, members settled in order, each once', T, () =>
    withStore(open, async (s) => {
      const id = `group-${process.pid}-${++seq}`;
      const members = [0, 1, 2].map((i) => `${id}.${i}`);
      const g = newGroup(id, members, 'fail', { task: 't.cb', id: `${id}.callback` }, Date.now());
      assert.equal((await s.createGroup(g)).created, true);
      const again = await s.createGroup({ ...g, members: ['other'], outcomes: [null] });
      assert.equal(again.created, false);
      assert.deepEqual(again.group, g);
      assert.deepEqual(await s.getGroup(id), g);
      assert.equal(await s.getGroup('no-such-group'), undefined);

      const second = await s.settleMember(id, 1, { state: 'completed', result: { n: 'b' } });
      assert.deepEqual(
        { applied: second?.applied, last: second?.last, first: second?.firstFailure },
        { applied: true, last: false, first: false },
      );
      assert.equal(second?.group.remaining, 2);
      const failed = await s.settleMember(id, 0, { state: 'failed', error: { name: 'E', message: 'x' } });
      assert.equal(failed?.firstFailure, true);
      assert.equal(failed?.group.failures, 1);
      const repeat = await s.settleMember(id, 0, { state: 'completed', result: 1 });
      assert.deepEqual(
        { applied: repeat?.applied, last: repeat?.last, first: repeat?.firstFailure },
        { applied: false, last: false, first: false },
      );
      const last = await s.settleMember(id, 2, { state: 'completed' });
      assert.equal(last?.last, true);
      assert.deepEqual((await s.getGroup(id))?.outcomes, [
        { state: 'failed', error: { name: 'E', message: 'x' } },
        { state: 'completed', result: { n: 'b' } },
        { state: 'completed' },
      ]);
      assert.equal((await s.getGroup(id))?.remaining, 0);
      assert.equal(await s.settleMember('no-such-group', 0, { state: 'completed' }), undefined);
      await assert.rejects(s.settleMember(id, 3, { state: 'completed' }), RangeError);
      await s.deleteGroup(id);
      assert.equal(await s.getGroup(id), undefined);
    }),
  );

  test('groups: of concurrent settles (each member twice) exactly one is last and one first failure', T, () =>
    withStore(open, async (s) => {
      for (let round = 0; round < 3; round++) {
        const id = `group-${process.pid}-${++seq}`;
        const n = 40;
        const members = Array.from({ length: n }, (_, i) => `${id}.${i}`);
        await s.createGroup(newGroup(id, members, 'settle', undefined, Date.now()));
        const outcome = (i: number): MemberOutcome =>
          i % 7 === 3 ? { state: 'cancelled' } : { state: 'completed', result: i };
        const calls = members.flatMap((_, i) => [i, i]).map((i) => s.settleMember(id, i, outcome(i)));
        const settled = await Promise.all(calls);
        assert.equal(settled.filter((r) => r?.applied).length, n, 'each member applied once');
        assert.equal(settled.filter((r) => r?.last).length, 1, 'exactly one last');
        assert.equal(settled.filter((r) => r?.firstFailure).length, 1, 'exactly one first failure');
        const g = await s.getGroup(id);
        assert.equal(g?.remaining, 0);
        assert.equal(g?.failures, members.filter((_, i) => i % 7 === 3).length);
        assert.deepEqual(
          g?.outcomes,
          members.map((_, i) => outcome(i)),
        );
      }
    }),
  );

  test('retention drops ended groups older than the age limit, never active ones', T, () =>
    withStore(
      open,
      async (s) => {
        const old = Date.now() - 120_000;
        const ended = newGroup(`group-${process.pid}-${++seq}`, ['a'], 'fail', undefined, old);
        const active = newGroup(`group-${process.pid}-${++seq}`, ['b'], 'fail', undefined, old);
        const fresh = newGroup(`group-${process.pid}-${++seq}`, ['c'], 'fail', undefined, Date.now());
        for (const g of [ended, active, fresh]) await s.createGroup(g);
        await s.settleMember(ended.id, 0, { state: 'completed' });
        await s.settleMember(fresh.id, 0, { state: 'completed' });
        // Settling stamps the time; age the ended group as if it ended long ago.
        const aged = { ...(await s.getGroup(ended.id))!, id: `${ended.id}.aged`, updatedAt: old };
        await s.createGroup(aged);
        await s.prune();
        assert.equal(await s.getGroup(aged.id), undefined);
        assert.equal((await s.getGroup(active.id))?.remaining, 1);
        assert.equal((await s.getGroup(fresh.id))?.remaining, 0);
      },
      { age: 60_000 },
    ),
  );
}
