// Hooks: handler middleware, client middleware, lifecycle events and traceparent propagation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rpc,
  Service,
  Task,
  TRACEPARENT_HEADER,
  parseTraceparent,
  type ClientMiddleware,
  type Middleware,
  type RpcContext,
  type TaskContext,
} from '../../../src/framework/index.js';
import { Harness, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 15_000 };

export function hookTests(factory: TransportFactory): void {
  test('middleware, lifecycle events and progress', T, async () => {
    const h = new Harness(factory);
    const task = h.name('hooked');
    const rpc = h.name('hooked-rpc');
    h.taskQueues(task);
    h.queues(rpc);
    const log: string[] = [];
    const mw: Middleware = async (ctx, next) => {
      log.push(`before:${ctx.kind}:${ctx.name}`);
      const result = await next();
      log.push(`after:${ctx.kind}`);
      return ctx.kind === 'rpc' ? `wrapped(${String(result)})` : result;
    };
    const clientMw: ClientMiddleware = (ctx, next) => {
      ctx.headers['x-tenant'] = 'acme';
      log.push(`client:${ctx.kind}`);
      return next();
    };
    let tenant: unknown;
    @Service(h.name('svc'))
    class Svc {
      @Task(task)
      async work(_p: unknown, ctx: TaskContext): Promise<void> {
        tenant = ctx.headers['x-tenant'];
        await ctx.progress({ percent: 50 });
      }

      @Rpc(rpc)
      answer(): Promise<string> {
        return Promise.resolve('42');
      }
    }
    try {
      const app = await h.start([Svc], { middleware: [mw], clientMiddleware: [clientMw] });
      const events: string[] = [];
      app.on('task.started', (e) => events.push(`started:${e.attempt}`));
      app.on('task.progress', (e) => events.push(`progress:${JSON.stringify(e.data)}`));
      app.on('task.succeeded', () => events.push('succeeded'));
      await app.client.enqueue(task, {});
      await waitFor(() => events.includes('succeeded'), 3000, 'task.succeeded');
      assert.deepEqual(events, ['started:1', 'progress:{"percent":50}', 'succeeded']);
      assert.equal(tenant, 'acme');
      assert.equal(await app.client.call(rpc, {}), 'wrapped(42)');
      assert.deepEqual(log, [
        'client:enqueue',
        `before:task:${task}`,
        'after:task',
        'client:call',
        `before:rpc:${rpc}`,
        'after:rpc',
      ]);
    } finally {
      await h.cleanup();
    }
  });

  test('traceparent propagates from the caller through a task into a nested RPC', T, async () => {
    const h = new Harness(factory);
    const task = h.name('traced');
    const rpc = h.name('traced-rpc');
    h.taskQueues(task);
    h.queues(rpc);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
    let taskCtx: TaskContext | undefined;
    let rpcCtx: RpcContext | undefined;
    @Service(h.name('svc'))
    class Svc {
      constructor(
        readonly app: { call: (n: string, p: unknown) => Promise<unknown> } = {
          call: () => Promise.resolve(),
        },
      ) {}
      @Task(task)
      async work(_p: unknown, ctx: TaskContext): Promise<void> {
        taskCtx = ctx;
        await this.app.call(rpc, {});
      }

      @Rpc(rpc)
      inner(_p: unknown, ctx: RpcContext): Promise<void> {
        rpcCtx = ctx;
        return Promise.resolve();
      }
    }
    const ref: { call: (n: string, p: unknown) => Promise<unknown> } = { call: () => Promise.resolve() };
    try {
      const app = await h.start([new Svc(ref)]);
      ref.call = (n, p) => app.client.call(n, p);
      await app.client.enqueue(task, {}, { headers: { [TRACEPARENT_HEADER]: incoming } });
      await waitFor(() => rpcCtx !== undefined, 3000, 'nested rpc');
      const t = parseTraceparent(taskCtx!.traceparent)!;
      const r = parseTraceparent(rpcCtx!.traceparent)!;
      assert.equal(t.traceId, traceId);
      assert.notEqual(t.spanId, '00f067aa0ba902b7', 'the handler runs in a child span');
      assert.equal(r.traceId, traceId);
      const sent = parseTraceparent(rpcCtx!.headers[TRACEPARENT_HEADER])!;
      assert.equal(sent.spanId, t.spanId, 'the nested call names the task span as its parent');
    } finally {
      await h.cleanup();
    }
  });

  test('a message sent outside any trace carries no traceparent; its handler starts one', T, async () => {
    const h = new Harness(factory);
    const outer = h.name('untraced');
    const inner = h.name('untraced-child');
    h.taskQueues(outer);
    h.taskQueues(inner);
    const seen: Record<string, TaskContext> = {};
    @Service(h.name('svc'))
    class Svc {
      @Task(outer)
      async a(_p: unknown, ctx: TaskContext): Promise<void> {
        seen['outer'] = ctx;
        await ctx.client.enqueue(inner, {});
      }

      @Task(inner)
      b(_p: unknown, ctx: TaskContext): Promise<void> {
        seen['inner'] = ctx;
        return Promise.resolve();
      }
    }
    try {
      const app = await h.start([Svc]);
      await app.client.enqueue(outer, {});
      await waitFor(() => seen['inner'] !== undefined, 5000, 'the child task');
      const outerCtx = seen['outer']!;
      assert.equal(outerCtx.headers[TRACEPARENT_HEADER], undefined, 'no traceparent was sent');
      const root = parseTraceparent(outerCtx.traceparent);
      assert.ok(root, 'the handler runs in a trace of its own');
      // Inside the handler there is a trace: the child message carries the handler's span.
      const sent = parseTraceparent(seen['inner']!.headers[TRACEPARENT_HEADER]);
      assert.equal(sent?.traceId, root.traceId);
      assert.equal(sent?.spanId, root.spanId);
    } finally {
      await h.cleanup();
    }
  });
}
