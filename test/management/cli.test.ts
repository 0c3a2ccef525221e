// Operator commands as real processes (src/cli/main.ts through tsx) against a running
// management server: status, list queues (table and --json), users add, definitions export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStack } from './stack.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function warren(args: string[], url: string): Promise<{ code: number | null; out: string; err: string }> {
  const script = `import(${JSON.stringify(MAIN)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', script, ...args, '--url', url, '-u', 'admin', '-p', 'admin'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
  } finally {
    await s.close();
  }
});
