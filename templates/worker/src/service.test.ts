// Runs the worker on the embedded broker (no server needed) and checks what it did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Warren, type WarrenApp } from 'warren';
import { {{Name}}Worker } from './service.js';

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withWorker(body: (app: WarrenApp, worker: {{Name}}Worker) => Promise<void>): Promise<void> {
  const worker = new {{Name}}Worker();
  const app = await Warren.start({ services: [worker] });
  try {
    await body(app, worker);
  } finally {
    await app.close();
  }
}

test('processes an enqueued job', () =>
  withWorker(async (app, worker) => {
    await app.client.enqueue('{{queue}}.process', { id: 'a', text: 'count these four words' });
    await until(() => worker.results.length === 1);
    assert.deepEqual(worker.results[0], { id: 'a', words: 4, attempt: 1 });
  }));

test('dead-letters a job that fails its schema, without running the handler', () =>
  withWorker(async (app, worker) => {
    const reasons: string[] = [];
    app.on('task.dead-lettered', (event) => reasons.push(event.reason));
    await app.client.enqueue('{{queue}}.process', { id: 'b' }); // no text
    await until(() => reasons.length === 1);
    assert.equal(worker.results.length, 0);
  }));

test('dead-letters an UnrecoverableError at once, without retries', () =>
  withWorker(async (app) => {
    const attempts: number[] = [];
    app.on('task.dead-lettered', (event) => attempts.push(event.attempt));
    await app.client.enqueue('{{queue}}.process', { id: 'c', text: '' });
    await until(() => attempts.length === 1);
    assert.deepEqual(attempts, [1]);
  }));
