// Permission enforcement from real clients: configure, write and read refusals with
// RabbitMQ's 403 texts (amqplib, and pika through python3), plus the method table itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import amqp from 'amqplib';
import { UserStore } from '../../src/broker/access/user-store.js';
import { firstDenied } from '../../src/broker/access/permissions.js';
import { startStack } from './stack.js';

async function expectRefused(p: Promise<unknown>, text: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.match(e.message, /403/);
    assert.match(e.message, text);
    return true;
  });
}

test('the method table maps AMQP methods to configure/write/read as RabbitMQ', () => {
  const users = new UserStore();
  users.addUser('u', 'p');
  users.setPermissions('u', '/', { configure: '^c', write: '^w', read: '^r' });
  const d = (m: Parameters<typeof firstDenied>[3], o: Parameters<typeof firstDenied>[4]) =>
    firstDenied(users, 'u', '/', m, o);
  assert.equal(d('queue.declare', { queue: 'cq' }), undefined);
  assert.equal(d('queue.declare', { queue: 'wq' })?.kind, 'configure');
  assert.equal(d('queue.purge', { queue: 'rq' }), undefined);
  assert.equal(d('queue.purge', { queue: 'cq' })?.kind, 'read');
  assert.deepEqual(d('queue.bind', { queue: 'wq', exchange: 'wx' }), {
    kind: 'read',
    resource: 'exchange',
    name: 'wx',
  });
  assert.deepEqual(d('exchange.bind', { source: 'rx', destination: 'rx2' }), {
    kind: 'write',
    resource: 'exchange',
    name: 'rx2',
  });
  assert.equal(d('basic.publish', { exchange: '' })?.name, '');
  assert.equal(
    d('exchange.declare', { exchange: 'cx', arguments: { 'alternate-exchange': 'wae' } })?.kind,
    'read',
  );
});

test('amqplib: configure, write and read are enforced with RabbitMQ texts', async () => {
  const s = await startStack();
  s.users.addUser('app', 'pw');
  s.users.setPermissions('app', '/', {
    configure: '^app\\.',
    write: '^(app\\..*|amq\\.default)$',
    read: '^app\\.',
  });
  s.broker.scheduler.run(() => undefined);
  const admin = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
  const conn = await amqp.connect(`amqp://app:pw@127.0.0.1:${s.amqpPort}`);
  conn.on('error', () => undefined);
  try {
    const ach = await admin.createChannel();
    await ach.assertQueue('other');
    await ach.assertExchange('other.x', 'fanout');
    let ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.assertQueue('app.q');
    await expectRefused(
      ch.assertQueue('forbidden'),
      /access to queue 'forbidden' in vhost '\/' refused for user 'app'/,
    );
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await expectRefused(
      ch.assertExchange('nope', 'direct'),
      /access to exchange 'nope' in vhost '\/' refused for user 'app'/,
    );
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await expectRefused(
      ch.bindQueue('app.q', 'other.x', ''),
      /access to exchange 'other.x' in vhost '\/' refused/,
    );
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await expectRefused(
      ch.checkQueue('app.q').then(() => ch.get('other')),
      /access to queue 'other' in vhost '\/' refused for user 'app'/,
    );
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await expectRefused(ch.purgeQueue('other'), /access to queue 'other'/);
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
    ch.publish('other.x', '', Buffer.from('x'));
    assert.match(
      String(await closed),
      /403.*access to exchange 'other.x' in vhost '\/' refused for user 'app'/,
    );
    ch = await conn.createChannel();
    assert.ok(ch.sendToQueue('app.q', Buffer.from('ok')));
    await ch.checkQueue('app.q');
    const got = await ch.get('app.q', { noAck: true });
    assert.ok(got !== false && got.content.toString() === 'ok');
  } finally {
    await conn.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    await s.close();
  }
});

test(
  'pika: a refused declare, publish and consume are channel errors 403',
  { skip: !hasPika() },
  async () => {
    const s = await startStack();
    s.users.addUser('py', 'pw');
    s.users.setPermissions('py', '/', { configure: '^py$', write: '^amq\\.default$', read: '^nothing$' });
    try {
      const script = `
import pika, sys
params = pika.ConnectionParameters('127.0.0.1', ${s.amqpPort}, '/', pika.PlainCredentials('py', 'pw'))
conn = pika.BlockingConnection(params)
out = []
def attempt(name, fn):
    ch = conn.channel()
    try:
        fn(ch); out.append(name + ':ok')
    except pika.exceptions.ChannelClosedByBroker as e:
        out.append(name + ':' + str(e.reply_code) + ':' + e.reply_text)
attempt('configure', lambda ch: ch.queue_declare('denied'))
attempt('declare', lambda ch: ch.queue_declare('py'))
attempt('read', lambda ch: ch.basic_get('py'))
print('\\n'.join(out))
conn.close()
`;
      const out = await runPython(script);
      assert.match(
        out,
        /configure:403:ACCESS_REFUSED - access to queue 'denied' in vhost '\/' refused for user 'py'/,
      );
      assert.match(out, /declare:ok/);
      assert.match(out, /read:403:ACCESS_REFUSED - access to queue 'py' in vhost '\/' refused for user 'py'/);
    } finally {
      await s.close();
    }
  },
);

function hasPika(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', 'import pika'], { timeout: 10_000 }).status === 0;
}

function runPython(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python exited ${code}: ${err}`));
    });
  });
}
