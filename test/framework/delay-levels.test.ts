// The plugin-free delay scheme (binary TTL levels): the routing key spells the delay in bits,
// and a job sent through the levels on a real broker (Warren's server, with the native
// exchange switched off so the levels are used) arrives once, after its delay, in due order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Task, Warren } from '../../src/framework/index.js';
import {
  DELAY_LEVELS,
  MAX_DELAY_MS,
  delayRoutingKey,
  levelName,
  levelTopology,
} from '../../src/framework/delay/delay-levels.js';
import { enqueueDelay } from '../../src/framework/delay/enqueue-delay.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { startServer } from '../helpers/server.js';
import { sleep, waitFor } from '../helpers/framework-harness.js';

/** The delay a routing key spells (sum of 2^k for each set bit). */
function spelled(key: string): number {
  const words = key.split('.').slice(0, DELAY_LEVELS);
  return words.reduce((sum, w, i) => sum + (w === '1' ? 2 ** (DELAY_LEVELS - 1 - i) : 0), 0);
}

test('routing keys spell the delay in bits, most significant first, then the queue', () => {
  for (const d of [1, 2, 3, 1000, 86_400_000, MAX_DELAY_MS]) {
    const key = delayRoutingKey(d, 'email.send');
    assert.equal(spelled(key), d);
    assert.ok(key.endsWith('.email.send'));
  }
});

test('the level topology is bounded: one queue and exchange per level, TTL 2^k', () => {
  const t = levelTopology('p');
  assert.equal(t.queues.length, DELAY_LEVELS);
  assert.equal(t.exchanges.length, DELAY_LEVELS + 1);
  const q5 = t.queues.find((q) => q.name === levelName('p', 5))!;
  assert.equal(q5.arguments['x-message-ttl'], 32);
  assert.equal(q5.arguments['x-dead-letter-exchange'], levelName('p', 4));
  assert.equal(q5.arguments['x-queue-type'], undefined);
});

test('on a cluster the level queues are quorum queues (they survive the loss of a node)', () => {
  for (const q of levelTopology('p', 'quorum').queues) {
    assert.equal(q.arguments['x-queue-type'], 'quorum');
    assert.ok(typeof q.arguments['x-message-ttl'] === 'number');
  }
});

test('enqueueDelay: delay rounds up, runAt is measured on the given clock, past is 0', () => {
  assert.equal(enqueueDelay({ delay: 1.2 }, 0), 2);
  assert.equal(enqueueDelay({ runAt: 5_000 }, 1_000), 4_000);
  assert.equal(enqueueDelay({ runAt: new Date(500) }, 1_000), 0);
  assert.equal(enqueueDelay({}, 1_000), 0);
  assert.throws(() => enqueueDelay({ runAt: Number.NaN }, 0), TypeError);
});

test(
  'jobs delayed through the TTL levels on a real broker arrive once each, in due order',
  { timeout: 20_000 },
  async () => {
    const server = await startServer();
    const transport = new AmqpTransport(server.url, { reconnect: false, delayedExchange: false });
    const runs: { id: string; at: number }[] = [];
    @Service('levels')
    class Svc {
      @Task('levels.job')
      handle(p: { id: string }): Promise<void> {
        runs.push({ id: p.id, at: Date.now() });
        return Promise.resolve();
      }
    }
    const app = await Warren.start({ services: [Svc], transport, onError: () => undefined });
    try {
      const due = new Map<string, number>();
      // The first delayed enqueue declares the levels; the timed two are then sent together.
      await app.client.enqueue('levels.job', { id: 'warm-up' }, { delay: 1 });
      await waitFor(() => runs.length === 1, 10_000, 'warm-up run');
      runs.length = 0;
      const plan = [
        ['b', 700],
        ['a', 333],
      ] as const;
      await Promise.all(
        plan.map(([id, delay]) => {
          due.set(id, Date.now() + delay);
          return app.client.enqueue('levels.job', { id }, { delay });
        }),
      );
      await waitFor(() => runs.length === 2, 10_000, 'two runs');
      await sleep(200);
      assert.deepEqual(
        runs.map((r) => r.id),
        ['a', 'b'],
      );
      for (const r of runs) assert.ok(r.at >= due.get(r.id)!, `${r.id} ran early`);
      const vhost = server.server.broker.vhost('/')!;
      assert.ok(vhost.queues.has(levelName('warren', 8)), 'the levels were used');
      assert.equal(vhost.exchanges.has('warren.delayed'), false);
    } finally {
      await app.close();
      await transport.close();
      await server.close();
    }
  },
);
