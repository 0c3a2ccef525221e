// Reconnect: the connection is dropped for real (a TCP proxy destroys its sockets and refuses
// new ones for a while); consumers and the RPC reply consumer resume, pending calls fail with
// ConnectionLostError, publishes made during the outage are buffered and confirmed afterwards,
// and a full buffer rejects with BufferFullError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttemptInterruptedError,
  BufferFullError,
  ConnectionLostError,
  Rpc,
  Service,
  Task,
  type TaskContext,
} from '../../../src/framework/index.js';
import { ConnectionError } from '../../../src/protocol/errors.js';
import { Warren, type WarrenApp } from '../../../src/framework/index.js';
import { AmqpTransport } from '../../../src/transports/amqp/index.js';
import type { Transport } from '../../../src/transports/transport.js';
import { Harness, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';
import { TcpProxy } from '../../helpers/framework-tcp-proxy.js';

const T = { timeout: 20_000 };

/** Builds a reconnecting transport to the broker at `url` (the proxy's address). */
export type ReconnectingTransportFactory = (url: string) => Transport;

export interface ReconnectTarget {
  host: string;
  port: number;
  /** URL template: `{port}` is replaced by the proxy's port. */
  url: string;
}

function onceEvent(transport: Transport, event: 'disconnect' | 'reconnect'): Promise<void> {
  return new Promise((resolve) => {
    const listener = (): void => {
      transport.off(event, listener);
      resolve();
    };
    transport.on(event, listener);
  });
}

export function reconnectTests(
  admin: TransportFactory,
  make: ReconnectingTransportFactory,
  target: ReconnectTarget,
): void {
  test(
    'after a dropped connection: consumers resume, calls fail, buffered publishes are confirmed',
    T,
    async () => {
      const h = new Harness(admin);
      const proxy = new TcpProxy(target.host, target.port);
      const task = h.name('rc-task');
      const slow = h.name('rc-slow');
      const fast = h.name('rc-fast');
      h.taskQueues(task);
      h.queues(slow, fast);
      const handled: number[] = [];
      @Service(h.name('svc'))
      class Svc {
        @Task(task)
        work(p: { i: number }): Promise<void> {
          handled.push(p.i);
          return Promise.resolve();
        }

        @Rpc(slow)
        async slow(): Promise<string> {
          await sleep(3000);
          return 'late';
        }

        @Rpc(fast)
        fast(): Promise<string> {
          return Promise.resolve('fast');
        }
      }
      try {
        const port = await proxy.listen();
        const transport = make(target.url.replace('{port}', String(port)));
        const app = await h.startWith(transport, [Svc]);
        await app.client.enqueue(task, { i: 1 });
        await waitFor(() => handled.length === 1, 3000, 'task 1');
        const pending = app.client.call(slow, {}).catch((e: unknown) => e);
        await sleep(100);

        const disconnected = onceEvent(transport, 'disconnect');
        proxy.pause();
        proxy.dropAll();
        await disconnected;
        assert.ok((await pending) instanceof ConnectionLostError);
        const buffered = app.client.enqueue(task, { i: 2 });
        await assert.rejects(app.client.call(fast, {}), ConnectionLostError);
        assert.equal(app.bufferedPublishes, 1);

        const reconnected = onceEvent(transport, 'reconnect');
        await sleep(300);
        proxy.resume();
        await reconnected;
        await buffered;
        await waitFor(() => handled.length === 2, 5000, 'task 2 after reconnect');
        assert.deepEqual(handled, [1, 2]);
        await waitFor(() => app.bufferedPublishes === 0, 2000, 'restore');
        assert.equal(await app.client.call(fast, {}), 'fast');
      } finally {
        await h.cleanup();
        await proxy.close();
      }
    },
  );

  test('a full outage buffer rejects with BufferFullError', T, async () => {
    const h = new Harness(admin);
    const proxy = new TcpProxy(target.host, target.port);
    const task = h.name('rc-full');
    h.taskQueues(task);
    const handled: number[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(task)
      work(p: { i: number }): Promise<void> {
        handled.push(p.i);
        return Promise.resolve();
      }
    }
    try {
      const port = await proxy.listen();
      const transport = make(target.url.replace('{port}', String(port)));
      const app = await h.startWith(transport, [Svc], { publishBufferSize: 2 });
      const disconnected = onceEvent(transport, 'disconnect');
      proxy.pause();
      proxy.dropAll();
      await disconnected;
      const first = app.client.enqueue(task, { i: 1 });
      const second = app.client.enqueue(task, { i: 2 });
      await assert.rejects(app.client.enqueue(task, { i: 3 }), BufferFullError);
      proxy.resume();
      await Promise.all([first, second]);
      await waitFor(() => handled.length === 2, 5000, 'buffered tasks');
      assert.deepEqual(handled.sort(), [1, 2]);
    } finally {
      await h.cleanup();
      await proxy.close();
    }
  });
}

/**
 * Tasks in hand when the connection drops (running, finished but not yet acked, prefetched)
 * come back redelivered on the new channel. A reconnect is not the task's fault: none of them
 * is charged an attempt or dead-lettered, and none that this worker already ran runs again.
 * (A delivery still in flight on the wire when the socket died never reached the worker; the
 * broker redelivers it like one whose worker crashed, and that one alone may be charged.)
 */
export function reconnectUnderLoadTests(
  admin: TransportFactory,
  make: ReconnectingTransportFactory,
  target: ReconnectTarget,
): void {
  test('a dropped connection under load spends no attempt and dead-letters nothing', T, async () => {
    const h = new Harness(admin);
    const proxy = new TcpProxy(target.host, target.port);
    const task = h.name('rc-load');
    h.taskQueues(task, [100]);
    const total = 40;
    const runs = new Map<number, number[]>();
    const charged: { messageId: string; error: unknown }[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(task, { concurrency: 5, prefetch: 10, retries: 3, backoff: { type: 'fixed', delay: 100 } })
      async work(p: { i: number }, ctx: TaskContext): Promise<void> {
        runs.set(p.i, [...(runs.get(p.i) ?? []), ctx.attempt]);
        await sleep(20 + (p.i % 7) * 10);
      }
    }
    try {
      const port = await proxy.listen();
      const transport = make(target.url.replace('{port}', String(port)));
      const app = await h.startWith(transport, [Svc]);
      app.on('task.failed', (e) => charged.push({ messageId: e.messageId, error: e.error }));
      const ids = new Map<string, number>();
      for (let i = 0; i < total; i++) ids.set((await app.client.enqueue(task, { i })).messageId, i);
      await waitFor(() => runs.size >= 8, 10_000, 'some tasks running');
      const disconnected = onceEvent(transport, 'disconnect');
      proxy.dropAll();
      const startedBeforeDrop = new Set(runs.keys());
      await disconnected;
      await waitFor(() => runs.size === total, 15_000, `all ${total} tasks run after reconnect`);
      const channel = await h.admin();
      for (let i = 0; i < 100 && (await channel.checkQueue(task)).messageCount > 0; i++) await sleep(100);
      await sleep(300);
      assert.equal((await channel.checkQueue(`${task}.dead`)).messageCount, 0, 'nothing dead-lettered');
      const twice = [...runs].filter(([, attempts]) => attempts.length > 1);
      assert.deepEqual(twice, [], 'no task ran twice');
      for (const { messageId, error } of charged) {
        // Only a delivery that never reached the worker may be charged (see above).
        assert.ok(error instanceof AttemptInterruptedError, String(error));
        assert.ok(!startedBeforeDrop.has(ids.get(messageId) ?? -1), `task ${ids.get(messageId)} was charged`);
      }
      const attemptsOfStarted = [...startedBeforeDrop].flatMap((i) => runs.get(i) ?? []);
      assert.deepEqual(
        [...new Set(attemptsOfStarted)],
        [1],
        'tasks started before the drop stay at attempt 1',
      );
      assert.ok(charged.length <= 10, `${charged.length} charged: more than one prefetch window`);
    } finally {
      await h.cleanup();
      await proxy.close();
    }
  });
}

/**
 * The first connection: a broker that is not reachable yet is retried on the reconnect
 * schedule (each failure reported to onError), while a broker refusing the handshake (bad
 * login, unknown vhost) fails at once with the typed ConnectionError and its reply code.
 */
export function firstConnectTests(target: ReconnectTarget): void {
  const fast = { initialDelayMs: 50, maxDelayMs: 200 };

  test('Warren.start waits for a broker that is not reachable yet', T, async () => {
    const h = new Harness(() => new AmqpTransport(target.url.replace('{port}', String(target.port))));
    const proxy = new TcpProxy(target.host, target.port);
    const task = h.name('late-broker');
    const handled: number[] = [];
    const reported: unknown[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Task(task)
      work(p: { i: number }): Promise<void> {
        handled.push(p.i);
        return Promise.resolve();
      }
    }
    h.trackQueues([Svc]); // started below with Warren.start, not through the harness
    let app: WarrenApp | undefined;
    try {
      const port = await proxy.listen();
      proxy.pause();
      const starting = Warren.start({
        url: target.url.replace('{port}', String(port)),
        services: [Svc],
        // Bounded, so a failing test cannot leave a start retrying forever.
        reconnect: { ...fast, maxAttempts: 300 },
        onError: (err) => reported.push(err),
      });
      await waitFor(() => reported.length >= 2, 10_000, 'two failed attempts reported');
      proxy.resume();
      app = await starting;
      await app.client.enqueue(task, { i: 1 });
      await waitFor(() => handled.length === 1, 5000, 'the task runs');
      assert.match(String(reported[0]), /cannot connect \(attempt 1\), retrying in \d+ ms/);
    } finally {
      await app?.close({ timeout: 0 });
      await h.cleanup();
      await proxy.close();
    }
  });

  test(
    'a refused login or an unknown vhost fails at once with ConnectionError and its reply code',
    T,
    async () => {
      const reported: unknown[] = [];
      const base = new URL(target.url.replace('{port}', String(target.port)));
      const start = (url: URL) =>
        Warren.start({
          url: url.toString(),
          services: [],
          reconnect: fast,
          onError: (e) => reported.push(e),
        });
      const badLogin = new URL(base);
      badLogin.password = 'wrong-password';
      const login = await start(badLogin).catch((e: unknown) => e);
      assert.ok(login instanceof ConnectionError, String(login));
      assert.equal(login.replyCode, 403);
      assert.match(login.message, /^ACCESS_REFUSED/);
      const badVhost = new URL(base);
      badVhost.pathname = `/no-such-vhost-${Math.random().toString(16).slice(2)}`;
      const vhost = await start(badVhost).catch((e: unknown) => e);
      assert.ok(vhost instanceof ConnectionError, String(vhost));
      assert.equal(vhost.replyCode, 530);
      // The broker's own reply text, which names the vhost.
      assert.match(vhost.message, /^NOT_ALLOWED - vhost no-such-vhost-/);
      assert.deepEqual(reported, [], 'a refusal is not retried');
    },
  );
}
