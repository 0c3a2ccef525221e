// `warren broker` as a process (through tsx, no build needed): listening line, a client
// connects with a --user login, SIGTERM closes connections with 320 and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { parseBrokerArgs } from '../../src/cli/commands/broker.js';
import { withTimeout } from '../helpers/server.js';

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
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
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
