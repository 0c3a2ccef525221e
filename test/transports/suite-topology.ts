// Conformance: declarations with their results, bindings and routing on every exchange type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransportChannel } from '../../src/transports/transport.js';
import { rejection, replyCodeOf, text, uniq, within } from './helpers.js';
import { withSession } from './session.js';
import type { TransportFactory } from './session.js';

const T = { timeout: 10_000 };

/** Messages ready in `queue`, via a passive declare. */
async function depth(ch: TransportChannel, queue: string): Promise<number> {
  return (await within(ch.checkQueue(queue), `checkQueue ${queue}`)).messageCount;
}

async function publishAll(ch: TransportChannel, exchange: string, keys: string[]): Promise<void> {
  await within(Promise.all(keys.map((k) => ch.publish(exchange, k, text(k)))), 'publish');
}

export function topologyTests(factory: TransportFactory): void {
  test('exchange: declare, check, delete; check of a missing exchange rejects 404', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'topic');
      await within(ch.assertExchange(x, 'topic', { durable: false }), 'redeclare is idempotent');
      await within(ch.checkExchange(x), 'checkExchange');
      await within(ch.deleteExchange(x), 'deleteExchange');
      const err = await rejection(ch.checkExchange(x), 'check deleted exchange');
      assert.equal(replyCodeOf(err), 404);
    }),
  );

  test('exchange: redeclare with another type rejects 406', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'direct');
      const err = await rejection(ch.assertExchange(x, 'fanout', { durable: false }), 'type clash');
      assert.equal(replyCodeOf(err), 406);
    }),
  );

  test('queue: declare results, server-named queue, purge and delete counts, 404 when missing', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const named = await within(ch.assertQueue('', { exclusive: true }), 'server-named');
      assert.match(named.queue, /^amq\.gen-/);
      assert.deepEqual({ ...named, queue: '' }, { queue: '', messageCount: 0, consumerCount: 0 });
      const q = await s.queue(ch);
      await publishAll(ch, '', [q, q, q]);
      assert.deepEqual(await within(ch.checkQueue(q), 'checkQueue'), {
        queue: q,
        messageCount: 3,
        consumerCount: 0,
      });
      assert.equal(await within(ch.purgeQueue(q), 'purge'), 3);
      await publishAll(ch, '', [q, q]);
      assert.equal(await within(ch.deleteQueue(q), 'deleteQueue'), 2);
      assert.equal(replyCodeOf(await rejection(ch.checkQueue(q), 'check deleted')), 404);
    }),
  );

  test('direct exchange routes by exact key; unbind stops routing', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'direct');
      const [a, b] = [await s.queue(ch), await s.queue(ch)];
      await within(ch.bindQueue(a, x, 'red'), 'bind');
      await within(ch.bindQueue(b, x, 'green'), 'bind');
      await within(ch.bindQueue(b, x, 'red'), 'bind');
      await publishAll(ch, x, ['red', 'green', 'blue']);
      assert.deepEqual([await depth(ch, a), await depth(ch, b)], [1, 2]);
      await within(ch.unbindQueue(b, x, 'red'), 'unbind');
      await publishAll(ch, x, ['red']);
      assert.deepEqual([await depth(ch, a), await depth(ch, b)], [2, 2]);
    }),
  );

  test('fanout exchange copies to every bound queue, ignoring the key', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'fanout');
      const qs = [await s.queue(ch), await s.queue(ch), await s.queue(ch)];
      for (const q of qs) await within(ch.bindQueue(q, x, ''), 'bind');
      await publishAll(ch, x, ['anything', 'else']);
      for (const q of qs) assert.equal(await depth(ch, q), 2);
    }),
  );

  test('topic exchange matches * and # patterns', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'topic');
      const [star, hash, exact] = [await s.queue(ch), await s.queue(ch), await s.queue(ch)];
      await within(ch.bindQueue(star, x, 'orders.*.created'), 'bind');
      await within(ch.bindQueue(hash, x, 'orders.#'), 'bind');
      await within(ch.bindQueue(exact, x, 'orders.eu.created'), 'bind');
      await publishAll(ch, x, [
        'orders.eu.created',
        'orders.us.created',
        'orders',
        'orders.eu.x.created',
        'users.a',
      ]);
      assert.deepEqual([await depth(ch, star), await depth(ch, hash), await depth(ch, exact)], [2, 4, 1]);
    }),
  );

  test('headers exchange matches all / any', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const x = await s.exchange(ch, 'headers');
      const [all, any] = [await s.queue(ch), await s.queue(ch)];
      await within(ch.bindQueue(all, x, '', { 'x-match': 'all', kind: 'order', region: 'eu' }), 'bind');
      await within(ch.bindQueue(any, x, '', { 'x-match': 'any', kind: 'order', region: 'eu' }), 'bind');
      const send = (headers: Record<string, string>): Promise<void> =>
        ch.publish(x, '', text('h'), { headers });
      await within(
        Promise.all([send({ kind: 'order', region: 'eu' }), send({ kind: 'order' }), send({ kind: 'user' })]),
        'publish',
      );
      assert.deepEqual([await depth(ch, all), await depth(ch, any)], [1, 2]);
    }),
  );

  test(
    'default exchange routes to the queue named by the key; bindQueue to a missing queue rejects 404',
    T,
    () =>
      withSession(factory, async (s) => {
        const ch = await s.channel();
        const q = await s.queue(ch);
        await publishAll(ch, '', [q, uniq('nowhere')]);
        assert.equal(await depth(ch, q), 1);
        const x = await s.exchange(ch, 'direct');
        assert.equal(
          replyCodeOf(await rejection(ch.bindQueue(uniq('missing'), x, 'k'), 'bind missing')),
          404,
        );
      }),
  );
}
