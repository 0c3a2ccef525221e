// RabbitMQ tutorial 2, "Work queues", with Warren: one task queue, two workers with prefetch 1
// (fair dispatch: a worker gets the next task only once it has acked the last one), one slow
// and one fast. The fast worker ends up doing most of the work.
// Run: npx tsx examples/work-queues.ts
import { Broker, Service, Task, Warren } from 'warren';

const TASKS = 20;
const counts = { fast: 0, slow: 0 };
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

function worker(name: 'fast' | 'slow', ms: number) {
  @Service(`${name}-worker`)
  class Worker {
    @Task('resize', { prefetch: 1 })
    async resize(job: { n: number }): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, ms));
      counts[name]++;
      console.log(` [${name}] done task ${job.n} (${ms} ms)`);
      if (counts.fast + counts.slow === TASKS) finished();
    }
  }
  return Worker;
}

// Two apps (as two processes would be) on one in-process broker, consuming the same queue.
const broker = new Broker();
const slow = await Warren.start({ services: [worker('slow', 100)], broker });
const fast = await Warren.start({ services: [worker('fast', 10)], broker });

for (let n = 1; n <= TASKS; n++) await fast.client.enqueue('resize', { n });
await allDone;
console.log(`fast worker: ${counts.fast} tasks, slow worker: ${counts.slow} tasks`);
await fast.close();
await slow.close();
broker.close();
