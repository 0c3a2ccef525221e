// `warren schedules` against a real broker (Warren's server over TCP): it lists what the
// leader recorded, with the next run computed from the schedule, and says so when nothing is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedulesCommand } from '../../src/cli/commands/schedules.js';
import { Cron, Every, Service, Task, Warren } from '../../src/framework/index.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer } from '../helpers/server.js';

async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await schedulesCommand.run(argv, {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    verbose: false,
  });
  return { code, out };
}

test('warren schedules lists the leader’s schedules with next run times', { timeout: 20_000 }, async () => {
  const server = await startServer();
  @Service('reports')
  class Reports {
    @Task('reports.daily')
    @Cron('0 6 * * *', { tz: 'Europe/Paris' })
    daily(): void {}

    @Task('cache.refresh')
    @Every('5m')
    refresh(): void {}
  }
  const transport = new AmqpTransport(server.url, { reconnect: false });
  try {
    const empty = await run(['--url', server.url, '--prefix', 'other']).catch((e: Error) => ({
      code: 1,
      out: [e.message],
    }));
    assert.equal(empty.code, 1, 'no such state queue: a one-line error');
    const app = await Warren.start({ services: [Reports], transport, onError: () => undefined });
    let listed = await run(['--url', server.url, '--json']);
    for (let i = 0; i < 100 && !listed.out.join('').includes('cache.refresh'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      listed = await run(['--url', server.url, '--json']);
    }
    const state = JSON.parse(listed.out.join('\n')) as { schedules: { name: string; nextRun: string }[] };
    const byName = new Map(state.schedules.map((s) => [s.name, s]));
    const daily = byName.get('reports.daily@0 6 * * *')!;
    // 06:00 in Paris is 04:00 or 05:00 UTC.
    assert.match(daily.nextRun, /T0[45]:00:00.000Z$/);
    const every = byName.get('cache.refresh@5m')!;
    assert.equal(Date.parse(every.nextRun) % 300_000, 0);
    assert.ok(Date.parse(every.nextRun) > Date.now() - 1000);
    const text = (await run(['--url', server.url])).out.join('\n').split('\n');
    assert.match(text[0]!, /^NAME\s+TASK\s+WHEN\s+NEXT RUN\s+LAST RUN$/);
    assert.ok(text.some((l) => l.includes('cron 0 6 * * * (Europe/Paris)')));
    await app.close();
  } finally {
    await transport.close();
    await server.close();
  }
});
