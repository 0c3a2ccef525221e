// A broker restart under load: `warren broker --data-dir` is killed (kill -9) while a worker
// is busy with durable tasks and started again on the same data dir. The worker reconnects
// (through a TCP proxy, as a load balancer would keep the address) and every task completes;
// the restart charges no attempt to the tasks the worker held and dead-letters nothing.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Task, Warren, type TaskContext, type WarrenApp } from '../../../src/framework/index.js';
import { AmqpTransport } from '../../../src/transports/amqp/index.js';
import { TcpProxy } from '../../helpers/framework-tcp-proxy.js';
import { kill9, startBrokerProcess, type BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test(
  'kill -9 of the broker under load: every task completes, none charged or dead-lettered',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir('warren-restart-load-');
    let broker: BrokerProcess | undefined;
    let app: WarrenApp | undefined;
    const closers: (() => Promise<void>)[] = [];
    const proxy = new TcpProxy('127.0.0.1', 1);
    const runs = new Map<number, number[]>();
    const charged: unknown[] = [];
    @Service('restart')
    class Jobs {
      @Task('restart.job', { concurrency: 5, retries: 3, backoff: { type: 'fixed', delay: 100 } })
      async run(p: { i: number }, ctx: TaskContext): Promise<void> {
        runs.set(p.i, [...(runs.get(p.i) ?? []), ctx.attempt]);
        await sleep(20 + (p.i % 5) * 10);
      }
    }
    try {
      broker = await startBrokerProcess(dir);
      proxy.retarget(broker.port);
      const port = await proxy.listen();
      const transport = new AmqpTransport(`amqp://guest:guest@127.0.0.1:${port}`, {
        reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
      });
      closers.push(() => transport.close());
      app = await Warren.start({ transport, services: [new Jobs()], onError: () => undefined });
      app.on('task.failed', (e) => charged.push(e.error));
      const total = 60;
      for (let i = 0; i < total; i++) await app.client.enqueue('restart.job', { i });
      await until(() => runs.size >= 10, 20_000, 'tasks running');
      await kill9(broker);
      const startedBefore = new Set(runs.keys());
      broker = await startBrokerProcess(dir);
      proxy.retarget(broker.port);
      await until(() => runs.size === total, 60_000, `all ${total} tasks run`);
      const adminTransport = new AmqpTransport(broker.url, { reconnect: false });
      closers.push(() => adminTransport.close());
      await adminTransport.connect();
      const admin = await adminTransport.createChannel();
      await until(
        async () => (await admin.checkQueue('restart.job')).messageCount === 0,
        20_000,
        'queue drained',
      );
      assert.equal((await admin.checkQueue('restart.job.dead')).messageCount, 0, 'nothing dead-lettered');
      const attemptsOfStarted = [...startedBefore].flatMap((i) => runs.get(i) ?? []);
      assert.deepEqual([...new Set(attemptsOfStarted)], [1], 'tasks held at the crash stay at attempt 1');
      assert.deepEqual(
        [...runs].filter(([, a]) => a.length > 1).map(([i]) => i),
        [],
        'no task ran twice',
      );
      assert.ok(charged.length <= 5, `${charged.length} charged`);
    } finally {
      await app?.close({ timeout: 0 }).catch(() => undefined);
      for (const close of closers) await close().catch(() => undefined);
      await kill9(broker);
      await proxy.close();
      removeDir(dir);
    }
  },
);
