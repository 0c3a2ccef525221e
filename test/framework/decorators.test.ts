// Decorators only record metadata, validate their arguments eagerly, and never depend on
// design:* metadata (tsx/esbuild, which runs these tests, does not emit it).
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rpc, Service, Subscribe, Task } from '../../src/framework/index.js';
import {
  HANDLERS_METADATA,
  SERVICE_METADATA,
  getHandlerMetadata,
  getServiceMetadata,
} from '../../src/framework/metadata.js';

const EmailSchema = { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } as const;

@Service('mailer', { task: { retries: 5 } })
class Mailer {
  @Task('email.send', { schema: EmailSchema, retries: 2, prefetch: 4 })
  async send(_email: unknown): Promise<void> {}

  @Rpc('mailer.stats', { timeout: 5000 })
  stats(_req: unknown): Promise<number> {
    return Promise.resolve(1);
  }

  @Subscribe({ exchange: 'logs', type: 'topic', pattern: '*.critical' })
  async onCritical(_line: unknown): Promise<void> {}
}

test('records service and handler metadata under unique symbol keys', () => {
  assert.equal(typeof SERVICE_METADATA, 'symbol');
  assert.notEqual(SERVICE_METADATA, HANDLERS_METADATA);
  assert.deepEqual(getServiceMetadata(Mailer), { name: 'mailer', defaults: { task: { retries: 5 } } });
  const handlers = getHandlerMetadata(Mailer);
  assert.deepEqual(
    handlers.map((h) => [h.kind, h.method, h.kind === 'subscribe' ? h.options.exchange : h.name]),
    [
      ['task', 'send', 'email.send'],
      ['rpc', 'stats', 'mailer.stats'],
      ['subscribe', 'onCritical', 'logs'],
    ],
  );
  const task = handlers[0]!;
  assert.equal(task.kind === 'task' && task.options.schema, EmailSchema);
});

test('works without design:* metadata (none is emitted under tsx)', () => {
  assert.equal(Reflect.getMetadata('design:paramtypes', Mailer.prototype, 'send'), undefined);
  assert.equal(Reflect.getMetadata('design:returntype', Mailer.prototype, 'send'), undefined);
  assert.equal(getHandlerMetadata(Mailer).length, 3);
});

test('decorators do not alter the class or its methods', async () => {
  const m = new Mailer();
  assert.equal(await m.stats({}), 1);
  assert.equal(typeof Mailer.prototype.send, 'function');
});

test('subclasses inherit handlers; redecorating a method replaces the base records', () => {
  @Service('mailer2')
  class Mailer2 extends Mailer {
    @Task('email.send2')
    override async send(_email: unknown): Promise<void> {}
  }
  const names = getHandlerMetadata(Mailer2).map((h) => (h.kind === 'subscribe' ? h.method : h.name));
  assert.deepEqual(names.sort(), ['email.send2', 'mailer.stats', 'onCritical']);
  assert.equal(getHandlerMetadata(Mailer).length, 3, 'base class records untouched');
  class Undecorated extends Mailer {}
  assert.equal(getServiceMetadata(Undecorated), undefined, '@Service is not inherited');
});

test('two handlers for one task name in one class are rejected', () => {
  assert.throws(() => {
    class Twice {
      @Task('a')
      one(): void {}
      @Task('a')
      two(): void {}
    }
    return Twice;
  }, /already handles task "a" in method one/);
});

test('bad names are rejected eagerly', () => {
  assert.throws(() => Task(''), TypeError);
  assert.throws(() => Task('amq.x'), /reserved "amq\." prefix/);
  assert.throws(() => Task('has space'), /whitespace/);
  assert.throws(() => Task('x'.repeat(201)), RangeError);
  assert.throws(() => Service(''), TypeError);
  assert.throws(() => Rpc(42 as unknown as string), TypeError);
});

test('bad task options are rejected with TypeError or RangeError naming the option', () => {
  assert.throws(() => Task('t', { retries: -1 }), { name: 'RangeError', message: /@Task\("t"\): retries/ });
  assert.throws(() => Task('t', { retries: 1.5 }), {
    name: 'TypeError',
    message: /retries must be an integer/,
  });
  assert.throws(() => Task('t', { prefetch: 0 }), RangeError);
  assert.throws(
    () => Task('t', { prefetch: 2, concurrency: 3 }),
    /concurrency \(3\) must not exceed prefetch/,
  );
  assert.throws(() => Task('t', { timeout: 0 }), RangeError);
  assert.throws(() => Task('t', { priority: 256 }), RangeError);
  assert.throws(() => Task('t', { priority: 5, queueType: 'quorum' }), /not supported by quorum/);
  assert.throws(() => Task('t', { queueType: 'stream' as 'quorum' }), /queueType must be one of/);
  assert.throws(() => Task('t', { retry: 3 } as never), /unknown option "retry"/);
  assert.throws(() => Task('t', { schema: 'nope' as never }), /schema must be a JSON Schema/);
  assert.throws(() => Task('t', { backoff: { type: 'linear' as 'fixed', delay: 1 } }), /backoff.type/);
  assert.throws(() => Task('t', { backoff: { type: 'fixed' } as never }), /backoff.delay is required/);
  assert.throws(() => Task('t', { backoff: { type: 'fixed', delay: 10, jitter: 2 } }), RangeError);
  assert.throws(() => Task('t', { backoff: { type: 'exponential', delay: 10, maxDelay: 5 } }), /maxDelay/);
  assert.doesNotThrow(() =>
    Task('t', { backoff: { type: 'exponential', delay: 10, maxDelay: 50, jitter: 0.5 } }),
  );
});

test('bad service defaults and rpc options are rejected', () => {
  assert.throws(() => Service('s', { task: { retries: -2 } }), RangeError);
  assert.throws(() => Service('s', { task: { queue: 'q' } as never }), /unknown option "queue"/);
  assert.throws(() => Service('s', { workers: 1 } as never), /unknown option "workers"/);
  assert.throws(() => Rpc('r', { timeout: -5 }), RangeError);
  assert.throws(() => Rpc('r', { responseSchema: [] as never }), TypeError);
});

test('subscribe options are checked per exchange type', () => {
  assert.throws(() => Subscribe({ exchange: '', type: 'fanout' }), /default exchange/);
  assert.throws(() => Subscribe({ exchange: 'x', type: 'topic' }), /needs a string pattern/);
  assert.throws(() => Subscribe({ exchange: 'x', type: 'fanout', pattern: '#' }), /not used by fanout/);
  assert.throws(() => Subscribe({ exchange: 'x', type: 'headers' }), /non-empty headers/);
  assert.throws(() => Subscribe({ exchange: 'x', type: 'headers', headers: { 'x-a': 1 } }), /"x-"/);
  assert.throws(
    () => Subscribe({ exchange: 'x', type: 'direct', pattern: 'a', match: 'any' }),
    /only used by headers/,
  );
  assert.throws(() => Subscribe({ exchange: 'x', type: 'fanout', group: 'amq.g' }), /reserved/);
  assert.throws(() => Subscribe({ exchange: 'x', type: 'cool' as 'fanout' }), /type must be one of/);
  assert.doesNotThrow(() => Subscribe({ exchange: 'x', type: 'headers', headers: { a: 1 }, match: 'any' }));
});

test('misplaced decorators are rejected', () => {
  assert.throws(() => {
    class Static {
      @Task('s')
      static run(): void {}
    }
    return Static;
  }, /static methods/);
  const decorate = Task('p');
  assert.throws(() => decorate({}, 'field', { value: 42 }), /can only decorate a method/);
  assert.throws(() => decorate({}, Symbol('s'), { value: () => 1 }), /string names/);
});
