/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- JSON bodies in tests */
// /api/policies over real HTTP: create (201), replace (204), get, list (all and per vhost),
// delete (204, then 404); RabbitMQ 3.10's validation texts (captured from rabbitmqctl
// set_policy on 3.10.8); the policymaker/administrator rule; the queue and exchange JSON
// (policy, effective_policy_definition); definitions export → import into a fresh broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserStore } from '../../src/broker/access/user-store.js';
import { Broker } from '../../src/broker/broker.js';
import { exportDefinitions, importDefinitions } from '../../src/transports/http/definitions.js';
import { api, startStack } from './stack.js';

const TTL = { pattern: '^ttl\\.', definition: { 'message-ttl': 60000 }, priority: 1, 'apply-to': 'queues' };

test('policies: create, replace, get, list, delete', async () => {
  const s = await startStack();
  try {
    assert.equal((await api(s, 'PUT', '/policies/%2F/ttl', TTL)).status, 201);
    assert.equal((await api(s, 'PUT', '/policies/%2F/ttl', { ...TTL, priority: 3 })).status, 204);
    const got = await api(s, 'GET', '/policies/%2F/ttl');
    assert.deepEqual(got.body, {
      vhost: '/',
      name: 'ttl',
      pattern: '^ttl\\.',
      'apply-to': 'queues',
      definition: { 'message-ttl': 60000 },
      priority: 3,
    });
    assert.equal((await api(s, 'PUT', '/vhosts/other', {})).status, 201);
    const other = { pattern: '.*', definition: { 'alternate-exchange': 'ae' } };
    assert.equal((await api(s, 'PUT', '/policies/other/ae', other)).status, 201);
    const all = (await api(s, 'GET', '/policies')).body.map((p: any) => `${p.vhost}/${p.name}`);
    assert.deepEqual(all.sort(), ['//ttl', 'other/ae']);
    const one = (await api(s, 'GET', '/policies/other')).body;
    assert.deepEqual(
      one.map((p: any) => [p.name, p['apply-to'], p.priority]),
      [['ae', 'all', 0]],
    );
    assert.equal((await api(s, 'DELETE', '/policies/%2F/ttl')).status, 204);
    assert.equal((await api(s, 'GET', '/policies/%2F/ttl')).status, 404);
    assert.equal((await api(s, 'DELETE', '/policies/%2F/ttl')).status, 404);
    assert.equal((await api(s, 'PUT', '/policies/nope/x', TTL)).status, 404);
  } finally {
    await s.close();
  }
});

test("policies: invalid ones are 400s with RabbitMQ's validation texts", async () => {
  const s = await startStack();
  try {
    const cases: [unknown, RegExp][] = [
      [{ ...TTL, definition: { bogus: 1 } }, /\[\{<<"bogus">>,1\}\] are not recognised policy settings/],
      [{ ...TTL, definition: { 'message-ttl': -1 } }, /-1 is not a valid message TTL/],
      [{ ...TTL, definition: { 'max-length': 'x' } }, /<<"x">> is not a valid maximum length/],
      [{ ...TTL, definition: { overflow: 'x' } }, /<<"x">> is not a valid overflow value/],
      [{ ...TTL, definition: { expires: 0 } }, /0 is not a valid queue expiry/],
      [{ ...TTL, definition: {} }, /no policy provided/],
      [{ ...TTL, pattern: '^(q' }, /pattern should be regular expression but is invalid/],
      [{ ...TTL, pattern: '(a+)+$' }, /nests quantifiers/],
      [
        { ...TTL, 'apply-to': 'queuesx' },
        /apply-to 'queuesx' unrecognised; should be 'queues', 'exchanges' or 'all'/,
      ],
      [{ ...TTL, priority: 'high' }, /priority should be a number/],
      [{ definition: { 'max-length': 1 } }, /Key "pattern" not found in bad/],
    ];
    for (const [body, reason] of cases) {
      const r = await api(s, 'PUT', '/policies/%2F/bad', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'bad_request');
      assert.match(r.body.reason, /^Validation failed\n\n/);
      assert.match(r.body.reason, reason);
    }
    assert.deepEqual((await api(s, 'GET', '/policies')).body, []);
  } finally {
    await s.close();
  }
});

test('policies: administrator and policymaker only, policymaker on its own vhosts', async () => {
  const s = await startStack();
  try {
    s.users.addUser('mgr', 'mgr', ['management']);
    s.users.setPermissions('mgr', '/', { configure: '.*', write: '.*', read: '.*' });
    s.users.addUser('pm', 'pm', ['policymaker']);
    s.users.setPermissions('pm', '/', { configure: '.*', write: '.*', read: '.*' });
    s.broker.addVhost('secret');
    const mgr: [string, string] = ['mgr', 'mgr'];
    const pm: [string, string] = ['pm', 'pm'];
    assert.equal((await api(s, 'GET', '/policies', undefined, mgr)).status, 401);
    assert.equal((await api(s, 'PUT', '/policies/%2F/p', TTL, mgr)).status, 401);
    assert.equal((await api(s, 'PUT', '/policies/%2F/p', TTL, pm)).status, 201);
    assert.equal((await api(s, 'PUT', '/policies/secret/p', TTL, pm)).status, 401);
    assert.equal((await api(s, 'PUT', '/policies/secret/p', TTL)).status, 201);
    const seen = (await api(s, 'GET', '/policies', undefined, pm)).body.map((p: any) => p.vhost);
    assert.deepEqual(seen, ['/']);
    assert.equal((await api(s, 'DELETE', '/policies/%2F/p', undefined, pm)).status, 204);
  } finally {
    await s.close();
  }
});

test('policies: queue and exchange JSON show the policy in effect; set after declare, cleared after', async () => {
  const s = await startStack();
  try {
    assert.equal((await api(s, 'PUT', '/queues/%2F/ttl.a', { durable: false })).status, 201);
    assert.equal((await api(s, 'PUT', '/exchanges/%2F/ttl.x', { type: 'fanout' })).status, 201);
    let q = (await api(s, 'GET', '/queues/%2F/ttl.a')).body;
    assert.equal(q.policy, null);
    assert.deepEqual(q.effective_policy_definition, {});
    assert.equal((await api(s, 'PUT', '/policies/%2F/ttl', TTL)).status, 201);
    const ae = { pattern: '^ttl\\.', definition: { 'alternate-exchange': 'alt' }, 'apply-to': 'exchanges' };
    assert.equal((await api(s, 'PUT', '/policies/%2F/ae', ae)).status, 201);
    q = (await api(s, 'GET', '/queues/%2F/ttl.a')).body;
    assert.equal(q.policy, 'ttl');
    assert.deepEqual(q.effective_policy_definition, { 'message-ttl': 60000 });
    assert.equal((await api(s, 'GET', '/exchanges/%2F/ttl.x')).body.policy, 'ae');
    assert.equal((await api(s, 'DELETE', '/policies/%2F/ttl')).status, 204);
    q = (await api(s, 'GET', '/queues/%2F/ttl.a')).body;
    assert.equal(q.policy, null);
    assert.deepEqual(q.effective_policy_definition, {});
  } finally {
    await s.close();
  }
});

test('policies: definitions export carries them and import restores them (and validates them)', () => {
  const broker = new Broker();
  const users = UserStore.withDefaultUser();
  broker.addVhost('v1').setPolicy({
    vhost: 'v1',
    name: 'cap',
    pattern: '^jobs',
    applyTo: 'queues',
    priority: 2,
    definition: { 'max-length': 10, overflow: 'reject-publish' },
  });
  const defs = exportDefinitions(broker, users, '1');
  assert.deepEqual(defs['policies'], [
    {
      vhost: 'v1',
      name: 'cap',
      pattern: '^jobs',
      'apply-to': 'queues',
      definition: { 'max-length': 10, overflow: 'reject-publish' },
      priority: 2,
    },
  ]);
  const fresh = new Broker();
  importDefinitions(fresh, UserStore.withDefaultUser(), JSON.parse(JSON.stringify(defs)));
  assert.deepEqual(fresh.vhost('v1')?.policies.get('cap')?.definition, {
    'max-length': 10,
    overflow: 'reject-publish',
  });
  const bad = { policies: [{ vhost: 'v2', name: 'x', pattern: '.*', definition: { nope: 1 } }] };
  assert.throws(
    () => importDefinitions(fresh, UserStore.withDefaultUser(), bad),
    (e: any) => e.status === 400 && /not recognised policy settings/.test(e.reason),
  );
  assert.equal(fresh.vhost('v2'), undefined, 'a refused import writes nothing');
});
