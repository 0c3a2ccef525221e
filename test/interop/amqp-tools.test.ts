// rabbitmq-c's command-line tools (Debian's amqp-tools: amqp-declare-queue, amqp-publish,
// amqp-get, amqp-consume, amqp-delete-queue) against Warren's AMQP server on an ephemeral port.
// INTEROP_AMQP_URL runs the same tests against an external broker (RabbitMQ) instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withInterop } from '../helpers/interop.js';
import type { InteropContext, Proc } from '../helpers/interop.js';

const TIMEOUT = 30_000;
const NAMES = { queues: ['tools-q', 'tools-durable'] };

function run(t: Parameters<typeof withInterop>[0], body: (ctx: InteropContext) => Promise<void>) {
  return withInterop(t, { names: NAMES, spawn: () => ({ timeoutMs: 15_000 }) }, body);
}

/** Runs /usr/bin/<tool> -u <guest URL> args... */
function tool(ctx: InteropContext, name: string, args: string[], url = ctx.broker.url()): Proc {
  return ctx.procs.spawn(`${name} ${args.join(' ')}`, `/usr/bin/${name}`, ['-u', url, ...args]);
}

async function ok(ctx: InteropContext, name: string, args: string[]): Promise<string[]> {
  return tool(ctx, name, args).expectSuccess();
}

test('amqp-declare-queue: a named durable queue and a server-named one', { timeout: TIMEOUT }, async (t) => {
  await run(t, async (ctx) => {
    const q = ctx.broker.prefix + 'tools-durable';
    assert.deepEqual(await ok(ctx, 'amqp-declare-queue', ['-q', q, '-d']), [q]);
    // Redeclaring with the same attributes is fine.
    assert.deepEqual(await ok(ctx, 'amqp-declare-queue', ['-q', q, '-d']), [q]);
    const [generated] = await ok(ctx, 'amqp-declare-queue', ['-q', '']);
    assert.match(generated!, /^amq\.gen-[A-Za-z0-9_-]+$/);
    // It is neither exclusive nor auto-delete: remove it.
    assert.deepEqual(await ok(ctx, 'amqp-delete-queue', ['-q', generated!]), ['0']);
  });
});

test(
  'amqp-publish + amqp-get: bodies, line-buffered publish, persistent/properties, empty queue',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const q = ctx.broker.prefix + 'tools-q';
      await ok(ctx, 'amqp-declare-queue', ['-q', q]);
      await ok(ctx, 'amqp-publish', ['-r', q, '-b', 'first']);
      // -l: each stdin line is a message. amqp-publish reads stdin only without -b, so pipe via sh.
      await ctx.procs
        .spawn(
          'amqp-publish -l',
          '/bin/sh',
          ['-c', `printf 'line1\\nline2\\n' | amqp-publish -u "$URL" -r "$Q" -l`],
          {
            env: { URL: ctx.broker.url(), Q: q },
          },
        )
        .expectSuccess();
      await ok(ctx, 'amqp-publish', [
        '-r',
        q,
        '-p',
        '-C',
        'text/plain',
        '-E',
        'utf-8',
        '-H',
        'x-k: v',
        '-b',
        'props',
      ]);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        const p = tool(ctx, 'amqp-get', ['-q', q]);
        await p.expectSuccess();
        got.push(p.lines.join('\n'));
      }
      assert.deepEqual(got, ['first', 'line1', 'line2', 'props']);
      const empty = tool(ctx, 'amqp-get', ['-q', q]);
      const status = await empty.waitForExit();
      assert.equal(status.code, 2, `amqp-get on an empty queue: ${empty.transcript()}`);
      assert.deepEqual(await ok(ctx, 'amqp-delete-queue', ['-q', q]), ['0']);
    });
  },
);

test(
  'amqp-consume -c N runs the command once per message and leaves the rest queued',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const q = ctx.broker.prefix + 'tools-q';
      await ok(ctx, 'amqp-declare-queue', ['-q', q]);
      for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) await ok(ctx, 'amqp-publish', ['-r', q, '-b', m]);
      // Manual-ack consumer, unlimited prefetch: it may hold m4/m5 unacked when it stops; they must
      // go back to the queue.
      const lines = await ok(ctx, 'amqp-consume', ['-q', q, '-c', '3', '--', '/bin/sh', '-c', 'cat; echo']);
      assert.deepEqual(lines, ['m1', 'm2', 'm3']);
      const sh = ['--', '/bin/sh', '-c', 'cat; echo'];
      // Prefetch 1, manual ack.
      assert.deepEqual(await ok(ctx, 'amqp-consume', ['-q', q, '-c', '1', '-p', '1', ...sh]), ['m4']);
      // No-ack (the last message, since a no-ack consumer takes whatever is queued).
      assert.deepEqual(await ok(ctx, 'amqp-consume', ['-q', q, '-c', '1', '-A', ...sh]), ['m5']);
      assert.deepEqual(await ok(ctx, 'amqp-delete-queue', ['-q', q]), ['0']);
    });
  },
);

test(
  'amqp-consume -e amq.direct -r KEY: a server-named queue bound to an exchange',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const key = ctx.broker.prefix + 'tools-key';
      const consumer = tool(ctx, 'amqp-consume', [
        '-e',
        'amq.direct',
        '-r',
        key,
        '-c',
        '2',
        '--',
        '/bin/sh',
        '-c',
        'cat; echo',
      ]);
      // It announces the generated queue on stderr once declared and bound.
      await consumer.waitForStderr(/Server provided queue name: amq\.gen-/);
      await ok(ctx, 'amqp-publish', ['-e', 'amq.direct', '-r', 'some-other-key', '-b', 'not for us']);
      await ok(ctx, 'amqp-publish', ['-e', 'amq.direct', '-r', key, '-b', 'for us 1']);
      await ok(ctx, 'amqp-publish', ['-e', 'amq.direct', '-r', key, '-b', 'for us 2']);
      assert.deepEqual(await consumer.expectSuccess(), ['for us 1', 'for us 2']);
    });
  },
);

test(
  'amqp tools with -s/--port/--username/--password, and a refused login',
  { timeout: TIMEOUT },
  async (t) => {
    await run(t, async (ctx) => {
      const [user, password] = ctx.broker.external ? ['guest', 'guest'] : ['root', 'root'];
      const conn = [
        '-s',
        ctx.broker.host,
        '--port',
        String(ctx.broker.port),
        '--username',
        user,
        '--password',
        password,
      ];
      const q = ctx.broker.prefix + 'tools-q';
      const spawnTool = (name: string, args: string[]) =>
        ctx.procs.spawn(name, `/usr/bin/${name}`, [...conn, ...args]);
      assert.deepEqual(await spawnTool('amqp-declare-queue', ['-q', q]).expectSuccess(), [q]);
      await spawnTool('amqp-publish', ['-r', q, '-b', `as ${user}`]).expectSuccess();
      assert.deepEqual(await spawnTool('amqp-get', ['-q', q]).expectSuccess(), [`as ${user}`]);
      await spawnTool('amqp-delete-queue', ['-q', q]).expectSuccess();

      const refused = tool(ctx, 'amqp-get', ['-q', q], ctx.broker.url('guest', 'wrong'));
      const status = await refused.waitForExit();
      assert.notEqual(status.code, 0);
      assert.match(refused.errLines.join('\n'), /ACCESS_REFUSED|403/);
    });
  },
);
