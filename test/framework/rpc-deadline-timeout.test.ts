// An RPC handler bounded by its caller's deadline (shorter than the procedure's own timeout)
// is aborted with RpcTimeoutError once what was left of the deadline passed, on real timers:
// such durations share timer queues (handler-runner.ts) like the configured timeouts do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rpc, RpcTimeoutError, Service, Warren, type RpcContext } from '../../src/index.js';

const T = { timeout: 30_000 };

test("a handler is aborted at its caller's deadline, not at its own longer timeout", T, async () => {
  const aborted: unknown[] = [];
  let started = 0;
  @Service('deadline-bound')
  class Svc {
    @Rpc('deadline.hang', { timeout: 600_000 })
    hang(_p: unknown, ctx: RpcContext): Promise<never> {
      started++;
      ctx.signal.addEventListener('abort', () => aborted.push(ctx.signal.reason));
      return new Promise<never>(() => undefined);
    }
  }
  const app = await Warren.start({ services: [Svc] });
  try {
    // Several calls with two caller timeouts: distinct remaining durations, each one bounded.
    const calls = [300, 300, 500, 300, 500].map((timeout) =>
      app.client.call('deadline.hang', {}, { timeout }).then(
        () => assert.fail('a hanging handler cannot answer'),
        (err: unknown) => err,
      ),
    );
    const errors = await Promise.all(calls);
    for (const err of errors) assert.ok(err instanceof RpcTimeoutError, `rejected with ${String(err)}`);
    // The server side: every handler's signal aborts with RpcTimeoutError (bounded wait).
    const until = Date.now() + 20_000;
    while (aborted.length < started && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(started, 5);
    assert.equal(aborted.length, 5, 'every handler was aborted well before its own 10 min');
    for (const reason of aborted) {
      assert.ok(reason instanceof RpcTimeoutError, `aborted with ${String(reason)}`);
      assert.ok(
        reason.timeoutMs > 0 && reason.timeoutMs <= 500,
        `bounded by the caller: ${reason.timeoutMs} ms`,
      );
    }
  } finally {
    await app.close({ timeout: 1000 });
  }
});
