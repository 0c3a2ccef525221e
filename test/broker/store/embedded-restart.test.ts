import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service, Task, Warren } from '../../../src/framework/index.js';
import { removeDir, tempDir, until } from './helpers.js';

const done: number[] = [];
/** The first run's handlers are held, then released after its close, and record nothing. */
let gate: Promise<void> = Promise.resolve();
let record = true;

@Service('jobs')
class Jobs {
  @Task('job.run')
  async run(payload: { n: number }): Promise<void> {
    await gate;
    if (record) done.push(payload.n);
  }
}

test(
  'Warren.start({ dataDir }): tasks enqueued before a restart are processed after it',
  { timeout: 30_000 },
  async () => {
    const dir = tempDir('warren-embedded-');
    try {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      record = false;
      const first = await Warren.start({ dataDir: dir, services: [new Jobs()], shutdownTimeout: 0 });
      try {
        for (let n = 0; n < 5; n++) await first.client.enqueue('job.run', { n });
      } finally {
        await first.close({ timeout: 0 });
        release();
      }
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(done, []);
      gate = Promise.resolve();
      record = true;

      const second = await Warren.start({ dataDir: dir, services: [new Jobs()] });
      try {
        await until(() => done.length >= 5, 10_000);
        assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4]);
      } finally {
        await second.close();
      }

      const third = await Warren.start({ dataDir: dir, services: [new Jobs()] });
      await new Promise((r) => setTimeout(r, 100));
      await third.close();
      assert.equal(done.length, 5, 'acked tasks do not come back');
    } finally {
      removeDir(dir);
    }
  },
);

test('Warren.start without dataDir stays in memory', { timeout: 10_000 }, async () => {
  const app = await Warren.start({ services: [] });
  await app.close();
});
