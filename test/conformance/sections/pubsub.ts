// Pub/sub with the RabbitMQ tutorial semantics for direct, fanout, topic and headers exchanges,
// exclusive per-instance queues without a group and one shared queue per group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Subscribe, type EventContext } from '../../../src/framework/index.js';
import { Harness, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 15_000 };

export function pubsubTests(factory: TransportFactory): void {
  test('fanout: every instance without a group gets every event', T, async () => {
    const h = new Harness(factory);
    const exchange = h.name('fanout');
    h.exchanges(exchange);
    const got: string[] = [];
    @Service(h.name('svc'))
    class Svc {
      constructor(readonly id = 'a') {}
      @Subscribe({ exchange, type: 'fanout' })
      on(payload: { msg: string }, ctx: EventContext): Promise<void> {
        assert.equal(ctx.exchange, exchange);
        got.push(`${this.id}:${payload.msg}`);
        return Promise.resolve();
      }
    }
    try {
      await h.start([new Svc('a')]);
      await h.start([new Svc('b')]);
      const pub = await h.start([]);
      await pub.client.publish(exchange, '', { msg: 'hi' });
      await waitFor(() => got.length === 2, 3000, 'both instances');
      assert.deepEqual(got.sort(), ['a:hi', 'b:hi']);
    } finally {
      await h.cleanup();
    }
  });

  test('direct: routed by exact binding key; a group shares one queue', T, async () => {
    const h = new Harness(factory);
    const exchange = h.name('direct');
    const group = h.name('g');
    h.exchanges(exchange);
    const got: string[] = [];
    @Service(h.name('svc'))
    class Svc {
      constructor(readonly id = 'a') {}
      @Subscribe({ exchange, type: 'direct', pattern: 'error', group })
      on(payload: string): Promise<void> {
        got.push(`${this.id}:${payload}`);
        return Promise.resolve();
      }
    }
    h.queues(`${group}.${h.name('svc')}.on`);
    try {
      await h.start([new Svc('a')]);
      await h.start([new Svc('b')]);
      const pub = await h.start([]);
      for (let i = 0; i < 4; i++) await pub.client.publish(exchange, 'error', `e${i}`);
      await pub.client.publish(exchange, 'info', 'ignored');
      await waitFor(() => got.length === 4, 3000, 'four events');
      await sleep(100);
      assert.equal(got.length, 4, 'each event handled once per group');
      assert.ok(!got.some((g) => g.endsWith('ignored')));
    } finally {
      await h.cleanup();
    }
  });

  test('topic: wildcard patterns', T, async () => {
    const h = new Harness(factory);
    const exchange = h.name('topic');
    h.exchanges(exchange);
    const got: string[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Subscribe({ exchange, type: 'topic', pattern: '*.critical' })
      critical(_p: unknown, ctx: EventContext): Promise<void> {
        got.push(`critical:${ctx.routingKey}`);
        return Promise.resolve();
      }

      @Subscribe({ exchange, type: 'topic', pattern: 'kern.#' })
      kern(_p: unknown, ctx: EventContext): Promise<void> {
        got.push(`kern:${ctx.routingKey}`);
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      for (const key of ['kern.critical', 'auth.critical', 'kern.info.x', 'auth.info']) {
        await app.client.publish(exchange, key, {});
      }
      await waitFor(() => got.length === 4, 3000, 'topic events');
      await sleep(50);
      assert.deepEqual(got.sort(), [
        'critical:auth.critical',
        'critical:kern.critical',
        'kern:kern.critical',
        'kern:kern.info.x',
      ]);
    } finally {
      await h.cleanup();
    }
  });

  test('headers: x-match all and any', T, async () => {
    const h = new Harness(factory);
    const exchange = h.name('headers');
    h.exchanges(exchange);
    const got: string[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Subscribe({ exchange, type: 'headers', headers: { format: 'pdf', type: 'report' }, match: 'all' })
      all(p: string): Promise<void> {
        got.push(`all:${p}`);
        return Promise.resolve();
      }

      @Subscribe({ exchange, type: 'headers', headers: { format: 'pdf', type: 'log' }, match: 'any' })
      any(p: string): Promise<void> {
        got.push(`any:${p}`);
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.publish(exchange, '', 'm1', { headers: { format: 'pdf', type: 'report' } });
      await app.client.publish(exchange, '', 'm2', { headers: { format: 'zip', type: 'log' } });
      await app.client.publish(exchange, '', 'm3', { headers: { format: 'zip', type: 'report' } });
      await waitFor(() => got.length === 3, 3000, 'header events');
      await sleep(50);
      assert.deepEqual(got.sort(), ['all:m1', 'any:m1', 'any:m2']);
    } finally {
      await h.cleanup();
    }
  });
}
