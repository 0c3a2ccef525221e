// RabbitMQ's tutorial patterns and the channel-level features, through amqplib against an
// in-process server: what an unmodified client sees must be what it sees with RabbitMQ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { startServer, withTimeout } from '../../helpers/server.js';
import type { TestServer } from '../../helpers/server.js';

let srv: TestServer;
let conn: ChannelModel;

before(async () => {
  srv = await startServer();
  conn = await amqp.connect(srv.url);
});

after(async () => {
  await conn.close().catch(() => undefined);
  await srv.close();
});

/** Collects `n` messages from a consumer on `queue`. */
function collect(ch: Channel, queue: string, n: number, ack = true): Promise<ConsumeMessage[]> {
  const got: ConsumeMessage[] = [];
  return withTimeout(
    new Promise<ConsumeMessage[]>((resolve) => {
      void ch.consume(queue, (m) => {
        if (m === null) return;
        if (ack) ch.ack(m);
        got.push(m);
        if (got.length === n) resolve(got);
      });
    }),
    3000,
    `${n} messages from ${queue}`,
  );
}

test('hello world: default exchange', async () => {
  const ch = await conn.createChannel();
  await ch.assertQueue('hello', { durable: false });
  ch.sendToQueue('hello', Buffer.from('Hello World!'), { contentType: 'text/plain', headers: { a: 1 } });
  const [m] = await collect(ch, 'hello', 1);
  assert.equal(m!.content.toString(), 'Hello World!');
  assert.equal(m!.properties.contentType, 'text/plain');
  assert.deepEqual(m!.properties.headers, { a: 1 });
  assert.equal(m!.fields.routingKey, 'hello');
  await ch.close();
});

test('work queue: prefetch 1 gives fair dispatch', async () => {
  const ch1 = await conn.createChannel();
  const ch2 = await conn.createChannel();
  await ch1.assertQueue('tasks', { durable: true });
  for (const ch of [ch1, ch2]) await ch.prefetch(1);
  const byWorker: string[][] = [[], []];
  let done = 0;
  const all = new Promise<void>((resolve) => {
    [ch1, ch2].forEach((ch, i) => {
      void ch.consume('tasks', (m) => {
        if (m === null) return;
        byWorker[i]!.push(m.content.toString());
        // worker 0 is slow: it holds its message a while before acking
        setTimeout(
          () => {
            ch.ack(m);
            if (++done === 6) resolve();
          },
          i === 0 ? 150 : 5,
        );
      });
    });
  });
  for (let i = 0; i < 6; i++) ch1.sendToQueue('tasks', Buffer.from(`t${i}`), { persistent: true });
  await withTimeout(all, 5000, 'work queue');
  assert.ok(byWorker[1]!.length > byWorker[0]!.length, JSON.stringify(byWorker));
  await ch1.close();
  await ch2.close();
});

test('publish/subscribe: fanout reaches every bound queue', async () => {
  const ch = await conn.createChannel();
  await ch.assertExchange('logs', 'fanout', { durable: false });
  const q1 = await ch.assertQueue('', { exclusive: true });
  const q2 = await ch.assertQueue('', { exclusive: true });
  assert.match(q1.queue, /^amq\.gen-/);
  await ch.bindQueue(q1.queue, 'logs', '');
  await ch.bindQueue(q2.queue, 'logs', '');
  const a = collect(ch, q1.queue, 1);
  const b = collect(ch, q2.queue, 1);
  ch.publish('logs', '', Buffer.from('log line'));
  assert.equal((await a)[0]!.content.toString(), 'log line');
  assert.equal((await b)[0]!.content.toString(), 'log line');
  await ch.close();
});

test('routing: direct exchange', async () => {
  const ch = await conn.createChannel();
  await ch.assertExchange('direct_logs', 'direct', { durable: false });
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, 'direct_logs', 'error');
  const got = collect(ch, q.queue, 1);
  ch.publish('direct_logs', 'info', Buffer.from('ignored'));
  ch.publish('direct_logs', 'error', Buffer.from('disk full'));
  const [m] = await got;
  assert.equal(m!.content.toString(), 'disk full');
  assert.equal(m!.fields.exchange, 'direct_logs');
  await ch.close();
});

test('topics: * and # patterns', async () => {
  const ch = await conn.createChannel();
  await ch.assertExchange('topic_logs', 'topic', { durable: false });
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, 'topic_logs', '*.critical');
  await ch.bindQueue(q.queue, 'topic_logs', 'kern.#');
  const got = collect(ch, q.queue, 2);
  ch.publish('topic_logs', 'cron.critical', Buffer.from('a'));
  ch.publish('topic_logs', 'cron.info', Buffer.from('skip'));
  ch.publish('topic_logs', 'kern.x.y', Buffer.from('b'));
  assert.deepEqual(
    (await got).map((m) => m.content.toString()),
    ['a', 'b'],
  );
  await ch.close();
});

async function rpcServer(ch: Channel): Promise<void> {
  await ch.assertQueue('rpc_queue', { durable: false });
  await ch.consume('rpc_queue', (m) => {
    if (m === null) return;
    const n = Number(m.content.toString());
    ch.sendToQueue(m.properties.replyTo as string, Buffer.from(String(n * 2)), {
      correlationId: m.properties.correlationId as string,
    });
    ch.ack(m);
  });
}

test('RPC with direct reply-to and with a reply queue', async () => {
  const server = await conn.createChannel();
  await rpcServer(server);
  const client = await conn.createChannel();
  const direct = new Promise<ConsumeMessage>((resolve) => {
    void client.consume('amq.rabbitmq.reply-to', (m) => m && resolve(m), { noAck: true });
  });
  await new Promise((r) => setTimeout(r, 20));
  client.sendToQueue('rpc_queue', Buffer.from('21'), {
    replyTo: 'amq.rabbitmq.reply-to',
    correlationId: 'c1',
  });
  const r1 = await withTimeout(direct, 3000, 'direct reply');
  assert.equal(r1.content.toString(), '42');
  assert.equal(r1.properties.correlationId, 'c1');

  const replyQ = await client.assertQueue('', { exclusive: true });
  const viaQueue = collect(client, replyQ.queue, 1);
  client.sendToQueue('rpc_queue', Buffer.from('5'), { replyTo: replyQ.queue, correlationId: 'c2' });
  const [r2] = await viaQueue;
  assert.equal(r2!.content.toString(), '10');
  assert.equal(r2!.properties.correlationId, 'c2');
  await server.close();
  await client.close();
});

test('publisher confirms', async () => {
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue('confirmed');
  for (let i = 0; i < 20; i++) ch.sendToQueue('confirmed', Buffer.from(String(i)));
  await withTimeout(ch.waitForConfirms(), 3000, 'confirms');
  const q = await ch.checkQueue('confirmed');
  assert.equal(q.messageCount, 20);
  await ch.close();
});

test('mandatory publish to nowhere is returned', async () => {
  const ch = await conn.createChannel();
  const returned = new Promise<{ fields: { replyCode: number; routingKey: string }; content: Buffer }>(
    (resolve) => ch.on('return', resolve),
  );
  ch.publish('', 'no-such-queue', Buffer.from('lost'), { mandatory: true });
  const r = await withTimeout(returned, 3000, 'basic.return');
  assert.equal(r.fields.replyCode, 312);
  assert.equal(r.fields.routingKey, 'no-such-queue');
  assert.equal(r.content.toString(), 'lost');
  await ch.close();
});

test('nack with requeue redelivers; basic.get and get-empty', async () => {
  const ch = await conn.createChannel();
  await ch.assertQueue('nacked');
  ch.sendToQueue('nacked', Buffer.from('again'));
  await new Promise((r) => setTimeout(r, 20));
  const first = await ch.get('nacked');
  assert.ok(first !== false);
  assert.equal(first.fields.redelivered, false);
  ch.nack(first, false, true);
  const second = await ch.get('nacked');
  assert.ok(second !== false);
  assert.equal(second.fields.redelivered, true);
  assert.equal(second.content.toString(), 'again');
  ch.ack(second);
  assert.equal(await ch.get('nacked'), false);
  await ch.close();
});

test('consumer cancel notification when the queue is deleted', async () => {
  const ch = await conn.createChannel();
  const other = await conn.createChannel();
  await ch.assertQueue('doomed');
  const cancelled = new Promise<null>((resolve) => {
    void ch.consume('doomed', (m) => {
      if (m === null) resolve(null);
    });
  });
  await other.deleteQueue('doomed');
  assert.equal(await withTimeout(cancelled, 3000, 'cancel notification'), null);
  await ch.close();
  await other.close();
});

async function expectChannelError(fn: (ch: Channel) => Promise<unknown>, code: number): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  await assert.rejects(fn(ch), (e: { code?: number }) => e.code === code);
}

test('channel errors 404/405/406 close only the channel', async () => {
  await expectChannelError((ch) => ch.checkQueue('missing-queue'), 404);
  const owner = await amqp.connect(srv.url);
  const och = await owner.createChannel();
  await och.assertQueue('exclusive-q', { exclusive: true });
  await expectChannelError((ch) => ch.assertQueue('exclusive-q'), 405);
  await owner.close();
  const ch = await conn.createChannel();
  await ch.assertQueue('durable-q', { durable: true });
  await ch.close();
  await expectChannelError((c) => c.assertQueue('durable-q', { durable: false }), 406);
  const fine = await conn.createChannel();
  await fine.assertQueue('still-usable');
  await fine.close();
});

test('tx: publishes are held until commit and dropped by rollback', async () => {
  const ch = await conn.createChannel();
  await ch.assertQueue('txq');
  const c = ch as unknown as { rpc(m: number, f: object, expect: number): Promise<unknown> };
  // amqplib has no tx helpers; tx.select / commit / rollback through its rpc primitive
  const TX_SELECT = 0x5a000a;
  const TX_COMMIT = 0x5a0014;
  const TX_ROLLBACK = 0x5a001e;
  await c.rpc(TX_SELECT, {}, 0x5a000b);
  ch.sendToQueue('txq', Buffer.from('rolled back'));
  await c.rpc(TX_ROLLBACK, {}, 0x5a001f);
  ch.sendToQueue('txq', Buffer.from('committed'));
  assert.equal((await ch.checkQueue('txq')).messageCount, 0);
  await c.rpc(TX_COMMIT, {}, 0x5a0015);
  assert.equal((await ch.checkQueue('txq')).messageCount, 1);
  const m = await ch.get('txq', { noAck: true });
  assert.ok(m !== false);
  assert.equal(m.content.toString(), 'committed');
  await ch.close();
});
