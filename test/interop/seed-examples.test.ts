// CI's extra check: the pika programs in ../shared/seed-examples (written against RabbitMQ, next
// to this repository on the CI machine), run unmodified against Warren's AMQP server on an
// ephemeral port, with users guest/guest and root/root (as `warren broker --user root:root`).
// A user's clone has no ../shared, and then this file registers no tests at all; the project's
// own equivalents are examples/pika and test/interop/pika.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CLI_BROKER_COMMAND,
  ProcessGroup,
  REPO_ROOT,
  delay,
  startWarrenCli,
  withInterop,
} from '../helpers/interop.js';
import type { BrokerTarget, InteropContext, Proc } from '../helpers/interop.js';

const SEEDS = join(REPO_ROOT, '..', 'shared', 'seed-examples');
const TIMEOUT = 30_000;

function seedEnv(broker: BrokerTarget) {
  return { cwd: SEEDS, env: broker.env(), timeoutMs: 25_000 };
}

/** Seeds use fixed queue names, so they only ever run against a private Warren server. */
function run(t: Parameters<typeof withInterop>[0], body: (ctx: InteropContext) => Promise<void>) {
  return withInterop(t, { allowExternal: false, spawn: seedEnv }, body);
}

const seed = (name: string): string => join(SEEDS, name);

async function produce(ctx: InteropContext, name: string, args: string[] = []): Promise<string[]> {
  return ctx.procs.python(seed(name), args).expectSuccess(15_000);
}

function received(p: Proc): string[] {
  return p.lines.flatMap((l) => {
    const m = /(?:Received|received:) b?'([^']*)'/.exec(l);
    return m === null ? [] : [m[1]!];
  });
}

if (existsSync(SEEDS)) {
  test('seed hello world: send.py → receive.py', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const rx = ctx.procs.python(seed('receive.py'), [], { env: { MAX_MESSAGES: '1' } });
      await rx.waitForLine(/Waiting for messages/);
      assert.deepEqual(await produce(ctx, 'send.py'), [" [x] Sent 'Hello World!'"]);
      await rx.expectSuccess();
      assert.deepEqual(rx.lines.slice(1), [" [x] Received b'Hello World!'"]);
    });
  });

  test('seed work queue: round-robin between two workers for equal work', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const env = { WORK_SECONDS: '0.2', MAX_MESSAGES: '2' };
      const a = ctx.procs.python(seed('worker.py'), [], { env });
      const b = ctx.procs.python(seed('worker.py'), [], { env });
      await a.waitForLine(/Waiting/);
      await b.waitForLine(/Waiting/);
      const tasks = ['t1.', 't2.', 't3.', 't4.'];
      for (const task of tasks) await produce(ctx, 'new_task.py', [task]);
      await a.expectSuccess(15_000);
      await b.expectSuccess(15_000);
      assert.deepEqual([...received(a), ...received(b)].sort(), tasks);
      assert.deepEqual([received(a)[0], received(b)[0]].sort(), ['t1.', 't2.']);
    });
  });

  test(
    'seed work queue: fair dispatch (prefetch 1) — the fast worker does more',
    { timeout: TIMEOUT },
    async (t) => {
      await run(t, async (ctx) => {
        const slow = ctx.procs.python(seed('worker.py'), [], { env: { WORK_SECONDS: '3' } });
        const fast = ctx.procs.python(seed('worker.py'), [], { env: { WORK_SECONDS: '0.02' } });
        await slow.waitForLine(/Waiting/);
        await fast.waitForLine(/Waiting/);
        const tasks = Array.from({ length: 8 }, (_, i) => `task${i}.`);
        for (const task of tasks) await produce(ctx, 'new_task.py', [task]);
        const deadline = Date.now() + 10_000;
        while (received(slow).length + received(fast).length < tasks.length && Date.now() < deadline)
          await delay(50);
        assert.deepEqual([...received(slow), ...received(fast)].sort(), tasks);
        assert.ok(
          received(fast).length > received(slow).length,
          `fast ${received(fast).length}, slow ${received(slow).length}`,
        );
      });
    },
  );

  test(
    'seed work queue: a SIGKILLed worker’s unacked task goes to the other worker',
    { timeout: TIMEOUT },
    async (t) => {
      await run(t, async (ctx) => {
        const doomed = ctx.procs.python(seed('worker.py'), [], { env: { WORK_SECONDS: '10' } });
        await doomed.waitForLine(/Waiting/);
        await produce(ctx, 'new_task.py', ['important.']);
        await doomed.waitForLine(/Received 'important\.'/);
        const survivor = ctx.procs.python(seed('worker.py'), [], {
          env: { WORK_SECONDS: '0.05', MAX_MESSAGES: '1' },
        });
        await survivor.waitForLine(/Waiting/);
        await delay(300);
        assert.deepEqual(received(survivor), []);
        doomed.kill('SIGKILL');
        await survivor.expectSuccess();
        assert.deepEqual(received(survivor), ['important.']);
      });
    },
  );

  test('seed msg_pub.py / msg_worker.py as root/root', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const w = ctx.procs.python(seed('msg_worker.py'), [], {
        env: { WORK_SECONDS: '0.05', MAX_MESSAGES: '3' },
      });
      assert.deepEqual(await produce(ctx, 'msg_pub.py'), ['sent: new msg']);
      assert.deepEqual(await produce(ctx, 'msg_pub.py', ['job', '--']), ['sent: job --']);
      assert.deepEqual(await produce(ctx, 'msg_pub.py', ['last']), ['sent: last']);
      await w.expectSuccess();
      assert.deepEqual(w.lines, [
        "received: b'new msg'",
        'ok',
        "received: b'job --'",
        'ok',
        "received: b'last'",
        'ok',
      ]);
    });
  });

  // The first seed's setup exactly: the broker started from the command line with a root user.
  // (Registered once the CLI's broker command exists.)
  if (existsSync(CLI_BROKER_COMMAND)) {
    test(
      'seed msg_pub.py / msg_worker.py against `warren broker --user root:root`',
      { timeout: TIMEOUT },
      async () => {
        const procs = new ProcessGroup({ cwd: SEEDS, timeoutMs: 25_000 });
        let broker: Awaited<ReturnType<typeof startWarrenCli>> | undefined;
        try {
          broker = await startWarrenCli(procs, ['--user', 'root:root']);
          const env = broker.env();
          const w = procs.python(seed('msg_worker.py'), [], {
            env: { ...env, WORK_SECONDS: '0.05', MAX_MESSAGES: '2' },
          });
          assert.deepEqual(await procs.python(seed('msg_pub.py'), ['a-'], { env }).expectSuccess(15_000), [
            'sent: a-',
          ]);
          assert.deepEqual(await procs.python(seed('msg_pub.py'), ['b'], { env }).expectSuccess(15_000), [
            'sent: b',
          ]);
          assert.deepEqual(await w.expectSuccess(), ["received: b'a-'", 'ok', "received: b'b'", 'ok']);
        } catch (err) {
          if (err instanceof Error) err.message += `\n=== all processes ===\n${procs.transcript()}`;
          throw err;
        } finally {
          await procs.stopAll();
          await broker?.close();
        }
      },
    );
  }

  test('seed fanout: two receive_logs.py both get emit_log.py’s message', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const r1 = ctx.procs.python(seed('receive_logs.py'), [], { env: { MAX_MESSAGES: '1' } });
      const r2 = ctx.procs.python(seed('receive_logs.py'), [], { env: { MAX_MESSAGES: '1' } });
      await r1.waitForLine(/Waiting/);
      await r2.waitForLine(/Waiting/);
      await produce(ctx, 'emit_log.py');
      for (const r of [r1, r2])
        assert.deepEqual((await r.expectSuccess()).slice(1), [' [x] info: Hello World!']);
    });
  });

  test('seed direct: severity routing', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const errors = ctx.procs.python(seed('receive_logs_direct.py'), ['error'], {
        env: { MAX_MESSAGES: '1' },
      });
      const infoWarn = ctx.procs.python(seed('receive_logs_direct.py'), ['info', 'warning'], {
        env: { MAX_MESSAGES: '2' },
      });
      await errors.waitForLine(/Waiting/);
      await infoWarn.waitForLine(/Waiting/);
      await produce(ctx, 'emit_log_direct.py', ['debug', 'dropped']);
      await produce(ctx, 'emit_log_direct.py', ['info', 'hello']);
      await produce(ctx, 'emit_log_direct.py', ['error', 'boom']);
      await produce(ctx, 'emit_log_direct.py', ['warning', 'careful']);
      assert.deepEqual((await errors.expectSuccess()).slice(1), [' [x] error:boom']);
      assert.deepEqual((await infoWarn.expectSuccess()).slice(1), [
        ' [x] info:hello',
        ' [x] warning:careful',
      ]);
    });
  });

  test('seed topic: `*` and `#`', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const q1 = ctx.procs.python(seed('receive_logs_topic.py'), ['*.orange.*'], {
        env: { MAX_MESSAGES: '2' },
      });
      const q2 = ctx.procs.python(seed('receive_logs_topic.py'), ['*.*.rabbit', 'lazy.#'], {
        env: { MAX_MESSAGES: '3' },
      });
      await q1.waitForLine(/Waiting/);
      await q2.waitForLine(/Waiting/);
      for (const key of [
        'quick.brown.fox',
        'quick.orange.new.rabbit',
        'quick.orange.rabbit',
        'lazy',
        'quick.orange.fox',
      ]) {
        await produce(ctx, 'emit_log_topic.py', [key, 'm']);
      }
      assert.deepEqual((await q1.expectSuccess()).slice(1), [
        ' [x] quick.orange.rabbit:m',
        ' [x] quick.orange.fox:m',
      ]);
      await produce(ctx, 'emit_log_topic.py', ['lazy.orange.new.rabbit', 'm']);
      assert.deepEqual((await q2.expectSuccess()).slice(1), [
        ' [x] quick.orange.rabbit:m',
        ' [x] lazy:m',
        ' [x] lazy.orange.new.rabbit:m',
      ]);
    });
  });

  test('seed RPC: rpc_client.py fib(30) via rpc_server.py', { timeout: TIMEOUT }, async (t) => {
    await run(t, async (ctx) => {
      const server = ctx.procs.python(seed('rpc_server.py'), [], { env: { MAX_MESSAGES: '2' } });
      await server.waitForLine(/Awaiting RPC requests/);
      assert.deepEqual(await produce(ctx, 'rpc_client.py'), [' [x] Requesting fib(30)', ' [.] Got 832040']);
      assert.deepEqual(await produce(ctx, 'rpc_client.py', ['10']), [
        ' [x] Requesting fib(10)',
        ' [.] Got 55',
      ]);
      assert.deepEqual((await server.expectSuccess()).slice(1), [' [.] fib(30)', ' [.] fib(10)']);
    });
  });
}
