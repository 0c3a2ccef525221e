// Input that cannot be persisted is refused at the door (HTTP 400 / AMQP 406), and one bad
// declaration never stops persistence for anyone else: before the fix, a single PUT of a
// queue whose arguments nest deeper than the field-table codec's limit made every later
// definitions save (and so every persistent publish on the broker) fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserStore, FULL_ACCESS } from '../../../src/broker/access/user-store.js';
import { Broker } from '../../../src/broker/broker.js';
import { ManagementServer } from '../../../src/transports/http/management-server.js';
import { MAX_DEPTH } from '../../../src/protocol/field-table.js';
import { ChannelError } from '../../../src/protocol/errors.js';
import { RecordingSink } from '../../helpers/engine.js';
import { PERSISTENT, removeDir, tempDir, until } from './helpers.js';

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { k: v };
  return v;
}

let apiBase = '';

async function withApi(
  fn: (ctx: {
    broker: Broker;
    put: (path: string, body: unknown) => Promise<number>;
    dir: string;
  }) => Promise<void>,
): Promise<void> {
  const dir = tempDir();
  const users = UserStore.withDefaultUser();
  users.addUser('admin', 'admin', ['administrator']);
  users.setPermissions('admin', '/', FULL_ACCESS);
  const broker = await Broker.open(dir, { users, consumerTimeout: 0, onWarning: () => undefined });
  const mgmt = new ManagementServer({ broker, users, host: '127.0.0.1', port: 0 });
  const { port } = await mgmt.listen();
  apiBase = `http://127.0.0.1:${port}/api`;
  const put = async (path: string, body: unknown): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}/api${path}`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    await res.text();
    return res.status;
  };
  try {
    await fn({ broker, put, dir });
  } finally {
    await mgmt.close();
    await broker.shutdown();
    removeDir(dir);
  }
}

/** Publishes one persistent message with a confirm to a fresh durable queue: 'ack' or 'nack'. */
async function confirmOfPersistentPublish(broker: Broker, queue: string): Promise<'ack' | 'nack'> {
  const sink = new RecordingSink();
  const ch = broker.connect().openChannel(1, sink);
  ch.queueDeclare({ queue, durable: true });
  ch.confirmSelect();
  ch.basicPublish('', queue, false, false, PERSISTENT, Buffer.from('x'));
  await until(() => sink.acks.length + sink.nacks.length > 0, 10_000);
  return sink.acks.length > 0 ? 'ack' : 'nack';
}

for (const kind of ['queues', 'exchanges'] as const) {
  test(`HTTP PUT of ${kind} with arguments nested past the codec limit: 400, and persistence keeps working`, async () => {
    await withApi(async ({ broker, put }) => {
      const status = await put(`/${kind}/%2F/too-deep`, {
        durable: true,
        ...(kind === 'exchanges' ? { type: 'topic' } : {}),
        arguments: { 'x-deep': nested(MAX_DEPTH + 5) },
      });
      assert.equal(status, 400);
      const v = broker.vhost('/')!;
      assert.equal(kind === 'queues' ? v.queues.has('too-deep') : v.exchanges.has('too-deep'), false);
      assert.equal(await confirmOfPersistentPublish(broker, 'after-bad-put'), 'ack');
    });
  });
}

test('HTTP POST of a binding with unpersistable arguments: 400, and persistence keeps working', async () => {
  await withApi(async ({ broker, put }) => {
    assert.equal(await put('/queues/%2F/bq', { durable: true }), 201);
    const ch = broker.connect().openChannel(1, new RecordingSink());
    assert.throws(
      () =>
        ch.queueBind({
          queue: 'bq',
          exchange: 'amq.topic',
          routingKey: 'k',
          arguments: { deep: nested(MAX_DEPTH + 5) as never },
        }),
      (e: unknown) => e instanceof ChannelError && e.replyCode === 406,
    );
    assert.equal(await confirmOfPersistentPublish(broker, 'after-bad-bind'), 'ack');
  });
});

test('arguments exactly at the limit that encode but do not decode are refused too (restart must read them)', async () => {
  await withApi(async ({ broker, put, dir }) => {
    let accepted = 0;
    for (let depth = MAX_DEPTH - 3; depth <= MAX_DEPTH + 1; depth++) {
      const status = await put(`/queues/%2F/depth-${depth}`, {
        durable: true,
        arguments: { d: nested(depth) },
      });
      assert.ok(status === 201 || status === 400, `depth ${depth}: ${status}`);
      if (status === 201) accepted++;
    }
    assert.ok(accepted > 0);
    await broker.store.close?.();
    const again = await Broker.open(dir, { consumerTimeout: 0, onWarning: () => undefined });
    try {
      for (let depth = MAX_DEPTH - 3; depth <= MAX_DEPTH + 1; depth++) {
        const had = broker.vhost('/')!.queues.has(`depth-${depth}`);
        assert.equal(again.vhost('/')!.queues.has(`depth-${depth}`), had, `depth ${depth}`);
      }
    } finally {
      await again.shutdown();
    }
  });
});

test('HTTP publish of a persistent message the log cannot encode: 400, nothing half-written, others keep persisting', async () => {
  await withApi(async ({ broker, put, dir }) => {
    assert.equal(await put('/queues/%2F/pq', { durable: true }), 201);
    broker
      .connect()
      .openChannel(1, new RecordingSink())
      .queueBind({ queue: 'pq', exchange: 'amq.direct', routingKey: 'pq' });
    const post = async (body: unknown): Promise<number> => {
      const res = await fetch(`${apiBase}/exchanges/%2F/amq.direct/publish`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      await res.text();
      return res.status;
    };
    const good = { routing_key: 'pq', payload: 'good', properties: { delivery_mode: 2 } };
    assert.equal(await post(good), 200);
    const deep = {
      ...good,
      payload: 'deep',
      properties: { delivery_mode: 2, headers: { h: nested(MAX_DEPTH + 5) } },
    };
    assert.equal(await post(deep), 400);
    assert.equal(await post(good), 200);
    assert.equal(await confirmOfPersistentPublish(broker, 'after-bad-publish'), 'ack');
    assert.equal(broker.vhost('/')!.queues.get('pq')!.messageCount, 2);
    await broker.store.close?.();
    const again = await Broker.open(dir, { consumerTimeout: 0, onWarning: () => undefined });
    try {
      assert.equal(again.vhost('/')!.queues.get('pq')!.messageCount, 2);
    } finally {
      await again.shutdown();
    }
  });
});
