/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- JSON bodies in tests */
// The management API over real HTTP: overview, queues with stats, actions (declare, bind,
// publish, get, purge, delete), access control (401s, tags, guest loopback rule),
// definitions export → import into a fresh broker, the firehose, and /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { UserStore } from '../../src/broker/access/user-store.js';
import { Broker } from '../../src/broker/broker.js';
import { exportDefinitions, importDefinitions } from '../../src/transports/http/definitions.js';
import { isLoopback } from '../../src/transports/http/http-util.js';
import { api, auth, sleep, startStack } from './stack.js';

test('queues: declare, bind, publish, stats, get, purge, delete through the API', async () => {
  const s = await startStack();
  try {
    assert.equal((await api(s, 'PUT', '/queues/%2F/jobs', { durable: true })).status, 201);
    assert.equal((await api(s, 'PUT', '/queues/%2F/jobs', { durable: true })).status, 204);
    assert.equal((await api(s, 'PUT', '/exchanges/%2F/work', { type: 'direct' })).status, 201);
    assert.equal((await api(s, 'POST', '/bindings/%2F/e/work/q/jobs', { routing_key: 'k' })).status, 201);
    for (let i = 0; i < 3; i++) {
      const r = await api(s, 'POST', '/exchanges/%2F/work/publish', {
        routing_key: 'k',
        payload: `m${i}`,
        payload_encoding: 'string',
        properties: {},
      });
      assert.deepEqual(r.body, { routed: true });
    }
    await sleep(450);
    const q = (await api(s, 'GET', '/queues/%2F/jobs')).body;
    assert.equal(q.messages_ready, 3);
    assert.equal(q.messages, 3);
    assert.equal(q.message_stats.publish, 3);
    assert.ok(q.message_stats.publish_details.rate >= 0);
    const got = (
      await api(s, 'POST', '/queues/%2F/jobs/get', {
        count: 2,
        ackmode: 'ack_requeue_false',
        encoding: 'auto',
      })
    ).body;
    assert.deepEqual(
      got.map((m: any) => m.payload),
      ['m0', 'm1'],
    );
    assert.equal((await api(s, 'GET', '/queues/%2F/jobs')).body.message_stats.ack, 2);
    const bindings = (await api(s, 'GET', '/bindings/%2F')).body;
    assert.ok(
      bindings.some((b: any) => b.source === 'work' && b.destination === 'jobs' && b.routing_key === 'k'),
    );
    assert.equal((await api(s, 'DELETE', '/queues/%2F/jobs/contents')).status, 204);
    assert.equal((await api(s, 'GET', '/queues/%2F/jobs')).body.messages_ready, 0);
    const bad = await api(s, 'PUT', '/queues/%2F/jobs', { durable: false });
    assert.equal(bad.status, 400);
    assert.match(bad.body.reason, /inequivalent arg 'durable'/);
    assert.equal((await api(s, 'DELETE', '/queues/%2F/jobs')).status, 204);
    assert.equal((await api(s, 'GET', '/queues/%2F/jobs')).status, 404);
    assert.deepEqual(Object.keys((await api(s, 'GET', '/nope')).body), ['error', 'reason']);
    const o = (await api(s, 'GET', '/overview')).body;
    assert.equal(o.object_totals.queues, 0);
    assert.equal(typeof o.message_stats.publish, 'number');
  } finally {
    await s.close();
  }
});

test('auth: 401 for bad credentials, no management tag; monitoring is read-only; AMQP permissions apply', async () => {
  const s = await startStack();
  try {
    assert.equal((await api(s, 'GET', '/overview', undefined, ['admin', 'wrong'])).status, 401);
    const noAuth = await fetch(`${s.httpUrl}/api/overview`);
    assert.equal(noAuth.status, 401);
    assert.match(noAuth.headers.get('www-authenticate') ?? '', /Basic/);
    s.users.addUser('plain', 'pw');
    s.users.setPermissions('plain', '/', { configure: '.*', write: '.*', read: '.*' });
    const r = await api(s, 'GET', '/overview', undefined, ['plain', 'pw']);
    assert.equal(r.status, 401);
    assert.equal(r.body.reason, 'Not management user');
    s.users.addUser('mon', 'pw', ['monitoring']);
    assert.equal((await api(s, 'GET', '/queues', undefined, ['mon', 'pw'])).status, 200);
    assert.equal((await api(s, 'PUT', '/vhosts/x', {}, ['mon', 'pw'])).status, 401);
    assert.equal((await api(s, 'GET', '/users', undefined, ['mon', 'pw'])).status, 401);
    s.users.addUser('mgr', 'pw', ['management']);
    s.users.setPermissions('mgr', '/', { configure: '^mine$', write: '.*', read: '.*' });
    assert.equal((await api(s, 'PUT', '/queues/%2F/mine', {}, ['mgr', 'pw'])).status, 201);
    const refused = await api(s, 'PUT', '/queues/%2F/theirs', {}, ['mgr', 'pw']);
    assert.equal(refused.status, 401);
    assert.match(refused.body.reason, /access to queue 'theirs' in vhost '\/' refused for user 'mgr'/);
    assert.equal((await api(s, 'GET', '/overview', undefined, ['guest', 'guest'])).status, 200);
  } finally {
    await s.close();
  }
});

test('guest is loopback-only: the loopback rule', () => {
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
  assert.ok(!isLoopback('10.0.0.2') && !isLoopback(undefined) && !isLoopback('::ffff:192.168.1.4'));
  const users = UserStore.withDefaultUser();
  assert.match(users.authenticate('guest', 'guest', false) as string, /only connect via localhost/);
});

test('vhosts, users and permissions through the API', async () => {
  const s = await startStack();
  try {
    assert.equal((await api(s, 'PUT', '/vhosts/staging', {})).status, 201);
    assert.equal((await api(s, 'PUT', '/users/bob', { password: 'pw', tags: 'management' })).status, 201);
    assert.equal(
      (await api(s, 'PUT', '/permissions/staging/bob', { configure: '.*', write: '.*', read: '' })).status,
      201,
    );
    const perms = (await api(s, 'GET', '/permissions')).body;
    assert.ok(perms.some((p: any) => p.user === 'bob' && p.vhost === 'staging' && p.read === ''));
    const bob = (await api(s, 'GET', '/users/bob')).body;
    assert.equal(bob.hashing_algorithm, 'rabbit_password_hashing_sha256');
    assert.deepEqual(bob.tags, ['management']);
    assert.deepEqual(
      (await api(s, 'GET', '/vhosts', undefined, ['bob', 'pw'])).body.map((v: any) => v.name),
      ['staging'],
    );
    assert.equal((await api(s, 'DELETE', '/vhosts/staging')).status, 204);
    assert.equal((await api(s, 'GET', '/permissions/staging/bob')).status, 404);
  } finally {
    await s.close();
  }
});

test('definitions: export → import into a fresh broker round-trips', async () => {
  const s = await startStack();
  try {
    await api(s, 'PUT', '/vhosts/app', {});
    await api(s, 'PUT', '/permissions/app/admin', { configure: '.*', write: '.*', read: '.*' });
    await api(s, 'PUT', '/users/svc', { password: 'pw', tags: ['management'] });
    await api(s, 'PUT', '/permissions/app/svc', { configure: '^svc', write: '.*', read: '.*' });
    await api(s, 'PUT', '/exchanges/app/events', { type: 'topic', durable: true });
    await api(s, 'PUT', '/queues/app/audit', { durable: true, arguments: { 'x-max-length': 10 } });
    await api(s, 'POST', '/bindings/app/e/events/q/audit', { routing_key: 'user.*' });
    const defs = (await api(s, 'GET', '/definitions')).body;
    assert.equal(defs.queues.length, 1);
    assert.equal(defs.bindings.length, 1);
    assert.ok(
      defs.users.some(
        (u: any) => u.name === 'svc' && u.hashing_algorithm === 'rabbit_password_hashing_sha256',
      ),
    );
    const fresh = new Broker();
    const users = new UserStore();
    importDefinitions(fresh, users, defs);
    const again = exportDefinitions(fresh, users, defs.rabbit_version);
    for (const key of ['vhosts', 'users', 'permissions', 'exchanges', 'queues', 'bindings']) {
      assert.deepEqual(again[key], defs[key], key);
    }
    assert.equal(typeof users.authenticate('svc', 'pw', false), 'object');
    assert.equal(fresh.vhost('app')?.queues.get('audit')?.config.maxLength, 10);
  } finally {
    await s.close();
  }
});

test('firehose: a publish and a delivery are traced with RabbitMQ headers; /metrics', async () => {
  const s = await startStack();
  const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
  try {
    assert.equal((await api(s, 'PUT', '/vhosts/%2F', { tracing: true })).status, 204);
    assert.equal((await api(s, 'GET', '/vhosts/%2F')).body.tracing, true);
    const ch = await conn.createChannel();
    const { queue: tq } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(tq, 'amq.rabbitmq.trace', '#');
    await ch.assertQueue('traced');
    ch.sendToQueue('traced', Buffer.from('hello'), { contentType: 'text/plain' });
    const got = await ch.get('traced', { noAck: true });
    assert.ok(got !== false);
    const events: amqp.GetMessage[] = [];
    for (let i = 0; i < 20 && events.length < 2; i++) {
      const m = await ch.get(tq, { noAck: true });
      if (m !== false) events.push(m);
      else await sleep(20);
    }
    assert.deepEqual(
      events.map((e) => e.fields.routingKey),
      ['publish.', 'deliver.traced'],
    );
    const h = events[0]!.properties.headers!;
    assert.equal(h['exchange_name'], '');
    assert.deepEqual(h['routing_keys'], ['traced']);
    assert.equal(h['user'], 'admin');
    assert.equal(h['properties'].content_type, 'text/plain');
    assert.deepEqual(h['routed_queues'], ['traced']);
    assert.equal(events[1]!.content.toString(), 'hello');
    assert.equal(events[1]!.properties.headers!['redelivered'], 0);
    const metrics = await (await fetch(`${s.httpUrl}/metrics`, { headers: auth('admin', 'admin') })).text();
    assert.match(metrics, /warren_queue_messages_published_total\{vhost="\/",queue="traced"\} 1/);
    assert.match(metrics, /warren_connections 1/);
    assert.match(metrics, /# TYPE warren_queue_messages_ready gauge/);
  } finally {
    await conn.close();
    await s.close();
  }
});
