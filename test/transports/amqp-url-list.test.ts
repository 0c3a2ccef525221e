// Several broker urls (a cluster's nodes): the AMQP transport connects to any live one, moves
// to the next url when its connection drops, and Warren.start({ urls }) makes task queues
// quorum queues. Against the RabbitMQ at 127.0.0.1:5672, reached directly and through TCP
// proxies the test can cut (test/cluster has the real 3-node cluster with kill -9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import * as amqplib from 'amqplib';
import { brokerUrls } from '../../src/cli/connect.js';
import { Service, Task, Warren } from '../../src/framework/index.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { TcpProxy } from '../helpers/framework-tcp-proxy.js';

const RABBITMQ = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const T = { timeout: 30_000 };

/** A url nobody listens on (a port just freed). */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `amqp://guest:guest@127.0.0.1:${port}`;
}

function once(transport: AmqpTransport, event: 'reconnect' | 'disconnect'): Promise<void> {
  return new Promise((resolve) => {
    const listener = (): void => {
      transport.off(event, listener);
      resolve();
    };
    transport.on(event, listener);
  });
}

/** Declares `queue` with `args` on RabbitMQ: undefined if it matches, else the 406 text. */
async function declareMismatch(queue: string, args: Record<string, unknown>): Promise<string | undefined> {
  const conn = await amqplib.connect(RABBITMQ);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await ch.assertQueue(queue, { durable: true, arguments: args });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function deleteQueues(...queues: string[]): Promise<void> {
  const conn = await amqplib.connect(RABBITMQ);
  try {
    const ch = await conn.createChannel();
    for (const q of queues) await ch.deleteQueue(q);
  } finally {
    await conn.close();
  }
}

test('connect() skips dead urls and connects to the live one', T, async () => {
  const dead = await deadUrl();
  const transport = new AmqpTransport([dead, RABBITMQ], { reconnect: false });
  try {
    await transport.connect();
    assert.equal(transport.connectedUrl, RABBITMQ);
  } finally {
    await transport.close();
  }
});

test('connect() rejects when no url is reachable', T, async () => {
  const transport = new AmqpTransport([await deadUrl(), await deadUrl()], { reconnect: false });
  await assert.rejects(transport.connect());
  assert.equal(transport.connected, false);
  assert.equal(transport.connectedUrl, undefined);
});

test('a bad url in the list is a TypeError at construction', () => {
  assert.throws(() => new AmqpTransport([RABBITMQ, 'not a url']), TypeError);
  assert.throws(() => new AmqpTransport([]), TypeError);
});

test('after a drop the transport reconnects to the next url', T, async () => {
  const a = new TcpProxy('127.0.0.1', 5672);
  const b = new TcpProxy('127.0.0.1', 5672);
  const urlA = `amqp://guest:guest@127.0.0.1:${await a.listen()}`;
  const urlB = `amqp://guest:guest@127.0.0.1:${await b.listen()}`;
  const transport = new AmqpTransport([urlA, urlB], { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  try {
    await transport.connect();
    assert.equal(transport.connectedUrl, urlA);
    // "Node" A goes away for good: connections dropped, new ones refused.
    a.pause();
    const back = once(transport, 'reconnect');
    a.dropAll();
    await back;
    assert.equal(transport.connectedUrl, urlB);
    const ch = await transport.createChannel();
    await ch.close();
  } finally {
    await transport.close();
    await a.close();
    await b.close();
  }
});

test('Warren.start({ urls }) with several urls declares task queues as quorum queues', T, async () => {
  const task = `i18.urls.${randomUUID()}`;
  @Service(`svc-${task}`)
  class Svc {
    @Task(task, { retries: 0 })
    work(): void {}
  }
  const app = await Warren.start({ urls: [await deadUrl(), RABBITMQ], services: [Svc] });
  try {
    assert.equal(app.handlers[0]?.kind === 'task' && app.handlers[0].options.queueType, 'quorum');
    // The dead-letter queue has no other arguments: only its type can mismatch.
    const classic = await declareMismatch(`${task}.dead`, { 'x-queue-type': 'classic' });
    assert.match(classic ?? '', /PRECONDITION_FAILED.*x-queue-type/);
  } finally {
    await app.close();
    await deleteQueues(task, `${task}.dead`, `${task}.quarantine`);
  }
});

test('one url keeps classic task queues; taskQueueType overrides the default', T, async () => {
  const one = `i18.url.${randomUUID()}`;
  const forced = `i18.forced.${randomUUID()}`;
  @Service(`svc-${one}`)
  class One {
    @Task(one, { retries: 0 })
    work(): void {}
  }
  @Service(`svc-${forced}`)
  class Forced {
    @Task(forced, { retries: 0 })
    work(): void {}
  }
  const a = await Warren.start({ url: RABBITMQ, services: [One] });
  const b = await Warren.start({ url: RABBITMQ, services: [Forced], taskQueueType: 'quorum' });
  try {
    assert.match(
      (await declareMismatch(`${one}.dead`, { 'x-queue-type': 'quorum' })) ?? '',
      /PRECONDITION_FAILED/,
    );
    assert.equal(await declareMismatch(`${forced}.dead`, { 'x-queue-type': 'quorum' }), undefined);
  } finally {
    await a.close();
    await b.close();
    await deleteQueues(
      one,
      `${one}.dead`,
      `${one}.quarantine`,
      forced,
      `${forced}.dead`,
      `${forced}.quarantine`,
    );
  }
});

test('url and urls together are a TypeError', async () => {
  await assert.rejects(Warren.start({ url: RABBITMQ, urls: [RABBITMQ] }), TypeError);
  await assert.rejects(Warren.start({ urls: [] }), TypeError);
});

test('warren worker --url: repeated and comma-separated urls make one list', () => {
  assert.deepEqual(brokerUrls(['amqp://a:1, amqp://b:2', 'amqp://c:3']), [
    'amqp://a:1',
    'amqp://b:2',
    'amqp://c:3',
  ]);
  assert.throws(() => brokerUrls(['amqp://a:1,http://b']), /scheme must be amqp/);
});
