// Conformance: publishes that do not confirm (returned, nacked), broker-closed channels and
// clean closes, and what later calls on a closed channel do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageReturnedError, PublishNackedError } from '../../src/transports/errors.js';
import { rejection, replyCodeOf, text, uniq, until, within } from './helpers.js';
import { withSession } from './session.js';
import type { TransportFactory } from './session.js';

const T = { timeout: 10_000 };

export function failureTests(factory: TransportFactory): void {
  test(
    'mandatory publish with no route rejects with MessageReturnedError (312); the channel lives on',
    T,
    () =>
      withSession(factory, async (s) => {
        const ch = await s.channel();
        const x = await s.exchange(ch, 'direct');
        await within(ch.publish(x, 'nobody', text('lost')), 'non-mandatory unroutable confirms');
        const err = await rejection(ch.publish(x, 'nobody', text('back'), { mandatory: true }), 'mandatory');
        assert.ok(err instanceof MessageReturnedError, String(err));
        assert.equal(err.replyCode, 312);
        assert.equal(err.routingKey, 'nobody');
        const q = await s.queue(ch);
        await within(ch.publish('', q, text('ok'), { mandatory: true }), 'routable mandatory confirms');
      }),
  );

  test('mandatory returns settle the right publishes when interleaved', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      const outcomes = await within(
        Promise.allSettled(
          [q, uniq('none'), q, uniq('none')].map((key) =>
            ch.publish('', key, text(key), { mandatory: true }),
          ),
        ),
        'publishes',
      );
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
      );
    }),
  );

  test('publish to a full reject-publish queue is nacked (PublishNackedError)', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
      await within(ch.publish('', q, text('fits')), 'first');
      const err = await rejection(ch.publish('', q, text('full')), 'second');
      assert.ok(err instanceof PublishNackedError, String(err));
      await within(ch.checkQueue(q), 'channel still open');
    }),
  );

  test('publish to a missing exchange rejects 404, closes the channel with the error', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const closed: (Error | undefined)[] = [];
      ch.on('close', (e) => closed.push(e));
      const err = await rejection(ch.publish(uniq('missing'), 'k', text('x')), 'publish');
      assert.equal(replyCodeOf(err), 404);
      await until(() => closed.length === 1, 'close event');
      assert.equal(replyCodeOf(closed[0]), 404);
      const later = await rejection(ch.assertQueue('', { exclusive: true }), 'call on closed channel');
      assert.ok(later instanceof Error);
      const fresh = await s.channel();
      await within(fresh.checkExchange('amq.direct'), 'other channels unaffected');
    }),
  );

  test('a failed passive declare closes the channel; later publishes reject', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const closed: (Error | undefined)[] = [];
      ch.on('close', (e) => closed.push(e));
      assert.equal(replyCodeOf(await rejection(ch.checkQueue(uniq('missing')), 'checkQueue')), 404);
      await until(() => closed.length === 1, 'close event');
      await rejection(ch.publish('', 'any', text('x')), 'publish on closed channel');
      ch.ack({
        body: text(''),
        properties: {},
        fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: '' },
      });
    }),
  );

  test('clean channel close: close event without error, idempotent, later calls reject', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const closed: (Error | undefined)[] = [];
      ch.on('close', (e) => closed.push(e));
      await within(ch.close(), 'close');
      await within(ch.close(), 'close again');
      await until(() => closed.length === 1, 'close event');
      assert.equal(closed[0], undefined);
      await rejection(ch.checkExchange('amq.direct'), 'call after close');
    }),
  );

  test('capabilities are declared', T, () =>
    withSession(factory, async (s) => {
      const t = await s.transport();
      assert.equal(typeof t.capabilities.directReplyTo, 'boolean');
      assert.equal(typeof t.capabilities.quorumQueues, 'boolean');
      assert.equal(t.connected, true);
    }),
  );
}
