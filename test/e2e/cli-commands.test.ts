// The `warren` commands as a user runs them: the real bin (built dist/), its stdout, stderr and
// exit code. User errors must be one line and a non-zero exit. The worker/call/enqueue/publish/
// purge/delete flow runs against the RabbitMQ at 127.0.0.1:5672 with per-run unique names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/warren.js');
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const RABBIT = 'amqp://guest:guest@127.0.0.1:5672';
const { WARREN_URL: _unset, ...baseEnv } = process.env;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function warren(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    env: { ...baseEnv, ...options.env },
    timeout: 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** A user error: exit 1, exactly one line on stderr matching `pattern`, no stack. */
function assertUserError(r: Result, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const COMMANDS = ['worker', 'call', 'enqueue', 'publish', 'purge', 'delete', 'dead', 'new'];

test('every command has --help', async () => {
  for (const name of COMMANDS) {
    const r = await warren([name, '--help']);
    assert.equal(r.status, 0, name);
    assert.match(r.stdout, new RegExp(`^Usage: warren ${name} `), name);
  }
  const top = await warren(['--help']);
  for (const name of COMMANDS) assert.match(top.stdout, new RegExp(`\\n  ${name}\\s+\\S`));
});

test('new --list shows the templates with descriptions', async () => {
  const r = await warren(['new', '--list']);
  assert.equal(r.status, 0);
  for (const t of ['worker', 'rpc', 'pubsub']) assert.match(r.stdout, new RegExp(`^${t}\\s+\\S`, 'm'));
});

test('new scaffolds a project, renders placeholders and refuses a non-empty directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-new-'));
  try {
    const r = await warren(['new', 'image-resizer', '--template', 'rpc'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const project = join(dir, 'image-resizer');
    for (const f of [
      'package.json',
      'tsconfig.json',
      'README.md',
      '.gitignore',
      'src/service.ts',
      'src/main.ts',
    ]) {
      assert.ok(existsSync(join(project, f)), f);
    }
    assert.ok(!existsSync(join(project, 'template.json')));
    const service = readFileSync(join(project, 'src/service.ts'), 'utf8');
    assert.match(service, /export class ImageResizerService/);
    assert.match(service, /'image-resizer\.quote'/);
    assert.doesNotMatch(service, /\{\{/);
    const again = await warren(['new', 'image-resizer', '--template', 'worker'], { cwd: dir });
    assertUserError(again, /refusing to write into .*image-resizer: the directory is not empty/);
    const other = await warren(['new', 'x', '-t', 'worker', '--dir', join(dir, 'elsewhere')], { cwd: dir });
    assert.equal(other.status, 0, other.stderr);
    assert.ok(existsSync(join(dir, 'elsewhere/src/service.ts')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user errors are one clear line and a non-zero exit', async () => {
  assertUserError(
    await warren(['new', 'thing', '--template', 'nope']),
    /unknown template 'nope' \(available: /,
  );
  assertUserError(await warren(['new', 'Bad Name', '--template', 'rpc']), /invalid name 'Bad Name'/);
  assertUserError(await warren(['call', 'x.y', '{bad', '--url', RABBIT]), /the request is not valid JSON/);
  assertUserError(await warren(['enqueue', 'x.y', '[1,', '--url', RABBIT]), /the payload is not valid JSON/);
  assertUserError(await warren(['call', 'x.y', '{}']), /no broker: pass --url amqp:\/\/… or set WARREN_URL/);
  assertUserError(await warren(['publish', 'ex', 'key', '--url', 'http://x']), /scheme must be amqp/);
  assertUserError(
    await warren(['call', 'x.y', '--url', 'amqp://guest:wrong-password@127.0.0.1:5672']),
    /cannot connect to amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672: ACCESS_REFUSED - Login was refused/,
  );
  assertUserError(
    await warren(['call', 'x.y', '--url', 'amqp://guest:guest@127.0.0.1:5672/no-such-vhost']),
    /cannot connect to .*: NOT_ALLOWED - vhost no-such-vhost not found/,
  );
  assertUserError(await warren(['worker', 'no/such/module.js']), /cannot find module 'no\/such\/module\.js'/);
  assertUserError(await warren(['worker', fixture('not-a-service.mjs')]), /no @Service class exported by/);
  const port = await closedPort();
  const refused = await warren(['call', 'x.y', '--url', `amqp://guest:secret@127.0.0.1:${port}`]);
  assertUserError(
    refused,
    new RegExp(`cannot connect to amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
  );
  const verbose = await warren(['purge', 'q', '--url', `amqp://127.0.0.1:${port}`, '--verbose']);
  assert.equal(verbose.status, 1);
  assert.match(verbose.stderr, /\n\s+at /, 'a stack with --verbose');
  assert.equal((await warren(['call'])).status, 2, 'missing argument is a usage error');
});

test('a .ts module decorated by a second copy of warren is reported clearly', async () => {
  // In this repository tsx maps 'warren' to src/ (tsconfig paths) while the bin runs dist/.
  const r = await warren(['worker', fixture('ts-service.ts')]);
  assertUserError(r, /decorated by another copy of warren than this CLI's/);
});

test('worker without --url (embedded broker) stays up until a signal', async () => {
  const worker = startWorker(`e2e.${randomBytes(4).toString('hex')}`, null);
  try {
    const banner = await worker.ready;
    assert.match(banner, /broker: embedded/);
    // Nothing keeps an embedded broker's process alive but the worker itself: it must wait.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(worker.child.exitCode, null, 'still running before any signal');
    worker.child.kill('SIGTERM');
    const stopped = await worker.exited;
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stderr, /warren worker: stopped/);
  } finally {
    worker.child.kill('SIGKILL');
  }
});

// ---- against RabbitMQ ----

function startWorker(
  prefix: string,
  url: string | null = RABBIT,
): {
  child: ChildProcess;
  ready: Promise<string>;
  exited: Promise<Result>;
  stderr: () => string;
} {
  const urlArgs = url === null ? [] : ['--url', url];
  const child = spawn(
    process.execPath,
    [bin, 'worker', fixture('counter-service.mjs'), ...urlArgs, '--concurrency', '5'],
    { cwd: root, env: { ...baseEnv, E2E_PREFIX: prefix } },
  );
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('worker ready')) resolve(stdout);
    });
    child.on('exit', () => reject(new Error(`worker exited before ready\n${stdout}\n${stderr}`)));
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Result>((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
  return { child, ready, exited, stderr: () => stderr };
}

async function stats(prefix: string): Promise<{ tasks: number; events: number }> {
  const r = await warren(['call', `${prefix}.stats`, '--url', RABBIT]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { tasks: number; events: number };
}

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('worker + call / enqueue / publish / purge / delete on RabbitMQ', async () => {
  const p = `e2e-cli-${randomBytes(4).toString('hex')}`;
  const url = ['--url', RABBIT];
  const worker = startWorker(p);
  try {
    const banner = await worker.ready;
    assert.match(banner, /broker: amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672/);
    assert.match(banner, new RegExp(`task\\s+${p}\\.count\\s+queue=${p}\\.count prefetch=5 concurrency=5`));
    assert.match(banner, new RegExp(`rpc\\s+${p}\\.echo\\s+queue=${p}\\.echo prefetch=5`));
    assert.match(banner, new RegExp(`subscribe\\s+${p}\\.events \\(topic\\) pattern=# prefetch=5`));

    const echo = await warren(['call', `${p}.echo`, '{"hello":"world"}', ...url]);
    assert.equal(echo.status, 0, echo.stderr);
    assert.deepEqual(JSON.parse(echo.stdout), { echo: { hello: 'world' } });
    assertUserError(await warren(['call', `${p}.fail`, '{"why":"because"}', ...url]), /refused: because/);
    assertUserError(
      await warren(['call', `${p}.missing`, ...url]),
      /no handler for .*no worker serves procedure/,
    );
    assertUserError(await warren(['enqueue', `${p}.missing`, ...url]), /unroutable.*no queue/);

    const enq = await warren(['enqueue', `${p}.count`, '{"n":1}', '--count', '100', ...url]);
    assert.equal(enq.status, 0, enq.stderr);
    assert.match(
      enq.stdout,
      new RegExp(`^enqueued 100 messages to '${p}\\.count' in [\\d.]+ s \\(\\d+ msgs/s\\)`),
    );
    await until(async () => (await stats(p)).tasks === 100);

    const pub = await warren(['publish', `${p}.events`, 'a.b', '{}', '--count', '10', ...url]);
    assert.equal(pub.status, 0, pub.stderr);
    assert.match(pub.stdout, /^published 10 messages to /);
    await until(async () => (await stats(p)).events === 10);

    // The worker logs each failed attempt, the retry (attempt n/m, delay) and the dead-letter.
    const flaky = await warren(['enqueue', `${p}.flaky`, '{"n":7}', ...url]);
    assert.equal(flaky.status, 0, flaky.stderr);
    await until(() => Promise.resolve(worker.stderr().includes('dead-lettered')));
    const log = worker.stderr();
    assert.match(log, new RegExp(`task ${p}\\.flaky \\S+ failed \\(attempt 1/2\\): Error: flaky 7`));
    assert.match(log, new RegExp(`task ${p}\\.flaky \\S+ retrying in 50 ms \\(after attempt 1/2\\)`));
    assert.match(log, new RegExp(`task ${p}\\.flaky \\S+ failed \\(attempt 2/2\\)`));
    assert.match(
      log,
      new RegExp(
        `task ${p}\\.flaky \\S+ dead-lettered to ${p}\\.flaky\\.dead \\(retries-exhausted, attempt 2/2\\)`,
      ),
    );

    worker.child.kill('SIGTERM');
    const stopped = await worker.exited;
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stderr, /warren worker: stopped/);

    const three = await warren(['enqueue', `${p}.count`, '--count', '3', ...url]);
    assert.equal(three.status, 0, three.stderr);
    const purge = await warren(['purge', `${p}.count`, ...url]);
    assert.equal(purge.stdout.trim(), `purged 3 messages from '${p}.count'`);
    assertUserError(await warren(['purge', `${p}.nope`, ...url]), /NOT_FOUND/);
  } finally {
    worker.child.kill('SIGKILL');
    const flakyQueues = [`${p}.flaky`, `${p}.flaky.dead`, `${p}.flaky.quarantine`, `${p}.flaky.retry.50`];
    for (const q of [
      `${p}.count`,
      `${p}.count.dead`,
      `${p}.count.quarantine`,
      `${p}.echo`,
      `${p}.fail`,
      `${p}.stats`,
      ...flakyQueues,
    ]) {
      await warren(['delete', 'queue', q, ...url]);
    }
    const ex = await warren(['delete', 'exchange', `${p}.events`, ...url]);
    assert.equal(ex.stdout.trim(), `deleted exchange '${p}.events'`);
  }
});
