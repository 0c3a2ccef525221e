// Delayed jobs: enqueue(…, { delay | runAt }) runs the task once, not before it is due, in due
// order whatever the enqueue order; a missing task queue is UnroutableError; bad options are
// typed errors. The same tests on every backend: native x-delayed-message on Warren's broker,
// the TTL delay levels on a RabbitMQ without the plugin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Every,
  SCHEDULE_TICK_HEADER,
  Service,
  Task,
  UnroutableError,
  type TaskContext,
} from '../../../src/framework/index.js';
import { DELAY_LEVELS, deliverExchange, levelName } from '../../../src/framework/delay/delay-levels.js';
import { delayedExchange } from '../../../src/framework/delay/delayed-delivery.js';
import { Harness, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 20_000 };

/** A harness whose delay topology has names of its own (deleted at cleanup). */
export function delayHarness(factory: TransportFactory): { h: Harness; prefix: string } {
  const h = new Harness(factory);
  const prefix = h.name('dl');
  const levels = [...Array(DELAY_LEVELS).keys()].map((k) => levelName(prefix, k));
  h.queues(...levels, `${prefix}.schedules`, `${prefix}.schedules.state`);
  h.exchanges(...levels, deliverExchange(prefix), delayedExchange(prefix));
  return { h, prefix };
}

export function delayedTests(factory: TransportFactory): void {
  test('delayed jobs run once each, in due order, never before due', T, async () => {
    const { h, prefix } = delayHarness(factory);
    const name = h.name('delayed');
    h.taskQueues(name);
    const runs: { id: string; at: number }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      handle(p: { id: string }): Promise<void> {
        runs.push({ id: p.id, at: Date.now() });
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc], { delayTopologyPrefix: prefix });
      const due = new Map<string, number>();
      const plan: [string, number][] = [
        ['late', 900],
        ['middle', 500],
        ['early', 150],
        ['now', 0],
      ];
      // The first delayed enqueue declares the delay topology: done before the timed ones,
      // which are then sent together, so their due order is their delay order.
      await app.client.enqueue(name, { id: 'warm-up' }, { delay: 1 });
      await waitFor(() => runs.length === 1, 10_000, 'warm-up run');
      runs.length = 0;
      await Promise.all(
        plan.map(([id, delay]) => {
          due.set(id, Date.now() + delay);
          return app.client.enqueue(name, { id }, { delay });
        }),
      );
      await waitFor(() => runs.length === 4, 10_000, 'four runs');
      await sleep(200);
      assert.deepEqual(
        runs.map((r) => r.id),
        ['now', 'early', 'middle', 'late'],
      );
      for (const r of runs) assert.ok(r.at >= due.get(r.id)!, `${r.id} ran before it was due`);
    } finally {
      await h.cleanup();
    }
  });

  test('runAt runs the job at that time; a past runAt runs now', T, async () => {
    const { h, prefix } = delayHarness(factory);
    const name = h.name('runat');
    h.taskQueues(name);
    const runs: { id: string; at: number }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      handle(p: { id: string }): Promise<void> {
        runs.push({ id: p.id, at: Date.now() });
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc], { delayTopologyPrefix: prefix });
      await app.client.enqueue(name, { id: 'past' }, { runAt: Date.now() - 10_000 });
      const at = new Date(Date.now() + 400);
      await app.client.enqueue(name, { id: 'future' }, { runAt: at });
      await waitFor(() => runs.length === 2, 10_000, 'two runs');
      assert.deepEqual(
        runs.map((r) => r.id),
        ['past', 'future'],
      );
      assert.ok(runs[1]!.at >= at.getTime());
    } finally {
      await h.cleanup();
    }
  });

  test(
    'a delayed enqueue for a task nobody declared is UnroutableError; bad options are typed errors',
    T,
    async () => {
      const { h, prefix } = delayHarness(factory);
      try {
        const app = await h.start([], { delayTopologyPrefix: prefix });
        await assert.rejects(app.client.enqueue(h.name('nobody'), {}, { delay: 100 }), UnroutableError);
        await assert.rejects(
          app.client.enqueue(h.name('x'), {}, { delay: 10, runAt: Date.now() }),
          TypeError,
        );
        await assert.rejects(app.client.enqueue(h.name('x'), {}, { delay: -1 }), RangeError);
        await assert.rejects(app.client.enqueue(h.name('x'), {}, { delay: 10, ttl: 5 }), TypeError);
        await assert.rejects(app.client.enqueue(h.name('x'), {}, { delay: 2 ** 32 }), RangeError);
      } finally {
        await h.cleanup();
      }
    },
  );

  test('a schedule on two workers fires each tick once, in order, never early', T, async () => {
    const { h, prefix } = delayHarness(factory);
    const name = h.name('every');
    h.taskQueues(name);
    const runs: { tick: number; at: number }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(name)
      @Every('400ms', { missed: 'catch-up' })
      handle(_p: unknown, ctx: TaskContext): Promise<void> {
        runs.push({ tick: ctx.headers[SCHEDULE_TICK_HEADER] as number, at: Date.now() });
        return Promise.resolve();
      }
    }
    try {
      const a = await h.start([Svc], { delayTopologyPrefix: prefix });
      const b = await h.start([Svc], { delayTopologyPrefix: prefix });
      await waitFor(() => runs.length >= 4, 10_000, 'four ticks');
      await a.close();
      await b.close();
      const ticks = runs.map((r) => r.tick);
      assert.deepEqual(
        ticks,
        [...new Set(ticks)].sort((x, y) => x - y),
        'each tick once, in order',
      );
      for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, 400, 'no tick skipped');
      for (const r of runs) assert.ok(r.at >= r.tick, 'not before its tick');
    } finally {
      await h.cleanup();
    }
  });
}
