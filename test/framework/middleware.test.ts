// Middleware composition: order, result passing, errors, and next() called twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TASK_LIFECYCLE_EVENTS,
  composeMiddleware,
  type Middleware,
  type MiddlewareContext,
  type TaskContext,
} from '../../src/framework/index.js';

const ctx: MiddlewareContext = {
  kind: 'task',
  name: 'email.send',
  service: 'mailer',
  method: 'send',
  payload: { to: 'a' },
  context: {} as TaskContext,
};

test('runs middleware outermost first around the handler and passes the result out', async () => {
  const order: string[] = [];
  const tag =
    (name: string): Middleware =>
    async (_c, next) => {
      order.push(`${name}>`);
      const result = await next();
      order.push(`<${name}`);
      return `${name}(${String(result)})`;
    };
  const run = composeMiddleware([tag('a'), tag('b')], (c) => {
    order.push('handler');
    return c.name;
  });
  assert.equal(await run(ctx), 'a(b(email.send))');
  assert.deepEqual(order, ['a>', 'b>', 'handler', '<b', '<a']);
});

test('errors propagate and can be handled by outer middleware', async () => {
  const rescue: Middleware = async (_c, next) => {
    try {
      return await next();
    } catch (err) {
      return `rescued ${(err as Error).message}`;
    }
  };
  const run = composeMiddleware([rescue], () => {
    throw new Error('boom');
  });
  assert.equal(await run(ctx), 'rescued boom');
  await assert.rejects(composeMiddleware([], () => Promise.reject(new Error('x')))(ctx), /x/);
});

test('a middleware can short-circuit; calling next twice rejects', async () => {
  let ran = false;
  const skip: Middleware = () => Promise.resolve('cached');
  assert.equal(
    await composeMiddleware([skip], () => {
      ran = true;
    })(ctx),
    'cached',
  );
  assert.equal(ran, false);
  const twice: Middleware = async (_c, next) => {
    await next();
    return next();
  };
  await assert.rejects(composeMiddleware([twice], () => 1)(ctx), /more than once/);
});

test('lifecycle event names', () => {
  assert.deepEqual(TASK_LIFECYCLE_EVENTS, [
    'task.started',
    'task.progress',
    'task.succeeded',
    'task.failed',
    'task.retried',
    'task.dead-lettered',
  ]);
});
