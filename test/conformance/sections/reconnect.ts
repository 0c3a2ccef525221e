// Reconnect: the connection is dropped for real (a TCP proxy destroys its sockets and refuses
// new ones for a while); consumers and the RPC reply consumer resume, pending calls fail with
// ConnectionLostError, publishes made during the outage are buffered and confirmed afterwards,
// and a full buffer rejects with BufferFullError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferFullError, ConnectionLostError, Rpc, Service, Task } from '../../../src/framework/index.js';
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
