// The conformance harness leaves nothing behind on a shared broker: a task's whole retry
// topology is deleted at cleanup, including the delay queues its backoff implies and the test
// never named. Run against the RabbitMQ at 5672, where leftovers would outlive the run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service, Task } from '../../src/framework/index.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { Harness } from '../helpers/framework-harness.js';
const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

const transport = (): AmqpTransport => new AmqpTransport(RABBITMQ_URL, { reconnect: false });

/** Whether `queue` exists, asked with a passive declare on a channel of its own. */
async function exists(queue: string): Promise<boolean> {
  const t = transport();
  await t.connect();
  try {
    const ch = await t.createChannel();
    return await ch.checkQueue(queue).then(
      () => true,
      () => false,
    );
  } finally {
    await t.close();
  }
}

test(
  'cleanup deletes every queue of a task, delay queues it never named included',
  { timeout: 30_000 },
  async () => {
    const h = new Harness(transport);
    const task = h.name('leak');
    @Service(h.name('svc'))
    class Svc {
      @Task(task, { retries: 3, backoff: { type: 'exponential', delay: 1000 } })
      run(): void {}
    }
    h.taskQueues(task); // names the work, dead and quarantine queues only
    await h.start([Svc]);
    const delays = [`${task}.retry.1000`, `${task}.retry.2000`, `${task}.retry.4000`];
    for (const q of [task, ...delays]) assert.equal(await exists(q), true, `${q} declared`);
    await h.cleanup();
    for (const q of [task, `${task}.dead`, `${task}.quarantine`, ...delays]) {
      assert.equal(await exists(q), false, `${q} left on the broker`);
    }
  },
);

test(
  'cleanup still deletes after a passive declare closed the admin channel',
  { timeout: 30_000 },
  async () => {
    const h = new Harness(transport);
    const queue = h.name('after-404');
    h.queues(queue);
    const admin = await h.admin();
    await admin.assertQueue(queue, { durable: false });
    await admin.checkQueue(h.name('missing')).catch(() => undefined); // 404 closes the channel
    await h.cleanup();
    assert.equal(await exists(queue), false, `${queue} left on the broker`);
  },
);
