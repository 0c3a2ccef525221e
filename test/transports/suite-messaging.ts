// Conformance: publish → consume → ack, prefetch, nack/requeue, get, confirms, cancel,
// direct reply-to, and requeue of unacked deliveries when a channel closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inbox, rejection, sleep, text, until, within } from './helpers.js';
import { withSession } from './session.js';
import type { TransportFactory } from './session.js';

const T = { timeout: 10_000 };
/** How long "nothing more arrives" is observed for. */
const QUIET = 100;

export function messagingTests(factory: TransportFactory): void {
  test('publish → consume → ack: order, fields and properties preserved', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      const inbox = new Inbox();
      const tag = await within(ch.consume(q, inbox.push), 'consume');
      const props = {
        contentType: 'application/json',
        correlationId: 'c-1',
        headers: { a: 1 },
        persistent: true,
      };
      await within(ch.publish('', q, text('one'), props), 'publish');
      await within(ch.publish('', q, text('two')), 'publish');
      const [first, second] = await inbox.take(2);
      assert.deepEqual(inbox.bodies(), ['one', 'two']);
      assert.equal(first!.fields.consumerTag, tag);
      assert.deepEqual(
        { ...first!.fields, deliveryTag: 0 },
        { deliveryTag: 0, redelivered: false, exchange: '', routingKey: q, consumerTag: tag },
      );
      assert.equal(first!.properties.contentType, 'application/json');
      assert.equal(first!.properties.correlationId, 'c-1');
      assert.equal(first!.properties.deliveryMode, 2);
      assert.deepEqual(first!.properties.headers, { a: 1 });
      assert.ok(second!.fields.deliveryTag > first!.fields.deliveryTag);
      ch.ack(first!);
      ch.ack(second!);
      await within(ch.cancel(tag), 'cancel');
      assert.equal((await within(ch.checkQueue(q), 'checkQueue')).messageCount, 0);
    }),
  );

  test('prefetch limits unacked deliveries; an ack lets the next one through', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      await within(Promise.all([1, 2, 3, 4, 5].map((i) => ch.publish('', q, text(`m${i}`)))), 'publish');
      await within(ch.prefetch(2), 'prefetch');
      const inbox = new Inbox();
      await within(ch.consume(q, inbox.push), 'consume');
      await inbox.take(2);
      await sleep(QUIET);
      assert.equal(inbox.messages.length, 2);
      ch.ack(inbox.messages[0]!);
      await inbox.take(3);
      await sleep(QUIET);
      assert.deepEqual(inbox.bodies(), ['m1', 'm2', 'm3']);
      ch.ack(inbox.messages[2]!, true);
      await inbox.take(5);
    }),
  );

  test('nack with requeue redelivers with redelivered set; without requeue drops', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      await within(ch.publish('', q, text('again')), 'publish');
      const inbox = new Inbox();
      await within(ch.consume(q, inbox.push), 'consume');
      const [first] = await inbox.take(1);
      assert.equal(first!.fields.redelivered, false);
      ch.nack(first!);
      const [, second] = await inbox.take(2);
      assert.equal(second!.body.toString(), 'again');
      assert.equal(second!.fields.redelivered, true);
      ch.nack(second!, false);
      await sleep(QUIET);
      assert.equal(inbox.messages.length, 2);
      assert.equal((await within(ch.checkQueue(q), 'checkQueue')).messageCount, 0);
    }),
  );

  test('get returns a message with messageCount, then null when empty', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      await within(Promise.all([ch.publish('', q, text('a')), ch.publish('', q, text('b'))]), 'publish');
      const a = await within(ch.get(q), 'get');
      assert.equal(a?.body.toString(), 'a');
      assert.equal(a?.fields.messageCount, 1);
      assert.equal(a?.fields.routingKey, q);
      ch.ack(a);
      const b = await within(ch.get(q, { noAck: true }), 'get noAck');
      assert.equal(b?.body.toString(), 'b');
      assert.equal(await within(ch.get(q), 'get empty'), null);
    }),
  );

  test('publish confirms: many in flight all resolve', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      const n = 500;
      await within(
        Promise.all(Array.from({ length: n }, (_, i) => ch.publish('', q, text(`${i}`)))),
        'confirms',
      );
      assert.equal((await within(ch.checkQueue(q), 'checkQueue')).messageCount, n);
    }),
  );

  test('cancel stops deliveries; messages stay queued', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      const inbox = new Inbox();
      const tag = await within(ch.consume(q, inbox.push, { noAck: true }), 'consume');
      await within(ch.cancel(tag), 'cancel');
      await within(ch.publish('', q, text('later')), 'publish');
      await sleep(QUIET);
      assert.equal(inbox.messages.length, 0);
      assert.equal((await within(ch.checkQueue(q), 'checkQueue')).messageCount, 1);
    }),
  );

  test('consumer is notified when its queue is deleted', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      const cancelled: string[] = [];
      const tag = await within(
        ch.consume(q, () => undefined, { onCancel: (t) => cancelled.push(t) }),
        'consume',
      );
      const other = await s.channel();
      await within(other.deleteQueue(q), 'deleteQueue');
      await until(() => cancelled.length === 1, 'onCancel');
      assert.deepEqual(cancelled, [tag]);
    }),
  );

  test('direct reply-to: request carries a rewritten replyTo, the reply comes back', T, () =>
    withSession(factory, async (s) => {
      const client = await s.channel();
      const server = await s.channel(await s.transport());
      const rpc = await s.queue(server);
      await within(
        server.consume(rpc, (req) => {
          const replyTo = req.properties.replyTo!;
          const props = { correlationId: req.properties.correlationId ?? '' };
          void server.publish('', replyTo, text(`re:${req.body.toString()}`), props);
          server.ack(req);
        }),
        'server consume',
      );
      const replies = new Inbox();
      await within(client.consume('amq.rabbitmq.reply-to', replies.push, { noAck: true }), 'reply consume');
      const props = { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'r-1' };
      await within(client.publish('', rpc, text('ping'), props), 'request');
      const [reply] = await replies.take(1, 'reply');
      assert.equal(reply!.body.toString(), 're:ping');
      assert.equal(reply!.properties.correlationId, 'r-1');
      assert.match(reply!.fields.routingKey, /^amq\.rabbitmq\.reply-to\./);
    }),
  );

  test('closing a channel requeues its unacked deliveries for another channel', T, () =>
    withSession(factory, async (s) => {
      const ch = await s.channel();
      const q = await s.queue(ch);
      await within(Promise.all(['a', 'b', 'c'].map((b) => ch.publish('', q, text(b)))), 'publish');
      const inbox = new Inbox();
      await within(ch.consume(q, inbox.push), 'consume');
      await inbox.take(3);
      await within(ch.close(), 'close');
      const other = await s.channel(await s.transport());
      const again = new Inbox();
      await within(other.consume(q, again.push), 'consume again');
      await again.take(3);
      assert.deepEqual(again.bodies(), ['a', 'b', 'c']);
      assert.ok(again.messages.every((m) => m.fields.redelivered));
    }),
  );

  test('closing a transport requeues its unacked deliveries', T, () =>
    withSession(factory, async (s) => {
      const t1 = await s.transport();
      const ch = await s.channel(t1);
      const q = await s.queue(ch);
      await within(ch.publish('', q, text('x')), 'publish');
      const inbox = new Inbox();
      await within(ch.consume(q, inbox.push), 'consume');
      await inbox.take(1);
      await within(t1.close(), 'close transport');
      assert.equal(t1.connected, false);
      const other = await s.channel(await s.transport());
      let m = await within(other.get(q), 'get');
      for (let i = 0; m === null && i < 50; i++) {
        await sleep(10); // a network broker may requeue slightly after close-ok
        m = await within(other.get(q), 'get');
      }
      assert.equal(m?.body.toString(), 'x');
      assert.equal(m?.fields.redelivered, true);
      await rejection(t1.createChannel(), 'createChannel after close');
    }),
  );
}
