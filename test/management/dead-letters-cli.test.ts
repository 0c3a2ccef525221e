// `warren dead list|show|retry|purge|export` as an operator uses it after workers gave up on
// jobs, on Warren's server and on the RabbitMQ at 127.0.0.1:5672: a real worker fails jobs
// into <task>.dead, the command lists them with their error headers, re-drives them (the
// worker then sees attempt 1 again, and the edited payload for edit-and-retry), exports them
// as JSON lines and deletes them. A message the broker dead-lettered itself shows x-death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Task, type TaskContext } from '../../src/framework/index.js';
import { deadCommand } from '../../src/cli/commands/dead.js';
import { UserError } from '../../src/cli/command.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { Harness, sleep, waitFor } from '../helpers/framework-harness.js';
import { startServer } from '../helpers/server.js';

const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';
const T = { timeout: 60_000 };

async function dead(url: string, ...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await deadCommand.run([...argv, '--url', url], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    verbose: false,
  });
  return { code, out, err };
}

/** Polls an async condition (bounded count and time). */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function scenario(url: string): Promise<void> {
  const h = new Harness(() => new AmqpTransport(url, { reconnect: false }));
  const task = h.name('dead');
  h.taskQueues(task, [10]);
  const runs: { id: string; attempt: number; payload: Record<string, unknown> }[] = [];
  let failing = true;
  @Service(h.name('svc'))
  class Jobs {
    @Task(task, { retries: 1, backoff: { type: 'fixed', delay: 10 } })
    handle(payload: Record<string, unknown>, ctx: TaskContext): Promise<void> {
      runs.push({ id: String(payload['id']), attempt: ctx.attempt, payload });
      if (!failing) return Promise.resolve();
      return Promise.reject(new Error(String(payload['error'])));
    }
  }
  try {
    const app = await h.start([Jobs]);
    const ids: Record<string, string> = {};
    for (const [name, error] of [
      ['a', 'connect ETIMEDOUT 10.0.0.1:25'],
      ['b', 'bad address'],
      ['c', 'bad address'],
    ]) {
      ids[name!] = (await app.client.enqueue(task, { id: name, error })).messageId;
    }
    const admin = await h.admin();
    await waitFor(() => runs.length === 6, 10_000, 'two attempts of each job');
    await until('dead', async () => (await admin.checkQueue(`${task}.dead`)).messageCount === 3);

    const list = await dead(url, 'list', task);
    assert.equal(list.code, 0);
    assert.match(list.out[0]!, /^id\s+attempts\s+reason\s+failed at\s+error$/);
    const rowA = list.out.find((l) => l.startsWith(ids['a']!));
    assert.ok(rowA, list.out.join('\n'));
    assert.match(
      rowA,
      /\s2\s+retries-exhausted\s+\d{4}-\d\d-\d\dT.*Error: connect ETIMEDOUT 10\.0\.0\.1:25$/,
    );
    assert.equal(list.out.length, 4);

    const shown = await dead(url, 'show', task, ids['b']!, '--json');
    const b = JSON.parse(shown.out.join('\n')) as Record<string, unknown> & {
      headers: Record<string, unknown>;
    };
    assert.equal(b['id'], ids['b']);
    assert.equal(b['error'], 'bad address');
    assert.equal(b['attempt'], 2);
    assert.equal(b.headers['x-warren-dead-reason'], 'retries-exhausted');
    assert.deepEqual(JSON.parse(String(b['payload'])), { id: 'b', error: 'bad address' });

    const exported = await dead(url, 'export', task);
    const lines = exported.out.map((l) => JSON.parse(l) as { id: string; headers: Record<string, unknown> });
    assert.deepEqual(lines.map((l) => l.id).sort(), Object.values(ids).sort());
    for (const l of lines) assert.equal(l.headers['x-warren-error-name'], 'Error');
    assert.equal((await admin.checkQueue(`${task}.dead`)).messageCount, 3, 'list/show/export leave them');

    failing = false;
    const retried = await dead(url, 'retry', task, '--error', 'ETIMEDOUT');
    assert.equal(retried.code, 0);
    assert.equal(retried.out[0], `1 dead letter moved back to '${task}': ${ids['a']}`);
    await waitFor(() => runs.length === 7, 10_000, 'the re-driven job runs');
    assert.deepEqual(runs[6], {
      id: 'a',
      attempt: 1,
      payload: { id: 'a', error: 'connect ETIMEDOUT 10.0.0.1:25' },
    });

    const edited = await dead(url, 'retry', task, ids['b']!, '--payload', '{"id":"b","fixed":true}');
    assert.equal(edited.code, 0);
    await waitFor(() => runs.length === 8, 10_000, 'the edited job runs');
    assert.deepEqual(runs[7], { id: 'b', attempt: 1, payload: { id: 'b', fixed: true } });

    const missing = await dead(url, 'retry', task, 'no-such-id').catch((e: unknown) => e);
    assert.ok(missing instanceof UserError);
    assert.match(missing.message, /no dead letter with id no-such-id/);

    const purged = await dead(url, 'purge', task, ids['c']!);
    assert.equal(purged.out[0], `1 dead letter deleted from '${task}.dead': ${ids['c']}`);
    assert.equal((await admin.checkQueue(`${task}.dead`)).messageCount, 0);
    assert.deepEqual((await dead(url, 'list', task)).out, [`no dead letters in '${task}.dead'`]);
    await app.close();

    // A message the broker dead-letters itself (rejected without requeue) carries x-death.
    await admin.publish('', task, Buffer.from('{"id":"d"}'), { messageId: 'm-d', persistent: true });
    const got = await admin.get(task);
    assert.ok(got);
    admin.nack(got, false);
    await until('x-death', async () => (await admin.checkQueue(`${task}.dead`)).messageCount === 1);
    const rejected = JSON.parse((await dead(url, 'show', task, 'm-d', '--json')).out.join('\n')) as {
      reason: string;
      deaths: { queue: string; reason: string; count: number }[];
    };
    assert.equal(rejected.reason, 'rejected');
    assert.deepEqual(
      rejected.deaths.map((d) => [d.queue, d.reason, d.count]),
      [[task, 'rejected', 1]],
    );
    const all = await dead(url, 'purge', task);
    assert.equal(all.out[0], `purged 1 dead letter from '${task}.dead'`);
  } finally {
    await h.cleanup();
  }
}

test("warren dead on Warren's server: list, show, export, retry (filtered, edited), purge", T, async () => {
  const server = await startServer();
  try {
    await scenario(server.url);
  } finally {
    await server.close();
  }
});

test('warren dead on RabbitMQ: the same', T, async () => {
  await scenario(RABBITMQ_URL);
});
