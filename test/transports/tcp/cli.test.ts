// `warren broker` as a process (through tsx, no build needed): listening line, a client
// connects with a --user login, SIGTERM closes connections with 320 and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { BROKER_USAGE, createBrokerServer, parseBrokerArgs } from '../../../src/cli/commands/broker.js';
import { silentLogger } from '../../../src/transports/tcp/logger.js';
import { withTimeout } from '../../helpers/server.js';

test('parseBrokerArgs: defaults, repeatable --user, bad options', () => {
  assert.deepEqual(parseBrokerArgs([]), { port: 5672, host: '0.0.0.0', users: [], vhosts: [] });
  const c = parseBrokerArgs(['--port', '0', '--user', 'a:b:c', '--user', 'x:y']);
  assert.ok(c !== 'help');
  assert.deepEqual(
    c.users.map((u) => [u.name, u.password]),
    [
      ['a', 'b:c'],
      ['x', 'y'],
    ],
  );
  assert.throws(() => parseBrokerArgs(['--frobnicate']), /unknown option/);
  assert.throws(() => parseBrokerArgs(['--user', 'nopass']), /NAME:PASSWORD/);
  assert.equal(parseBrokerArgs(['--help']), 'help');
});

test('warren broker: listens, serves a --user login, SIGTERM → 320 and exit 0', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'warren-broker-')), 'data');
  const main = new URL('../../../src/cli/main.ts', import.meta.url).pathname;
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      script,
      'broker',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--user',
      'root:root',
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const port = await withTimeout(
      new Promise<number>((resolve) => {
        child.stdout.on('data', () => {
          const m = /warren broker listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m !== null) resolve(Number(m[1]));
        });
      }),
      15_000,
      'listening line',
    );
    assert.ok(existsSync(dataDir));
    const conn = await amqp.connect(`amqp://root:root@127.0.0.1:${port}`);
    const closed = new Promise<Error>((resolve) => conn.on('close', resolve));
    conn.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.match(String(await withTimeout(closed, 5000, 'close')), /320/);
    assert.equal(await withTimeout(exited, 5000, 'exit'), 0);
    assert.match(out, /connection .* opened: user 'root'/);
  } finally {
    child.kill('SIGKILL');
  }
});

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'warren-config-')), 'broker.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const parseConfig = (content: unknown) => parseBrokerArgs(['--config', configFile(content)]);

test('--config: users with per-vhost permissions; no permissions means full access to "/"', () => {
  const c = parseConfig({
    vhosts: ['orders'],
    users: [
      { name: 'admin', password: 'a', tags: ['administrator'] },
      {
        name: 'app',
        password: 'b',
        permissions: {
          orders: { configure: '^app\\.', write: '.*', read: '.*' },
          '/': { configure: '', write: '', read: '.*' },
        },
      },
    ],
  });
  assert.ok(c !== 'help');
  assert.deepEqual(c.vhosts, ['orders']);
  assert.deepEqual(c.users, [
    { name: 'admin', password: 'a', tags: ['administrator'] },
    {
      name: 'app',
      password: 'b',
      tags: [],
      permissions: {
        orders: { configure: '^app\\.', write: '.*', read: '.*' },
        '/': { configure: '', write: '', read: '.*' },
      },
    },
  ]);
  assert.match(BROKER_USAGE, /"permissions": \{ "orders": \{ "configure"/);
  assert.match(BROKER_USAGE, /without "permissions" gets full access to "\/"/);
});

test('--config: invalid configs are refused with one-line errors', () => {
  const cases: [unknown, RegExp][] = [
    ['{ not json', /cannot read config .*broker\.json: /],
    [[], /must be a JSON object/],
    [{ port: 'x' }, /invalid port 'x'/],
    [{ heartbeat: '60' }, /"heartbeat" must be a non-negative number/],
    [{ vhosts: 'orders' }, /"vhosts" must be an array of non-empty strings/],
    [{ users: {} }, /"users" must be an array/],
    [{ users: [{ name: 'a' }] }, /users\[0\] needs a string name and password/],
    [{ users: [{ name: 'a', password: 'p', tag: [] }] }, /user 'a': unknown key "tag"/],
    [{ users: [{ name: 'a', password: 'p', tags: 'x' }] }, /user 'a': "tags" must be an array of strings/],
    [
      {
        users: [
          { name: 'a', password: 'p' },
          { name: 'a', password: 'q' },
        ],
      },
      /user 'a' is listed twice/,
    ],
    [{ users: [{ name: 'a', password: 'p', permissions: [] }] }, /user 'a': "permissions" must be an object/],
    [
      {
        users: [
          { name: 'a', password: 'p', permissions: { orders: { configure: '', write: '', read: '' } } },
        ],
      },
      /user 'a', vhost 'orders': unknown vhost \(use "\/" or add it to "vhosts"\)/,
    ],
    [
      { users: [{ name: 'a', password: 'p', permissions: { '/': { configure: '.*', write: '.*' } } }] },
      /user 'a', vhost '\/': "read" must be a regex string/,
    ],
    [
      {
        users: [{ name: 'a', password: 'p', permissions: { '/': { configure: '(', write: '', read: '' } } }],
      },
      /user 'a', vhost '\/': "configure" is not a valid regex/,
    ],
    [
      {
        users: [
          { name: 'a', password: 'p', permissions: { '/': { configure: '', write: '', read: '', all: '' } } },
        ],
      },
      /unknown key "all" \(expected configure, write, read\)/,
    ],
  ];
  for (const [content, message] of cases) {
    assert.throws(
      () => parseConfig(content),
      (e: Error) => {
        assert.match(e.message, message);
        assert.equal(e.message.includes('\n'), false, e.message);
        return true;
      },
    );
  }
});

test('--config permissions are enforced by the server', async () => {
  const c = parseConfig({
    port: 0,
    host: '127.0.0.1',
    vhosts: ['orders'],
    users: [
      { name: 'full', password: 'f' },
      {
        name: 'app',
        password: 'b',
        permissions: { orders: { configure: '^app\\.', write: '.*', read: '.*' } },
      },
    ],
  });
  assert.ok(c !== 'help');
  const server = createBrokerServer(c, silentLogger);
  const { port } = await server.listen();
  const url = (user: string, pass: string, vhost = '') => `amqp://${user}:${pass}@127.0.0.1:${port}/${vhost}`;
  try {
    // default: full access to "/" only
    const full = await amqp.connect(url('full', 'f'));
    await (await full.createChannel()).assertQueue('anything');
    await full.close();
    await assert.rejects(amqp.connect(url('full', 'f', 'orders')), /ConnectionClose|530/);
    // explicit permissions: only the listed vhost, with its patterns
    await assert.rejects(amqp.connect(url('app', 'b')), /ConnectionClose|530/);
    const app = await amqp.connect(url('app', 'b', 'orders'));
    const ch = await app.createChannel();
    await ch.assertQueue('app.q');
    app.on('error', () => undefined);
    await assert.rejects(
      ch.assertQueue('other'),
      /403 .*ACCESS_REFUSED - access to queue 'other' in vhost 'orders' refused/,
    );
    await app.close().catch(() => undefined);
  } finally {
    await server.close({ reason: 'test finished' });
  }
});

test('parseBrokerArgs: --disk-free-limit and --max-message-size take RabbitMQ size units', () => {
  const cfg = parseBrokerArgs(['--disk-free-limit', '50MB', '--max-message-size', '128MiB']);
  assert.ok(cfg !== 'help');
  assert.equal(cfg.diskFreeLimit, 50_000_000);
  assert.equal(cfg.maxMessageSize, 128 * 1024 * 1024);
  assert.equal((parseBrokerArgs(['--disk-free-limit', '0']) as { diskFreeLimit: number }).diskFreeLimit, 0);
  assert.throws(() => parseBrokerArgs(['--max-message-size', 'lots']), /invalid size 'lots'/);
});
