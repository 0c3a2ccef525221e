// EmbeddedTransport specifics the conformance suite cannot see: construction, callback
// scheduling relative to engine calls, backpressure, asynchronous (durable) confirms, and
// how engine-side closes (ack timeout, hard errors, Broker.close, vhost deletion) surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker/index.js';
import type { DurableWaiter, Message, MessageStore } from '../../src/broker/index.js';
import { EmbeddedTransport } from '../../src/transports/embedded/index.js';
import { TransportClosedError } from '../../src/transports/errors.js';
import type { TransportChannel, TransportMessage } from '../../src/transports/transport.js';
import { Inbox, rejection, replyCodeOf, sleep, text, until, within } from './helpers.js';

const T = { timeout: 10_000 };

async function open(
  broker = new Broker({ consumerTimeout: 0 }),
): Promise<{ t: EmbeddedTransport; ch: TransportChannel }> {
  const t = new EmbeddedTransport({ broker });
  await t.connect();
  return { t, ch: await t.createChannel() };
}

test('creates its own broker; connect is idempotent; a missing vhost rejects 530', T, async () => {
  const t = new EmbeddedTransport();
  assert.ok(t.broker instanceof Broker);
  assert.equal(t.connected, false);
  await rejection(t.createChannel(), 'not connected');
  await t.connect();
  await t.connect();
  assert.equal(t.broker.connectionCount, 1);
  assert.deepEqual(t.capabilities, { directReplyTo: true, quorumQueues: true, delayedExchange: true });
  await t.close();
  await t.close();
  assert.equal(t.broker.connectionCount, 0);
  const bad = new EmbeddedTransport({ broker: t.broker, vhost: 'nope' });
  assert.equal(replyCodeOf(await rejection(bad.connect(), 'connect')), 530);
});

test('consumer callbacks never run inside the publish call that caused them', T, async () => {
  const { t, ch } = await open();
  await ch.assertQueue('q', { durable: false });
  let inPublish = false;
  const seen: boolean[] = [];
  await ch.consume('q', (m) => {
    seen.push(inPublish);
    ch.ack(m);
  });
  inPublish = true;
  const p = ch.publish('', 'q', text('x'));
  inPublish = false;
  await p;
  await until(() => seen.length === 1, 'delivery');
  assert.deepEqual(seen, [false]);
  await t.close();
});

test('callbacks that ack and publish synchronously drive a long chain', T, async () => {
  const { t, ch } = await open();
  await ch.assertQueue('ping', { durable: false });
  await ch.prefetch(10);
  const n = 20_000;
  let count = 0;
  await ch.consume('ping', (m) => {
    count++;
    ch.ack(m);
    if (count < n) void ch.publish('', 'ping', m.body);
  });
  await ch.publish('', 'ping', text('0'));
  await until(() => count === n, 'chain', 5000);
  await t.close();
});

test('a deep queue to a no-ack consumer is delivered in order through backpressure', T, async () => {
  const { t, ch } = await open();
  await ch.assertQueue('deep', { durable: false });
  const n = 10_000;
  await Promise.all(Array.from({ length: n }, (_, i) => ch.publish('', 'deep', text(String(i)))));
  const got: number[] = [];
  await ch.consume('deep', (m) => got.push(Number(m.body.toString())), { noAck: true });
  await until(() => got.length === n, 'all delivered', 5000);
  assert.ok(got.every((v, i) => v === i));
  await t.close();
});

test('confirms held by the store resolve when the store reports durable', T, async () => {
  const waiting: { waiter: DurableWaiter; token: number }[] = [];
  const store: MessageStore = {
    persist(_k: string, _s: number, _m: Message, waiter: DurableWaiter | null, token: number): boolean {
      if (waiter !== null) waiting.push({ waiter, token });
      return false;
    },
    remove: () => undefined,
    dropQueue: () => undefined,
  };
  const { t, ch } = await open(new Broker({ consumerTimeout: 0, store }));
  await ch.assertQueue('dq', { durable: true });
  let settled = 0;
  const ps = [1, 2, 3].map((i) =>
    ch.publish('', 'dq', text(`${i}`), { persistent: true }).then(() => settled++),
  );
  await ch.publish('', 'dq', text('transient'));
  await sleep(5);
  assert.equal(settled, 0);
  assert.equal(waiting.length, 3);
  for (const w of waiting.reverse()) w.waiter.durable(w.token);
  await within(Promise.all(ps), 'confirms');
  assert.equal(settled, 3);
  const pending = ch.publish('', 'dq', text('4'), { persistent: true });
  await ch.close();
  assert.ok((await rejection(pending, 'pending at close')) instanceof TransportClosedError);
  await t.close();
});

test('ack of an unknown delivery tag closes the channel with 406', T, async () => {
  const { t, ch } = await open();
  const closed: (Error | undefined)[] = [];
  ch.on('close', (e) => closed.push(e));
  const fake: TransportMessage = {
    body: text(''),
    properties: {},
    fields: { deliveryTag: 99, redelivered: false, exchange: '', routingKey: '' },
  };
  ch.ack(fake);
  await until(() => closed.length === 1, 'close');
  assert.equal(replyCodeOf(closed[0]), 406);
  assert.equal(replyCodeOf(await rejection(ch.checkExchange('amq.direct'), 'after close')), 406);
  await t.close();
});

test(
  'consumer ack timeout: the engine closes the channel and the unacked message is requeued',
  T,
  async () => {
    const broker = new Broker({ consumerTimeout: 30 });
    const { t, ch } = await open(broker);
    await ch.assertQueue('slow', { durable: false });
    const closed: (Error | undefined)[] = [];
    ch.on('close', (e) => closed.push(e));
    await ch.consume('slow', () => undefined);
    await ch.publish('', 'slow', text('x'));
    await until(() => closed.length === 1, 'timeout close', 2000);
    assert.equal(replyCodeOf(closed[0]), 406);
    const other = await t.createChannel();
    assert.equal((await other.get('slow'))?.fields.redelivered, true);
    await t.close();
  },
);

test('a hard error closes every channel, emits disconnect, then reconnects', T, async () => {
  const { t, ch } = await open();
  const second = await t.createChannel();
  const events: string[] = [];
  t.on('disconnect', (e) => events.push(`disconnect ${replyCodeOf(e)}`));
  t.on('reconnect', () => events.push('reconnect'));
  const closes: (Error | undefined)[] = [];
  second.on('close', (e) => closes.push(e));
  await ch.assertQueue('hq', { durable: false });
  await ch.consume('hq', () => undefined, { consumerTag: 'dup' });
  const err = await rejection(
    ch.consume('hq', () => undefined, { consumerTag: 'dup' }),
    'reuse tag',
  );
  assert.equal(replyCodeOf(err), 530);
  await until(() => closes.length === 1 && events.length === 2, 'close + reconnect');
  assert.equal(replyCodeOf(closes[0]), 530);
  assert.deepEqual(events, ['disconnect 530', 'reconnect']);
  assert.equal(t.connected, true);
  await (await t.createChannel()).checkExchange('amq.topic');
  await t.close();
});

test('after Broker.close, calls on old channels reject with 320', T, async () => {
  const { t, ch } = await open();
  const events: (Error | undefined)[] = [];
  t.on('disconnect', (e) => events.push(e));
  t.broker.close();
  assert.equal(t.connected, false);
  assert.equal(replyCodeOf(await rejection(ch.checkExchange('amq.direct'), 'after broker close')), 320);
  assert.equal(replyCodeOf(events[0]), 320);
  await t.close();
});

test('client cancel resolves after deliveries already made; none follow', T, async () => {
  const { t, ch } = await open();
  await ch.assertQueue('cq', { durable: false });
  await Promise.all([1, 2, 3].map((i) => ch.publish('', 'cq', text(`${i}`))));
  const inbox = new Inbox();
  const tag = await ch.consume('cq', inbox.push, { noAck: true });
  await ch.cancel(tag);
  assert.equal(inbox.messages.length, 3);
  await t.close();
});

test('Broker.deleteVhost emits disconnect at once and closes channels with 320', T, async () => {
  const broker = new Broker({ consumerTimeout: 0 });
  broker.addVhost('v');
  const t = new EmbeddedTransport({ broker, vhost: 'v' });
  await t.connect();
  const ch = await t.createChannel();
  const events: string[] = [];
  const closes: (Error | undefined)[] = [];
  t.on('disconnect', (e) => events.push(`disconnect ${replyCodeOf(e)}`));
  t.on('reconnect', () => events.push('reconnect'));
  ch.on('close', (e) => closes.push(e));
  broker.deleteVhost('v');
  assert.deepEqual(events, ['disconnect 320']);
  assert.equal(t.connected, false);
  await until(() => closes.length === 1, 'channel close event');
  assert.equal(replyCodeOf(closes[0]), 320);
  await sleep(20);
  assert.deepEqual(events, ['disconnect 320'], 'the vhost is gone: no reconnect');
  await rejection(t.createChannel(), 'not connected');
  await t.close();
});

test('Broker.close emits disconnect at once, then reconnects per the option', T, async () => {
  const broker = new Broker({ consumerTimeout: 0 });
  const again = new EmbeddedTransport({ broker });
  const once = new EmbeddedTransport({ broker, reconnect: false });
  await again.connect();
  await once.connect();
  const seen: string[] = [];
  for (const [name, t] of [
    ['again', again],
    ['once', once],
  ] as const) {
    t.on('disconnect', (e) => seen.push(`${name} disconnect ${replyCodeOf(e)}`));
    t.on('reconnect', () => seen.push(`${name} reconnect`));
  }
  broker.close();
  assert.deepEqual(seen, ['again disconnect 320', 'once disconnect 320']);
  await until(() => seen.length === 3, 'reconnect');
  assert.equal(seen[2], 'again reconnect');
  assert.equal(again.connected, true);
  assert.equal(once.connected, false);
  await again.close();
  await once.close();
});

test('a transport close() is not reported as a disconnect', T, async () => {
  const { t } = await open();
  const events: unknown[] = [];
  t.on('disconnect', (e) => events.push(e));
  await t.close();
  t.broker.close();
  await sleep(10);
  assert.deepEqual(events, []);
});
