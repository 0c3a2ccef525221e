// BullMQ's side of the framework benchmark: the same trivial job (add → process) on the Redis
// at 127.0.0.1:6379, a Queue and a Worker in this process. Jobs are removed on completion
// (the equivalent of an ack), and the queue's keys are obliterated afterwards.
import { Queue, Worker } from 'bullmq';
import { produceAndDrain, uniqueName, type TaskResult } from './framework-stats.js';
import type { TaskScenario } from './framework-warren.js';

export const REDIS = {
  host: process.env['REDIS_HOST'] ?? '127.0.0.1',
  port: Number(process.env['REDIS_PORT'] ?? 6379),
};

export async function bullmqTasks(s: TaskScenario): Promise<TaskResult> {
  const name = uniqueName(`bullmq-c${s.concurrency}`);
  const queue = new Queue(name, { connection: REDIS });
  let handled = 0;
  const worker = new Worker(name, () => Promise.resolve(), { connection: REDIS, concurrency: s.concurrency });
  worker.on('completed', () => handled++);
  worker.on('error', (err) => console.error('[bench bullmq]', err));
  await worker.waitUntilReady();
  try {
    const opts = { removeOnComplete: true, removeOnFail: true };
    return await produceAndDrain(
      () => queue.add('job', { n: 1 }, opts),
      () => handled,
      s,
    );
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
