// Real pika 1.x clients (examples/pika, Debian's /usr/bin/python3) against Warren's AMQP server
// on an ephemeral port: the six RabbitMQ tutorial patterns, asserted on what the programs print.
// INTEROP_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F runs the same tests against RabbitMQ
// (with prefixed names, deleted afterwards) to check the tests themselves.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PIKA_EXAMPLES, delay, withInterop } from '../helpers/interop.js';
import type { BrokerTarget, InteropContext, Proc, SpawnOptions } from '../helpers/interop.js';

const NAMES = {
  queues: ['hello', 'task_queue', 'rpc_queue'],
  exchanges: ['logs', 'direct_logs', 'topic_logs'],
};
const TIMEOUT = 30_000;

function pikaEnv(broker: BrokerTarget): SpawnOptions {
  return { cwd: PIKA_EXAMPLES, env: broker.env(), timeoutMs: 25_000 };
}

function run(t: Parameters<typeof withInterop>[0], body: (ctx: InteropContext) => Promise<void>) {
  return withInterop(t, { names: NAMES, spawn: pikaEnv }, body);
}

const script = (name: string): string => join(PIKA_EXAMPLES, name);

/** Runs a producer to completion and returns what it printed. */
async function produce(
  ctx: InteropContext,
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  return ctx.procs.python(script(name), args, { env }).expectSuccess(15_000);
}

function worker(ctx: InteropContext, label: string, env: Record<string, string>): Proc {
  return ctx.procs.python(script('worker.py'), [], { env: { WORKER_NAME: label, ...env } });
}

/** The task bodies a worker printed as received, in order. */
function received(p: Proc): string[] {
  return p.lines.flatMap((l) => {
    const m = /Received '([^']*)'/.exec(l);
    return m === null ? [] : [m[1]!];
  });
}

test('hello world: send.py → receive.py through the default exchange', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const rx = ctx.procs.python(script('receive.py'), [], { env: { MAX_MESSAGES: '1' } });
    await rx.waitForLine(/Waiting for messages/);
    const out = await produce(ctx, 'send.py');
    assert.deepEqual(out, [" [x] Sent 'Hello World!'"]);
    await rx.expectSuccess();
    assert.deepEqual(rx.lines.slice(1), [" [x] Received 'Hello World!'"]);
  });
});

test(
  'hello world: messages published before the consumer starts wait in the queue',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      await produce(ctx, 'send.py', ['first']);
      await produce(ctx, 'send.py', ['second']);
      const rx = ctx.procs.python(script('receive.py'), [], { env: { MAX_MESSAGES: '2' } });
      await rx.expectSuccess();
      assert.deepEqual(rx.lines.slice(1), [" [x] Received 'first'", " [x] Received 'second'"]);
    });
  },
);

test(
  'work queue: two workers with equal work share the tasks round-robin',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const env = { WORK_SECONDS: '0.2', MAX_MESSAGES: '3' };
      const a = worker(ctx, 'A', env);
      const b = worker(ctx, 'B', env);
      await a.waitForLine(/Waiting/);
      await b.waitForLine(/Waiting/);
      const tasks = ['t1.', 't2.', 't3.', 't4.', 't5.', 't6.'];
      await produce(ctx, 'new_task.py', tasks);
      await a.expectSuccess(15_000);
      await b.expectSuccess(15_000);
      const got = [...received(a), ...received(b)].sort();
      assert.deepEqual(got, tasks, 'every task processed exactly once');
      assert.equal(received(a).length, 3);
      assert.equal(received(b).length, 3);
      // The first two tasks go one to each worker.
      assert.deepEqual([received(a)[0], received(b)[0]].sort(), ['t1.', 't2.']);
      for (const p of [a, b]) {
        assert.equal(p.lines.filter((l) => / Done /.test(l)).length, 3);
      }
    });
  },
);

test(
  'work queue: fair dispatch with prefetch 1 — the fast worker does more',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const slow = worker(ctx, 'slow', { WORK_SECONDS: '0.6' });
      const fast = worker(ctx, 'fast', { WORK_SECONDS: '0.02' });
      await slow.waitForLine(/Waiting/);
      await fast.waitForLine(/Waiting/);
      const tasks = Array.from({ length: 10 }, (_, i) => `task${i}.`);
      await produce(ctx, 'new_task.py', tasks);
      // Everything is done once the two have finished 10 between them.
      const deadline = Date.now() + 10_000;
      while (received(slow).length + received(fast).length < 10 && Date.now() < deadline) await delay(50);
      await slow.waitForLines(/ Done /, received(slow).length, 5_000);
      const all = [...received(slow), ...received(fast)].sort();
      assert.deepEqual(all, [...tasks].sort(), 'every task processed exactly once');
      assert.ok(received(fast).length >= 7, `fast worker did ${received(fast).length} of 10`);
      assert.ok(received(slow).length <= 3, `slow worker did ${received(slow).length} of 10`);
      // Prefetch 1: the slow worker never holds two tasks at once (Received/Done alternate).
      const events = slow.lines
        .filter((l) => /Received|Done/.test(l))
        .map((l) => (/Received/.test(l) ? 'R' : 'D'));
      assert.ok(!events.join('').includes('RR'), `slow worker lines: ${slow.lines.join(' | ')}`);
    });
  },
);

test(
  'work queue: a SIGKILLed worker’s unacked task is redelivered to the other worker',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const doomed = worker(ctx, 'doomed', { WORK_SECONDS: '10' });
      await doomed.waitForLine(/Waiting/);
      await produce(ctx, 'new_task.py', ['important.', 'second']);
      await doomed.waitForLine(/Received 'important\.'/);
      const survivor = worker(ctx, 'survivor', { WORK_SECONDS: '0.05', MAX_MESSAGES: '2' });
      await survivor.waitForLine(/Waiting/);
      // The survivor gets the other task, but not the one the doomed worker holds unacked.
      await survivor.waitForLine(/Done 'second'/);
      await delay(200);
      assert.deepEqual(received(survivor), ['second']);
      doomed.kill('SIGKILL');
      const line = await survivor.waitForLine(/Received 'important\.'/);
      assert.match(line, /\(redelivered\)$/);
      await survivor.expectSuccess();
      assert.ok(!doomed.lines.some((l) => /Done/.test(l)));
    });
  },
);

test(
  'work queue: durable queue and persistent messages are accepted (queue survives the producer)',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      await produce(ctx, 'new_task.py', ['later..']);
      const w = worker(ctx, 'W', { WORK_SECONDS: '0.01', MAX_MESSAGES: '1' });
      await w.expectSuccess();
      assert.deepEqual(received(w), ['later..']);
    });
  },
);

test('user root/root: the examples connect, publish and consume as root', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    if (ctx.broker.external) {
      t.skip('the external broker has no root/root user');
      return;
    }
    const env = ctx.broker.env('root', 'root');
    const w = ctx.procs.python(script('worker.py'), [], {
      env: { ...env, WORK_SECONDS: '0.01', MAX_MESSAGES: '2' },
    });
    await w.waitForLine(/Waiting/);
    await ctx.procs.python(script('new_task.py'), ['one.', 'two-'], { env }).expectSuccess();
    await w.expectSuccess();
    assert.deepEqual(received(w), ['one.', 'two-']);
  });
});

test('a wrong password is refused (pika raises an authentication error)', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const p = ctx.procs.python(script('send.py'), [], { env: ctx.broker.env('guest', 'not-the-password') });
    const status = await p.waitForExit(15_000);
    assert.notEqual(status.code, 0);
    assert.match(p.errLines.join('\n'), /ProbableAuthenticationError|AuthenticationError|ACCESS_REFUSED/);
  });
});

test('fanout: both receive_logs.py instances get the emitted log', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const r1 = ctx.procs.python(script('receive_logs.py'), [], { env: { MAX_MESSAGES: '2' } });
    const r2 = ctx.procs.python(script('receive_logs.py'), [], { env: { MAX_MESSAGES: '2' } });
    const q1 = await r1.waitForLine(/Waiting for logs on (\S+)/);
    const q2 = await r2.waitForLine(/Waiting for logs on (\S+)/);
    assert.notEqual(q1, q2, 'each receiver has its own server-named queue');
    assert.match(q1, /on amq\.gen-/);
    await produce(ctx, 'emit_log.py', ['info: first']);
    await produce(ctx, 'emit_log.py', ['warning: second']);
    await r1.expectSuccess();
    await r2.expectSuccess();
    for (const r of [r1, r2])
      assert.deepEqual(r.lines.slice(1), [' [x] info: first', ' [x] warning: second']);
  });
});

test('direct: severities route only to the queues bound with them', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const errors = ctx.procs.python(script('receive_logs_direct.py'), ['error'], {
      env: { MAX_MESSAGES: '1' },
    });
    const infoWarn = ctx.procs.python(script('receive_logs_direct.py'), ['info', 'warning'], {
      env: { MAX_MESSAGES: '2' },
    });
    await errors.waitForLine(/Waiting/);
    await infoWarn.waitForLine(/Waiting/);
    for (const [severity, msg] of [
      ['debug', 'dropped'],
      ['info', 'hello'],
      ['error', 'disk full'],
      ['warning', 'careful'],
    ] as const) {
      assert.deepEqual(await produce(ctx, 'emit_log_direct.py', [severity, msg]), [
        ` [x] Sent ${severity}:${msg}`,
      ]);
    }
    await errors.expectSuccess();
    await infoWarn.expectSuccess();
    assert.deepEqual(errors.lines.slice(1), [' [x] error:disk full']);
    assert.deepEqual(infoWarn.lines.slice(1), [' [x] info:hello', ' [x] warning:careful']);
  });
});

test('direct: a receiver without arguments prints usage and exits 1', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const p = ctx.procs.python(script('receive_logs_direct.py'));
    assert.equal((await p.waitForExit()).code, 1);
    assert.match(p.errLines.join('\n'), /Usage:/);
  });
});

test('topic: `*` matches exactly one word and `#` zero or more', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const q1Keys = ['quick.orange.rabbit', 'lazy.orange.elephant', 'quick.orange.fox'];
    const q2Keys = [
      'quick.orange.rabbit',
      'lazy.orange.elephant',
      'lazy.brown.fox',
      'lazy.pink.rabbit',
      'lazy.orange.new.rabbit',
      'lazy',
    ];
    const q1 = ctx.procs.python(script('receive_logs_topic.py'), ['*.orange.*'], {
      env: { MAX_MESSAGES: String(q1Keys.length) },
    });
    const q2 = ctx.procs.python(script('receive_logs_topic.py'), ['*.*.rabbit', 'lazy.#'], {
      env: { MAX_MESSAGES: String(q2Keys.length) },
    });
    await q1.waitForLine(/Waiting/);
    await q2.waitForLine(/Waiting/);
    // Keys that match nothing go first: if one were misrouted it would displace a match below.
    const keys = [
      'quick.brown.fox',
      'orange',
      'quick.orange.new.rabbit',
      'quick.orange.male.rabbit',
      'lazy-orange.x',
      'quick.orange.rabbit',
      'lazy.orange.elephant',
      'quick.orange.fox',
      'lazy.brown.fox',
      'lazy.pink.rabbit',
      'lazy.orange.new.rabbit',
      'lazy',
    ];
    for (const key of keys) await produce(ctx, 'emit_log_topic.py', [key, `msg-${key}`]);
    await q1.expectSuccess();
    await q2.expectSuccess();
    assert.deepEqual(
      q1.lines.slice(1),
      q1Keys.map((k) => ` [x] ${k}:msg-${k}`),
    );
    assert.deepEqual(
      q2.lines.slice(1),
      q2Keys.map((k) => ` [x] ${k}:msg-${k}`),
    );
  });
});

test(
  'RPC: rpc_client.py gets fib(n) back through reply_to + correlation_id',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const server = ctx.procs.python(script('rpc_server.py'), [], { env: { MAX_MESSAGES: '4' } });
      await server.waitForLine(/Awaiting RPC requests/);
      const client = ctx.procs.python(script('rpc_client.py'), ['0', '10', '30', '90'], {
        env: { RPC_TIMEOUT: '10' },
      });
      const out = await client.expectSuccess(15_000);
      assert.deepEqual(out, [
        ' [x] Requesting fib(0)',
        ' [.] Got 0',
        ' [x] Requesting fib(10)',
        ' [.] Got 55',
        ' [x] Requesting fib(30)',
        ' [.] Got 832040',
        ' [x] Requesting fib(90)',
        ' [.] Got 2880067194370816120',
      ]);
      await server.expectSuccess();
      assert.deepEqual(server.lines.slice(1), [
        ' [.] fib(0)',
        ' [.] fib(10)',
        ' [.] fib(30)',
        ' [.] fib(90)',
      ]);
    });
  },
);

test('RPC: two clients at once each get their own answer', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const server = ctx.procs.python(script('rpc_server.py'), [], { env: { MAX_MESSAGES: '6' } });
    await server.waitForLine(/Awaiting RPC requests/);
    const c1 = ctx.procs.python(script('rpc_client.py'), ['1', '2', '3']);
    const c2 = ctx.procs.python(script('rpc_client.py'), ['20', '21', '22']);
    const [o1, o2] = await Promise.all([c1.expectSuccess(15_000), c2.expectSuccess(15_000)]);
    assert.deepEqual(
      o1.filter((l) => l.includes('Got')),
      [' [.] Got 1', ' [.] Got 1', ' [.] Got 2'],
    );
    assert.deepEqual(
      o2.filter((l) => l.includes('Got')),
      [' [.] Got 6765', ' [.] Got 10946', ' [.] Got 17711'],
    );
    await server.expectSuccess();
  });
});
