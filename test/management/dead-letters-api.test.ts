/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies in tests */
// The management API behind the dashboard's Failed jobs page, with a real worker on Warren's
// AMQP server failing jobs into <task>.dead: list them with their error headers, retry one,
// edit-and-retry one, retry those matching an error, delete one; a user without read access to
// the vhost is refused; bad selections are 400s. And publishing to `amq.default` (the default
// exchange's name in RabbitMQ's API paths) reaches the queue named by the routing key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Task, Warren, type TaskContext } from '../../src/framework/index.js';
import { api, startStack } from './stack.js';
import { sleep } from '../helpers/framework-harness.js';

const T = { timeout: 60_000 };

async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test(
  'dead letters through the API: list with headers, retry, edit and retry, retry matching, delete',
  T,
  async () => {
    const s = await startStack();
    const runs: { id: string; attempt: number; payload: any }[] = [];
    let failing = true;
    @Service('dl-api')
    class Jobs {
      @Task('jobs', { retries: 1, backoff: { type: 'fixed', delay: 10 } })
      handle(payload: any, ctx: TaskContext): Promise<void> {
        runs.push({ id: payload.id, attempt: ctx.attempt, payload });
        return failing ? Promise.reject(new Error(payload.error)) : Promise.resolve();
      }
    }
    const app = await Warren.start({
      url: `amqp://admin:admin@127.0.0.1:${s.amqpPort}`,
      services: [Jobs],
      reconnect: false,
    });
    try {
      const ids: string[] = [];
      for (const [id, error] of [
        ['a', 'ETIMEDOUT'],
        ['b', 'bad input'],
        ['c', 'bad input'],
        ['d', 'ECONNRESET'],
      ]) {
        ids.push((await app.client.enqueue('jobs', { id, error })).messageId);
      }
      const deadQueue = () => s.broker.vhost('/')!.queues.get('jobs.dead')!;
      await until('four dead letters', () => deadQueue()?.messageCount === 4);

      const listed = await api(s, 'GET', '/dead-letters/%2F/jobs');
      assert.equal(listed.status, 200);
      assert.deepEqual(
        (listed.body as any[]).map((l): unknown[] => [l.id, l.attempt, l.reason, l.errorName, l.error]),
        [
          [ids[0], 2, 'retries-exhausted', 'Error', 'ETIMEDOUT'],
          [ids[1], 2, 'retries-exhausted', 'Error', 'bad input'],
          [ids[2], 2, 'retries-exhausted', 'Error', 'bad input'],
          [ids[3], 2, 'retries-exhausted', 'Error', 'ECONNRESET'],
        ],
      );
      assert.equal(listed.body[0].headers['x-warren-error'], 'ETIMEDOUT');
      assert.equal(listed.body[0].properties.messageId, ids[0]);
      assert.equal(deadQueue().messageCount, 4, 'listing leaves them in the queue');

      failing = false;
      const one = await api(s, 'POST', '/dead-letters/%2F/jobs/retry', { ids: [ids[0]] });
      assert.deepEqual(one.body, { ids: [ids[0]], missing: [] });
      await until('a runs again', () => runs.length === 9);
      assert.deepEqual(runs[8], { id: 'a', attempt: 1, payload: { id: 'a', error: 'ETIMEDOUT' } });

      const edited = await api(s, 'POST', '/dead-letters/%2F/jobs/retry', {
        ids: [ids[1]],
        payload: '{"id":"b","fixed":true}',
      });
      assert.equal(edited.status, 200);
      await until('b runs edited', () => runs.length === 10);
      assert.deepEqual(runs[9], { id: 'b', attempt: 1, payload: { id: 'b', fixed: true } });

      const matching = await api(s, 'POST', '/dead-letters/%2F/jobs/retry', { error: '^ECONN' });
      assert.deepEqual(matching.body.ids, [ids[3]]);
      await until('d runs again', () => runs.length === 11);

      const deleted = await api(s, 'POST', '/dead-letters/%2F/jobs/delete', { ids: [ids[2]] });
      assert.deepEqual(deleted.body, { ids: [ids[2]], missing: [] });
      assert.equal(deadQueue().messageCount, 0);
      assert.deepEqual((await api(s, 'GET', '/dead-letters/%2F/jobs')).body, []);

      const nothing = await api(s, 'POST', '/dead-letters/%2F/jobs/retry', {});
      assert.equal(nothing.status, 400);
      assert.match(nothing.body.reason, /select messages by id/);
      const badRegex = await api(s, 'POST', '/dead-letters/%2F/jobs/retry', { error: '(' });
      assert.equal(badRegex.status, 400);
      assert.equal((await api(s, 'GET', '/dead-letters/%2F/nope')).status, 404);

      await api(s, 'POST', '/exchanges/%2F/amq.default/publish', {
        routing_key: 'jobs.dead',
        payload: '{}',
        payload_encoding: 'string',
      });
      s.users.addUser('viewer', 'viewer', ['management']);
      s.users.setPermissions('viewer', '/', { configure: '', write: '', read: '' });
      const refused = await api(s, 'GET', '/dead-letters/%2F/jobs', undefined, ['viewer', 'viewer']);
      assert.equal(refused.status, 401);
      assert.match(
        refused.body.reason,
        /access to queue 'jobs\.dead' in vhost '\/' refused for user 'viewer'/,
      );
    } finally {
      await app.close({ timeout: 0 });
      await s.close();
    }
  },
);

test('publish to amq.default (the default exchange) routes by queue name, as RabbitMQ', async () => {
  const s = await startStack();
  try {
    await api(s, 'PUT', '/queues/%2F/plain', { durable: false });
    const r = await api(s, 'POST', '/exchanges/%2F/amq.default/publish', {
      routing_key: 'plain',
      payload: 'hello',
      payload_encoding: 'string',
      properties: { headers: { 'x-trace': 'yes' } },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { routed: true });
    const got = await api(s, 'POST', '/queues/%2F/plain/get', { count: 1, ackmode: 'ack_requeue_false' });
    assert.equal(got.body[0].payload, 'hello');
    assert.deepEqual(got.body[0].properties.headers, { 'x-trace': 'yes' });
    const x = await api(s, 'GET', '/exchanges/%2F/amq.default');
    assert.equal(x.status, 200);
    assert.equal(x.body.name, '');
  } finally {
    await s.close();
  }
});
