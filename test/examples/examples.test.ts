// Runs every example as a user would (`node --import tsx examples/<name>.ts`, i.e. what
// `npx tsx` does) and checks what it prints. Each run is bounded; all use the embedded broker
// (the polyglot one also opens Warren's AMQP server on a free port and runs /usr/bin/python3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

function runExample(file: string, timeout = 30_000): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('close', (status) => resolve({ status, stdout, stderr, lines: stdout.trimEnd().split('\n') }));
  });
}

async function example(name: string): Promise<Run> {
  const r = await runExample(`examples/${name}`);
  assert.equal(r.status, 0, `${name} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('hello-world: one message sent and received', async () => {
  const r = await example('hello-world.ts');
  assert.ok(r.lines.includes(" [x] Sending 'Hello World!'"));
  assert.ok(r.lines.includes(' [x] Received Hello World!'));
});

test('work-queues: fair dispatch gives the fast worker more of the 20 tasks', async () => {
  const r = await example('work-queues.ts');
  const m = /^fast worker: (\d+) tasks, slow worker: (\d+) tasks$/.exec(r.lines.at(-1) ?? '');
  assert.ok(m, r.stdout);
  const [fast, slow] = [Number(m[1]), Number(m[2])];
  assert.equal(fast + slow, 20);
  assert.ok(fast > slow, `fast ${fast} ≤ slow ${slow}`);
  assert.ok(slow >= 1, 'the slow worker got no task');
});

test('publish-subscribe: both subscribers get all three messages', async () => {
  const r = await example('publish-subscribe.ts');
  assert.equal(r.lines.filter((l) => l.startsWith(' [screen] ')).length, 3);
  assert.equal(r.lines.filter((l) => l.startsWith(' [archive] ')).length, 3);
  assert.equal(r.lines.at(-1), '3 messages published, 6 delivered (each subscriber got all)');
});

test('routing: errors reach disk and console, info and warning only the console, debug nobody', async () => {
  const r = await example('routing.ts');
  assert.deepEqual(
    r.lines.filter((l) => l.startsWith(' [disk] ')),
    [' [disk] error: payment failed'],
  );
  const consoleLines = r.lines.filter((l) => l.startsWith(' [console] ')).sort();
  assert.deepEqual(consoleLines, [
    ' [console] error: payment failed',
    ' [console] info: user logged in',
    ' [console] warning: slow response',
  ]);
  assert.ok(!r.stdout.includes('debug'.concat(':')));
});

test('topics: * matches one word, # zero or more', async () => {
  const r = await example('topics.ts');
  const got = (prefix: string) =>
    r.lines
      .filter((l) => l.startsWith(` [${prefix}] `))
      .map((l) => l.slice(prefix.length + 4))
      .sort();
  assert.deepEqual(got('Q1 *.orange.*'), ['lazy.orange.elephant', 'quick.orange.fox', 'quick.orange.rabbit']);
  assert.deepEqual(got('Q2 *.*.rabbit'), ['lazy.pink.rabbit', 'quick.orange.rabbit']);
  assert.deepEqual(got('Q2 lazy.#'), [
    'lazy.brown.fox',
    'lazy.orange.elephant',
    'lazy.orange.new.rabbit',
    'lazy.pink.rabbit',
  ]);
  assert.equal(r.lines.at(-1), '8 messages published, 9 deliveries');
});

test('rpc: replies with fib(n), refuses an invalid request', async () => {
  const r = await example('rpc.ts');
  assert.ok(r.lines.includes(' [.] Got 55'));
  assert.ok(r.lines.includes(' [.] Got 832040'));
  assert.ok(r.lines.some((l) => l.startsWith(' [!] fib(99) refused: ERR_VALIDATION')));
});

test('polyglot: a pika program calls the RPC, enqueues the task and receives the event', async () => {
  const r = await runExample('examples/polyglot/main.ts', 60_000);
  const output = `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  const expected = [
    "[python] rpc polyglot.greet -> {'greeting': 'Hello, pika!', 'from': 'warren'}",
    '[warren] task polyglot.record ← {"kind":"signup","user":"ada"}',
    "[python] event recorded.signup -> {'kind': 'signup', 'user': 'ada', 'recordedBy': 'warren'}",
    '[warren] client.py exited 0; tasks recorded: 1',
  ];
  for (const line of expected) assert.ok(r.lines.includes(line), `missing: ${line}\n${output}`);
});
