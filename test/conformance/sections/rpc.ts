// RPC over direct reply-to: replies, remote errors, validation, timeouts, unserved procedures,
// cancellation, concurrency and deadline propagation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEADLINE_HEADER,
  NoHandlerError,
  RemoteError,
  Rpc,
  RpcTimeoutError,
  Service,
  UnroutableError,
  type RpcContext,
} from '../../../src/framework/index.js';
import { Harness, sleep, waitFor, type TransportFactory } from '../../helpers/framework-harness.js';

const T = { timeout: 15_000 };

export function rpcTests(factory: TransportFactory): void {
  test('RPC happy path: reply, context and deadline header', T, async () => {
    const h = new Harness(factory);
    const name = h.name('add');
    h.queues(name);
    let seen: RpcContext | undefined;
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name)
      add(req: { a: number; b: number }, ctx: RpcContext): Promise<number> {
        seen = ctx;
        return Promise.resolve(req.a + req.b);
      }
    }
    try {
      await h.start([Svc]);
      const caller = await h.start([]);
      const before = Date.now();
      assert.equal(await caller.client.call(name, { a: 2, b: 3 }, { timeout: 5000 }), 5);
      assert.equal(seen?.rpcName, name);
      assert.ok(seen.deadline !== undefined && seen.deadline >= before + 5000);
      assert.equal(seen.headers[DEADLINE_HEADER], seen.deadline);
    } finally {
      await h.cleanup();
    }
  });

  test('a handler that throws → RemoteError at the caller, invalid request names the fields', T, async () => {
    const h = new Harness(factory);
    const fail = h.name('fail');
    const strict = h.name('strict');
    h.queues(fail, strict);
    const schema = { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } as const;
    @Service(h.name('svc'))
    class Svc {
      @Rpc(fail)
      fail(): Promise<never> {
        return Promise.reject(Object.assign(new Error('out of stock'), { code: 'E_STOCK' }));
      }

      @Rpc(strict, { schema })
      strict(): Promise<string> {
        return Promise.resolve('ok');
      }
    }
    try {
      const app = await h.start([Svc]);
      const err = await app.client.call(fail, {}).catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.message, 'out of stock');
      assert.equal(err.remoteCode, 'E_STOCK');
      const invalid = await app.client.call(strict, { x: 'no' }).catch((e: unknown) => e);
      assert.ok(invalid instanceof RemoteError);
      assert.equal(invalid.remoteCode, 'ERR_VALIDATION');
      assert.deepEqual((invalid.data as { fields: string[] }).fields, ['/x']);
      assert.equal(await app.client.call(strict, { x: 1 }), 'ok');
    } finally {
      await h.cleanup();
    }
  });

  test('no reply in time → RpcTimeoutError', T, async () => {
    const h = new Harness(factory);
    const name = h.name('slow');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name)
      async slow(): Promise<string> {
        await sleep(400);
        return 'late';
      }
    }
    try {
      const app = await h.start([Svc]);
      const err = await app.client.call(name, {}, { timeout: 100 }).catch((e: unknown) => e);
      assert.ok(err instanceof RpcTimeoutError, String(err));
      assert.equal(err.rpcName, name);
    } finally {
      await h.cleanup();
    }
  });

  test('a handler past its own @Rpc timeout → RpcTimeoutError naming the procedure', T, async () => {
    const h = new Harness(factory);
    const name = h.name('bounded');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name, { timeout: 100 })
      async bounded(_req: unknown, ctx: RpcContext): Promise<string> {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return 'late';
      }
    }
    try {
      const app = await h.start([Svc]);
      const err = await app.client.call(name, {}, { timeout: 10_000 }).catch((e: unknown) => e);
      assert.ok(err instanceof RpcTimeoutError, String(err));
      assert.equal(err.rpcName, name);
      assert.equal(err.timeoutMs, 100);
      assert.match(err.message, new RegExp(name.replace(/\./g, '\\.')));
    } finally {
      await h.cleanup();
    }
  });

  test('a thrown non-Error keeps its name, code and message at the caller', T, async () => {
    const h = new Harness(factory);
    const name = h.name('plain');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name)
      plain(req: { kind: string }): Promise<never> {
        const thrown = { code: 'E_QUOTA', message: 'quota exceeded', data: { left: 0 } };
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the test is about
        if (req.kind === 'object') return Promise.reject(thrown);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the test is about
        return Promise.reject('plain string');
      }
    }
    try {
      const app = await h.start([Svc]);
      const err = await app.client.call(name, { kind: 'object' }).catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError, String(err));
      assert.equal(err.message, 'quota exceeded');
      assert.equal(err.remoteCode, 'E_QUOTA');
      assert.deepEqual(err.data, { left: 0 });
      const text = await app.client.call(name, { kind: 'string' }).catch((e: unknown) => e);
      assert.ok(text instanceof RemoteError);
      assert.equal(text.message, 'plain string');
    } finally {
      await h.cleanup();
    }
  });

  test('calling a procedure nobody serves fails fast with NoHandlerError', T, async () => {
    const h = new Harness(factory);
    try {
      const app = await h.start([]);
      // Fails with NoHandlerError (the mandatory request came back), not by timing out.
      const err = await app.client.call(h.name('nobody'), {}, { timeout: 60_000 }).catch((e: unknown) => e);
      assert.ok(err instanceof NoHandlerError, String(err));
      assert.ok(err.cause instanceof UnroutableError);
    } finally {
      await h.cleanup();
    }
  });

  test('AbortSignal cancels a pending call', T, async () => {
    const h = new Harness(factory);
    const name = h.name('wait');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name)
      async wait(): Promise<string> {
        await sleep(500);
        return 'done';
      }
    }
    try {
      const app = await h.start([Svc]);
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('user cancelled')), 50);
      await assert.rejects(app.client.call(name, {}, { signal: ac.signal }), /user cancelled/);
      const pre = AbortSignal.abort();
      await assert.rejects(app.client.call(name, {}, { signal: pre }), { name: 'AbortError' });
    } finally {
      await h.cleanup();
    }
  });

  // Outcome only: the time bound is the test runner's safety net, generous for a loaded machine.
  test('200 concurrent calls multiplexed on one connection', { timeout: 120_000 }, async () => {
    const h = new Harness(factory);
    const name = h.name('echo');
    h.queues(name);
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name, { prefetch: 50 })
      async echo(req: { i: number }): Promise<number> {
        await sleep(Math.random() * 10);
        return req.i * 2;
      }
    }
    try {
      const app = await h.start([Svc]);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => app.client.call(name, { i })));
      assert.deepEqual(
        results,
        Array.from({ length: 200 }, (_, i) => i * 2),
      );
    } finally {
      await h.cleanup();
    }
  });

  test('the server drops requests whose caller already gave up (deadline)', T, async () => {
    const h = new Harness(factory);
    const name = h.name('busy');
    h.queues(name);
    const handled: number[] = [];
    @Service(h.name('svc'))
    class Svc {
      @Rpc(name, { prefetch: 1 })
      async busy(req: { i: number }): Promise<number> {
        handled.push(req.i);
        if (req.i === 1) await sleep(400);
        return req.i;
      }
    }
    try {
      const app = await h.start([Svc]);
      const first = app.client.call(name, { i: 1 });
      await waitFor(() => handled.length === 1, 2000, 'first call');
      await assert.rejects(app.client.call(name, { i: 2 }, { timeout: 150 }), RpcTimeoutError);
      assert.equal(await first, 1);
      assert.equal(await app.client.call(name, { i: 3 }), 3);
      assert.deepEqual(handled, [1, 3], 'request 2 was dropped, never handled');
    } finally {
      await h.cleanup();
    }
  });
}
