// Operator commands as real processes (src/cli/main.ts through tsx) against a running
// management server: status, list queues (table and --json), users add, definitions export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from './stack.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** As warren() but authenticating as `user` with only what `args` give (no -p). */
function warrenAs(args: string[], url: string, user: string) {
  return run([...args, '--management', url, '-u', user]);
}

function warren(args: string[], url: string): Promise<{ code: number | null; out: string; err: string }> {
  return run([...args, '--management', url, '-u', 'admin', '-p', 'admin']);
}

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const script = `import(${JSON.stringify(MAIN)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

test('warren status, list, users, permissions, definitions via the management API', async () => {
  const s = await startStack();
  try {
    s.broker.scheduler.run(() => undefined);
    const [status, add, perms] = await Promise.all([
      warren(['status'], s.httpUrl),
      warren(['vhosts', 'add', 'ops'], s.httpUrl),
      warren(['users', 'add', 'carol', 'pw', '--tags', 'management'], s.httpUrl),
    ]);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /Objects: .* queues/);
    assert.equal(add.code, 0, add.err);
    assert.equal(perms.code, 0, perms.err);
    const set = await warren(['permissions', 'set', 'carol', '.*', '.*', '.*', '--vhost', 'ops'], s.httpUrl);
    assert.equal(set.code, 0, set.err);
    const [list, json, defs] = await Promise.all([
      (async () => {
        const ch = await import('amqplib').then((m) =>
          m.default.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`),
        );
        const c = await ch.createChannel();
        await c.assertQueue('cli-q');
        c.sendToQueue('cli-q', Buffer.from('x'));
        await c.checkQueue('cli-q');
        const r = await warren(['list', 'queues'], s.httpUrl);
        await ch.close();
        return r;
      })(),
      warren(['vhosts', 'list', '--json'], s.httpUrl),
      warren(['definitions', 'export'], s.httpUrl),
    ]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^vhost\s+name\s+ready\s+unacked\s+consumers/m);
    assert.match(list.out, /^\/\s+cli-q\s+1\s+0\s+0/m);
    assert.deepEqual(
      JSON.parse(json.out)
        .map((v: { name: string }) => v.name)
        .sort(),
      ['/', 'ops'],
    );
    const exported = JSON.parse(defs.out);
    assert.ok(
      exported.permissions.some(
        (p: { user: string; vhost: string }) => p.user === 'carol' && p.vhost === 'ops',
      ),
    );
    const bad = await warren(['list', 'nothing'], s.httpUrl);
    assert.equal(bad.code, 2);
    const refused = await warren(['reset'], s.httpUrl);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not confirmed/);

    // As rabbitmqctl: add_user on an existing user fails (exit 70), add_vhost twice succeeds.
    const again = await warren(['users', 'add', 'carol', 'other'], s.httpUrl);
    assert.equal(again.code, 70, again.err);
    assert.match(again.err, /User "carol" already exists/);
    const vhostAgain = await warren(['vhosts', 'add', 'ops'], s.httpUrl);
    assert.equal(vhostAgain.code, 0, vhostAgain.err);

    // --url means the AMQP broker everywhere: an HTTP address there names --management.
    const wrongFlag = await warren(['status', '--url', s.httpUrl], s.httpUrl);
    assert.equal(wrongFlag.code, 2);
    assert.match(
      wrongFlag.err,
      /--url is the AMQP broker address .* pass the management API with --management http:/,
    );

    // Passwords from files instead of argv: the new user's and the API's.
    const dir = mkdtempSync(join(tmpdir(), 'warren-pw-'));
    try {
      writeFileSync(join(dir, 'new'), 's3cret\n');
      const fromFile = await warren(
        ['users', 'add', 'dave', '--new-password-file', join(dir, 'new'), '--tags', 'monitoring'],
        s.httpUrl,
      );
      assert.equal(fromFile.code, 0, fromFile.err);
      assert.equal(
        typeof s.users.authenticate('dave', 's3cret', true),
        'object',
        'dave logs in with the file password',
      );
      const asDave = await warrenAs(['status', '--password-file', join(dir, 'new')], s.httpUrl, 'dave');
      assert.equal(asDave.code, 0, asDave.err);
      writeFileSync(join(dir, 'empty'), '\n');
      const empty = await warren(
        ['users', 'add', 'erin', '--new-password-file', join(dir, 'empty')],
        s.httpUrl,
      );
      assert.equal(empty.code, 1);
      assert.match(empty.err, /the file is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await s.close();
  }
});

test('warren policies set, list, clear (as rabbitmqctl set_policy / list_policies / clear_policy)', async () => {
  const s = await startStack();
  try {
    const set = await warren(
      [
        'policies',
        'set',
        'ttl',
        '^jobs\\.',
        '{"message-ttl":60000}',
        '--priority',
        '2',
        '--apply-to',
        'queues',
      ],
      s.httpUrl,
    );
    assert.equal(set.code, 0, set.err);
    assert.deepEqual(s.broker.vhost('/')?.policies.get('ttl')?.definition, { 'message-ttl': 60000 });
    const list = await warren(['policies', 'list'], s.httpUrl);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^vhost\s+name\s+pattern\s+apply-to\s+definition\s+priority/m);
    assert.match(list.out, /^\/\s+ttl\s+\^jobs\\\.\s+queues\s+\{"message-ttl":60000\}\s+2$/m);
    const bad = await warren(['policies', 'set', 'bad', '.*', '{"bogus":1}'], s.httpUrl);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /400 Validation failed/);
    assert.match(bad.err, /are not recognised policy settings/);
    const notJson = await warren(['policies', 'set', 'bad', '.*', '{nope'], s.httpUrl);
    assert.equal(notJson.code, 1);
    assert.match(notJson.err, /the definition is not valid JSON/);
    const clear = await warren(['policies', 'clear', 'ttl'], s.httpUrl);
    assert.equal(clear.code, 0, clear.err);
    assert.equal(s.broker.vhost('/')?.policies.size, 0);
    const again = await warren(['policies', 'clear', 'ttl'], s.httpUrl);
    assert.equal(again.code, 1);
    assert.match(again.err, /404/);
  } finally {
    await s.close();
  }
});
