/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies in tests */
// The management plane's defences, as an attacker or a careless operator would meet them:
// /metrics needs a management user (or its own listener), cross-site writes are refused
// (foreign Origin, non-JSON bodies), the dashboard cannot be framed, blank passwords never
// log in and cannot be set, permission patterns that backtrack catastrophically are refused,
// and a definitions document with one bad entry changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { ManagementServer } from '../../src/transports/http/management-server.js';
import { api, auth, startStack } from './stack.js';
import { ProcessGroup, freePort, startWarrenCli } from '../helpers/interop.js';

test('/metrics: 401 without a management user, 200 with one; a separate listener serves it without auth', async () => {
  const s = await startStack();
  try {
    const anonymous = await fetch(`${s.httpUrl}/metrics`);
    assert.equal(anonymous.status, 401);
    s.users.addUser('app', 'app', []);
    assert.equal((await fetch(`${s.httpUrl}/metrics`, { headers: auth('app', 'app') })).status, 401);
    s.users.addUser('prom', 'prom', ['monitoring']);
    const scraped = await fetch(`${s.httpUrl}/metrics`, { headers: auth('prom', 'prom') });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /^warren_connections /m);
  } finally {
    await s.close();
  }
  const s2 = await startStack();
  const separate = new ManagementServer({
    broker: s2.broker,
    users: s2.users,
    host: '127.0.0.1',
    port: 0,
    metrics: { port: 0 },
  });
  try {
    await separate.listen();
    const address = separate.metricsAddress!;
    assert.equal(address.host, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${address.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^warren_connections /m);
    assert.equal((await fetch(`http://127.0.0.1:${address.port}/api/overview`)).status, 404);
  } finally {
    await separate.close();
    await s2.close();
  }
});

test('CSRF: a foreign Origin or a non-JSON body cannot change anything; same-origin JSON can', async () => {
  const s = await startStack();
  try {
    const url = `${s.httpUrl}/api/queues/%2F/victim`;
    const put = (headers: Record<string, string>, body: string) =>
      fetch(url, { method: 'PUT', headers: { ...auth('admin', 'admin'), ...headers }, body });
    const foreign = await put({ 'content-type': 'application/json', origin: 'https://evil.example' }, '{}');
    assert.equal(foreign.status, 403);
    assert.match(
      ((await foreign.json()) as any).reason,
      /cross-origin request from https:\/\/evil\.example refused/,
    );
    const form = await put({ 'content-type': 'application/x-www-form-urlencoded' }, 'durable=true');
    assert.equal(form.status, 415);
    const plain = await put({ 'content-type': 'text/plain' }, '{}');
    assert.equal(plain.status, 415);
    assert.equal(s.broker.vhost('/')!.queues.has('victim'), false, 'nothing was declared');
    const del = await fetch(`${s.httpUrl}/api/queues/%2F/victim`, {
      method: 'DELETE',
      headers: { ...auth('admin', 'admin'), origin: 'http://attacker.test' },
    });
    assert.equal(del.status, 403);
    const own = await put({ 'content-type': 'application/json', origin: s.httpUrl }, '{"durable":false}');
    assert.equal(own.status, 201);
    assert.equal(s.broker.vhost('/')!.queues.has('victim'), true);
    const get = await fetch(`${s.httpUrl}/api/queues`, {
      headers: { ...auth('admin', 'admin'), origin: 'https://x.test' },
    });
    assert.equal(get.status, 200, 'reads are not refused (the browser keeps them from the other site)');
  } finally {
    await s.close();
  }
});

test('the dashboard and API cannot be framed and load only their own scripts', async () => {
  const s = await startStack();
  try {
    for (const path of ['/', '/app.js', '/api/overview']) {
      const res = await fetch(`${s.httpUrl}${path}`, { headers: auth('admin', 'admin') });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
    }
  } finally {
    await s.close();
  }
});

test('blank passwords: refused by the API and never log in (AMQP or HTTP), as RabbitMQ', async () => {
  const s = await startStack();
  try {
    const r = await api(s, 'PUT', '/users/blank', { password: '', tags: 'administrator' });
    assert.equal(r.status, 400);
    assert.match(r.body.reason, /password must not be empty/);
    assert.equal(s.users.getUser('blank'), undefined);
    // A user imported with the hash of the empty password still cannot log in.
    const defs = {
      users: [{ name: 'blank', password_hash: hashOfEmpty(s), tags: ['administrator'] }],
      permissions: [{ user: 'blank', vhost: '/', configure: '.*', write: '.*', read: '.*' }],
    };
    assert.equal((await api(s, 'POST', '/definitions', defs)).status, 204);
    assert.equal((await api(s, 'GET', '/overview', undefined, ['blank', ''])).status, 401);
    await assert.rejects(amqp.connect(`amqp://blank:@127.0.0.1:${s.amqpPort}`), /ACCESS_REFUSED|403/);
  } finally {
    await s.close();
  }
});

function hashOfEmpty(s: Awaited<ReturnType<typeof startStack>>): string {
  s.users.addUser('tmp-empty', '', []);
  const hash = s.users.getUser('tmp-empty')!.passwordHash;
  s.users.deleteUser('tmp-empty');
  return hash;
}

test('permission patterns that backtrack catastrophically are refused; ordinary ones accepted', async () => {
  const s = await startStack();
  try {
    s.users.addUser('app', 'app', []);
    const put = (read: string) =>
      api(s, 'PUT', '/permissions/%2F/app', {
        configure: '^app\\.',
        write: '^(amq\\.default|app\\..*)$',
        read,
      });
    for (const evil of ['^(a+)+$', '(a|a)*', '^(\\w*){2,}x', '((ab)*)+', '(a)\\1']) {
      const r = await put(evil);
      assert.equal(r.status, 400, evil);
      assert.match(r.body.reason, /^read: permission pattern/, evil);
    }
    assert.equal((await put('^app\\.[a-z0-9-]+(\\.dead)?$')).status, 201);
    assert.equal((await put('.*')).status, 204);
  } finally {
    await s.close();
  }
});

test('definitions import: one invalid entry anywhere and nothing is written', async () => {
  const s = await startStack();
  try {
    const defs = {
      vhosts: [{ name: 'imported' }],
      users: [{ name: 'newbie', password: 'pw', tags: [] }],
      permissions: [{ user: 'newbie', vhost: 'imported', configure: '.*', write: '.*', read: '.*' }],
      exchanges: [{ name: 'ok-x', vhost: 'imported', type: 'topic' }],
      queues: [{ name: 'ok-q', vhost: 'imported', durable: true }],
      bindings: [
        {
          source: 'ok-x',
          vhost: 'imported',
          destination: 'missing-q',
          destination_type: 'queue',
          routing_key: '#',
        },
      ],
    };
    const r = await api(s, 'POST', '/definitions', defs);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(s.broker.vhost('imported'), undefined, 'no vhost created');
    assert.equal(s.users.getUser('newbie'), undefined, 'no user created');
    const badType = await api(s, 'POST', '/definitions', {
      queues: [{ name: 'first', vhost: '/' }],
      exchanges: [{ name: 'x', vhost: '/', type: 'no-such-type' }],
    });
    assert.equal(badType.status >= 400 && badType.status < 500, true);
    assert.equal(s.broker.vhost('/')!.queues.has('first'), false);
    defs.bindings[0]!.destination = 'ok-q';
    assert.equal((await api(s, 'POST', '/definitions', defs)).status, 204);
    assert.ok(s.broker.vhost('imported')!.queues.has('ok-q'));
  } finally {
    await s.close();
  }
});

test('a management-tag user sees only its own connections and channels, and only its vhosts', async () => {
  const s = await startStack();
  s.broker.addVhost('private');
  s.users.addUser('mgr', 'mgr', ['management']);
  s.users.setPermissions('mgr', '/', { configure: '.*', write: '.*', read: '.*' });
  const admin = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
  const mine = await amqp.connect(`amqp://mgr:mgr@127.0.0.1:${s.amqpPort}`);
  try {
    await admin.createChannel();
    await mine.createChannel();
    const as = (user: string) => (path: string) => api(s, 'GET', path, undefined, [user, user]);
    const users = (rows: { user: string }[]) => rows.map((r) => r.user).sort();
    assert.deepEqual(users((await as('admin')('/connections')).body), ['admin', 'mgr']);
    assert.deepEqual(users((await as('mgr')('/connections')).body), ['mgr']);
    assert.deepEqual(users((await as('mgr')('/channels')).body), ['mgr']);
    const adminConn = (await as('admin')('/connections')).body.find((c: any) => c.user === 'admin');
    assert.equal((await as('mgr')(`/connections/${encodeURIComponent(adminConn.name)}`)).status, 404);
    assert.deepEqual(
      (await as('mgr')('/vhosts')).body.map((v: { name: string }) => v.name),
      ['/'],
    );
    assert.equal((await as('mgr')('/queues/private')).status, 401);
  } finally {
    await admin.close();
    await mine.close();
    await s.close();
  }
});

test('warren broker --http-port --metrics-port: /metrics needs auth on the API port, not on its own loopback port', async () => {
  const procs = new ProcessGroup();
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  try {
    const broker = await startWarrenCli(procs, [
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
    ]);
    await broker.proc.waitForLine(/warren metrics listening on http:\/\/127\.0\.0\.1:\d+\/metrics/, 15_000);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status, 401);
    const open = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(open.status, 200);
    assert.match(await open.text(), /^warren_connections /m);
    await broker.close();
  } finally {
    await procs.stopAll();
  }
});
