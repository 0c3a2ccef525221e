// The explorer turns decorated classes or instances into descriptors with resolved options,
// bound handlers and compiled validators, and rejects conflicting configurations.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_BACKOFF,
  DEFAULT_PREFETCH,
  DEFAULT_RETRIES,
  DEFAULT_RPC_TIMEOUT,
  DEFAULT_TASK_TIMEOUT,
  Rpc,
  Service,
  Subscribe,
  Task,
  exploreServices,
  type HandlerDescriptor,
  type TaskContext,
} from '../../src/framework/index.js';

@Service('billing', { task: { retries: 7, queueType: 'quorum' }, rpc: { timeout: 1234 } })
class Billing {
  constructor(readonly currency = 'EUR') {}

  @Task('invoice.create', { schema: { type: 'object', required: ['id'] } })
  create(payload: { id: string }, _ctx: TaskContext): Promise<string> {
    return Promise.resolve(`${payload.id}:${this.currency}`);
  }

  @Task('invoice.mail', { retries: 0, concurrency: 20, backoff: { type: 'fixed', delay: 600_000 } })
  async mail(): Promise<void> {}

  @Rpc('billing.total', { responseSchema: { type: 'number' } })
  total(): number {
    return 42;
  }

  @Subscribe({ exchange: 'orders', type: 'topic', pattern: 'order.*', group: 'billing' })
  onOrder(): void {}

  @Subscribe({ exchange: 'audit', type: 'headers', headers: { kind: 'payment' } })
  onAudit(): void {}
}

function byName(all: HandlerDescriptor[], name: string): HandlerDescriptor {
  const found = all.find((h) => h.name === name);
  assert.ok(found, `no handler ${name}`);
  return found;
}

test('explores a class: resolved options with service and framework defaults', () => {
  const all = exploreServices([Billing]);
  assert.equal(all.length, 5);
  const create = byName(all, 'invoice.create');
  assert.equal(create.kind, 'task');
  assert.equal(create.service, 'billing');
  assert.equal(create.method, 'create');
  assert.deepEqual(create.kind === 'task' && create.options, {
    queue: 'invoice.create',
    schema: { type: 'object', required: ['id'] },
    prefetch: DEFAULT_PREFETCH,
    concurrency: DEFAULT_PREFETCH,
    retries: 7,
    backoff: { ...DEFAULT_BACKOFF },
    timeout: DEFAULT_TASK_TIMEOUT,
    priority: undefined,
    durable: true,
    queueType: 'quorum',
  });
  const mail = byName(all, 'invoice.mail');
  assert.ok(mail.kind === 'task');
  assert.equal(mail.options.retries, 0, 'explicit option beats service default');
  assert.equal(mail.options.prefetch, 20, 'prefetch grows to fit concurrency');
  assert.equal(mail.options.backoff.maxDelay, 600_000, 'cap raised to a larger fixed delay');
  const total = byName(all, 'billing.total');
  assert.ok(total.kind === 'rpc');
  assert.equal(total.options.timeout, 1234);
  assert.equal(total.options.durable, false);
  assert.ok(total.validateResponse);
  assert.equal(DEFAULT_RETRIES, 3);
  assert.equal(DEFAULT_RPC_TIMEOUT, 30_000);
});

test('subscriptions: group queues are shared and named, others exclusive', () => {
  const all = exploreServices([Billing]);
  const order = byName(all, 'billing.onOrder');
  const audit = byName(all, 'billing.onAudit');
  assert.ok(order.kind === 'subscribe' && audit.kind === 'subscribe');
  assert.equal(order.options.queue, 'billing.billing.onOrder');
  assert.equal(order.options.exclusive, false);
  assert.equal(order.options.pattern, 'order.*');
  assert.equal(audit.options.queue, '');
  assert.equal(audit.options.exclusive, true);
  assert.deepEqual(audit.options.bindArguments, { 'x-match': 'all', kind: 'payment' });
});

test('handlers are bound to the instance; instances from a container are used as-is', async () => {
  const [fromClass] = exploreServices([Billing]);
  assert.ok(fromClass?.kind === 'task');
  assert.equal(await fromClass.handler({ id: 'a' }, {} as TaskContext), 'a:EUR');
  const instance = new Billing('USD');
  const [fromInstance] = exploreServices([instance]);
  assert.ok(fromInstance?.kind === 'task');
  assert.equal(fromInstance.instance, instance);
  assert.equal(await fromInstance.handler({ id: 'b' }, {} as TaskContext), 'b:USD');
  const built: object[] = [];
  exploreServices([Billing], {
    instantiate: (cls) => {
      const o = new cls();
      built.push(o);
      return o;
    },
  });
  assert.equal(built.length, 1);
});

test('validators are compiled at exploration', () => {
  const create = byName(exploreServices([Billing]), 'invoice.create');
  assert.ok(create.validate);
  assert.deepEqual(create.validate({ id: 'x' }), { ok: true });
  const bad = create.validate({});
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.error.fields[0], '/id');
  @Service('broken')
  class Broken {
    @Task('broken.task', { schema: { type: 'object', requried: ['x'] } })
    run(): void {}
  }
  assert.throws(() => exploreServices([Broken]), /invalid JSON Schema for payload of task "broken.task"/);
});

test('undecorated classes and bad inputs are rejected', () => {
  class Plain {}
  assert.throws(() => exploreServices([Plain]), /Plain is not decorated with @Service/);
  assert.throws(() => exploreServices([new Plain()]), /not decorated/);
  assert.throws(() => exploreServices([null as unknown as object]), /class or an instance/);
});

test('duplicate names across services are rejected', () => {
  @Service('a')
  class A {
    @Task('shared.task')
    run(): void {}
  }
  @Service('b')
  class B {
    @Task('shared.task')
    go(): void {}
  }
  assert.throws(() => exploreServices([A, B]), /task "shared.task" is handled twice: a.run and b.go/);
  assert.throws(() => exploreServices([A, new A()]), /service name "a" is used by A and A/);
  @Service('c')
  class C {
    @Rpc('other', { queue: 'shared.task' })
    other(): void {}
  }
  assert.throws(() => exploreServices([A, C]), /queue "shared.task" is claimed by a.run and c.other/);
  @Service('d')
  class D {
    @Task('shared.task.dead')
    dead(): void {}
  }
  assert.throws(() => exploreServices([A, D]), /collides with the retry queues of a.run/);
  @Service('e')
  class E {
    @Rpc('shared.task')
    rpc(): void {}
  }
  assert.throws(() => exploreServices([A, E]), /queue "shared.task" is claimed/);
});

test('merged options are re-checked (service default prefetch below handler concurrency)', () => {
  @Service('tight', { task: { prefetch: 2 } })
  class Tight {
    @Task('tight.task', { concurrency: 5 })
    run(): void {}
  }
  assert.throws(() => exploreServices([Tight]), /concurrency \(5\) must not exceed prefetch \(2\)/);
});
