// Schedules on the embedded broker driven by a ManualClock: each tick fires exactly once
// across several worker apps (leader by single-active-consumer), failover when the leader
// goes, missed ticks per option, run-time app.schedule, and the decorators' checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import {
  Cron,
  Every,
  SCHEDULE_TICK_HEADER,
  Service,
  Task,
  Warren,
  type TaskContext,
} from '../../src/framework/index.js';
import type { MissedTicks, WarrenApp } from '../../src/framework/index.js';
import { EmbeddedTransport } from '../../src/transports/embedded/index.js';
import { ManualClock } from '../../src/util/clock.js';

const MINUTE = 60_000;
const T = { timeout: 30_000 };

/** A clock on a minute boundary, so interval ticks are easy to read. */
function clockAt(): ManualClock {
  return new ManualClock(Date.UTC(2030, 0, 1, 0, 0, 0));
}

function runsOf(record: number[], missed: MissedTicks = 'run-once') {
  @Service('sched')
  class Sched {
    @Task('sched.tick')
    @Every('1m', { missed })
    tick(_p: unknown, ctx: TaskContext): Promise<void> {
      record.push(ctx.headers[SCHEDULE_TICK_HEADER] as number);
      return Promise.resolve();
    }
  }
  return Sched;
}

async function startOn(
  broker: Broker,
  clock: ManualClock,
  services: (new () => object)[],
): Promise<WarrenApp> {
  return Warren.start({
    services,
    transport: new EmbeddedTransport({ broker }),
    clock,
    onError: () => undefined,
  });
}

/** Advances the clock a minute at a time, letting every app settle in between. */
async function advance(clock: ManualClock, apps: WarrenApp[], minutes: number): Promise<void> {
  for (let i = 0; i < minutes; i++) {
    clock.advance(MINUTE);
    for (const app of apps) await app.idle();
  }
}

test('three workers, one schedule: every tick fires exactly once, in order, none early', T, async () => {
  const clock = clockAt();
  const broker = new Broker({ clock });
  const runs: number[] = [];
  const start = clock.now();
  const apps = [
    await startOn(broker, clock, [runsOf(runs)]),
    await startOn(broker, clock, [runsOf(runs)]),
    await startOn(broker, clock, [runsOf(runs)]),
  ];
  try {
    for (const app of apps) await app.idle();
    await advance(clock, apps, 10);
    assert.deepEqual(
      runs,
      Array.from({ length: 10 }, (_, i) => start + (i + 1) * MINUTE),
    );
    const [row] = apps[0]!.schedules();
    assert.equal(row?.name, 'sched.tick@1m');
    assert.equal(row?.nextRun, new Date(start + 11 * MINUTE).toISOString());
  } finally {
    for (const app of apps) await app.close();
  }
});

test(
  'the leader closing hands the schedule to another worker (failover), no tick lost or doubled',
  T,
  async () => {
    const clock = clockAt();
    const broker = new Broker({ clock });
    const runs: number[] = [];
    const start = clock.now();
    const a = await startOn(broker, clock, [runsOf(runs)]);
    const b = await startOn(broker, clock, [runsOf(runs)]);
    try {
      await advance(clock, [a, b], 3);
      await a.close(); // a registered first: it was the leader
      await advance(clock, [b], 3);
      assert.deepEqual(
        runs,
        Array.from({ length: 6 }, (_, i) => start + (i + 1) * MINUTE),
      );
    } finally {
      await a.close();
      await b.close();
    }
  },
);

test('missed ticks: run-once runs the latest, catch-up runs each, skip runs none', T, async () => {
  for (const [missed, expected] of [
    ['run-once', [5]],
    ['catch-up', [1, 2, 3, 4, 5]],
    ['skip', []],
  ] as const) {
    const clock = clockAt();
    const broker = new Broker({ clock });
    const start = clock.now();
    const runs: number[] = [];
    @Service(`missed-${missed}`)
    class Svc {
      @Task(`missed.${missed}`)
      @Every('1m', { missed })
      tick(_p: unknown, ctx: TaskContext): Promise<void> {
        runs.push(((ctx.headers[SCHEDULE_TICK_HEADER] as number) - start) / MINUTE);
        return Promise.resolve();
      }
    }
    const first = await startOn(broker, clock, [Svc]);
    await first.idle();
    await first.close();
    // Nobody runs for five minutes and a half; then a worker starts again.
    clock.advance(5.5 * MINUTE);
    const again = await startOn(broker, clock, [Svc]);
    try {
      await again.idle();
      assert.deepEqual(runs, expected, missed);
      // To the next tick exactly (a tick handled over 5 s late counts as missed).
      clock.advance(MINUTE / 2);
      await again.idle();
      assert.deepEqual(runs, [...expected, 6], `${missed}: back on schedule`);
    } finally {
      await again.close();
    }
  }
});

test('app.schedule adds a cron schedule at run time; it fires on its cron ticks in its zone', T, async () => {
  const clock = clockAt();
  const broker = new Broker({ clock });
  const runs: string[] = [];
  @Service('report')
  class Report {
    @Task('report.send')
    send(p: { kind: string }, ctx: TaskContext): Promise<void> {
      runs.push(`${p.kind}@${new Date(ctx.headers[SCHEDULE_TICK_HEADER] as number).toISOString()}`);
      return Promise.resolve();
    }
  }
  const app = await startOn(broker, clock, [Report]);
  try {
    await app.schedule(
      'report.send',
      { cron: '0 */2 * * *' },
      { tz: 'Asia/Kolkata', payload: { kind: 'x' } },
    );
    await app.idle();
    // Kolkata is UTC+5:30: every second wall hour there is at :30 UTC past odd hours.
    await advance(clock, [app], 4 * 60);
    assert.deepEqual(runs, ['x@2030-01-01T00:30:00.000Z', 'x@2030-01-01T02:30:00.000Z']);
  } finally {
    await app.close();
  }
});

test('a schedule on a method without @Task, or a bad cron, is refused', async () => {
  assert.throws(() => Cron('not a cron'), /cron/);
  assert.throws(() => Every('soon'), RangeError);
  @Service('bad')
  class Bad {
    @Cron('0 * * * *')
    orphan(): void {}
  }
  await assert.rejects(Warren.start({ services: [Bad] }), /need a @Task/);
});

test(
  'a schedule survives a restart of the broker and every worker: ticks of the downtime are caught up',
  T,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-sched-'));
    const clock = clockAt();
    const start = clock.now();
    const runs: number[] = [];
    try {
      const b1 = await Broker.open(dir, { clock, onWarning: () => undefined });
      const a1 = await startOn(b1, clock, [runsOf(runs, 'catch-up')]);
      await a1.idle();
      await advance(clock, [a1], 2);
      await a1.close();
      await b1.shutdown();
      clock.advance(3 * MINUTE); // everything is down over ticks 3, 4 and 5
      const b2 = await Broker.open(dir, { clock, onWarning: () => undefined });
      const a2 = await startOn(b2, clock, [runsOf(runs, 'catch-up')]);
      try {
        await a2.idle();
        await advance(clock, [a2], 1);
        assert.deepEqual(
          runs,
          Array.from({ length: 6 }, (_, i) => start + (i + 1) * MINUTE),
        );
      } finally {
        await a2.close();
        await b2.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
