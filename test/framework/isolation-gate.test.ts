// The isolation gate: an isolation waits for the normal runs inside to leave, lets none in
// while it runs, runs one at a time, and lets the waiting runs in afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolationGate } from '../../src/framework/isolation-gate.js';
import { deferred } from '../helpers/framework-harness.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('enter is immediate while no isolation is pending', () => {
  const gate = new IsolationGate();
  assert.equal(gate.enter(), undefined);
  assert.equal(gate.enter(), undefined);
  assert.equal(gate.running, 2);
  gate.leave();
  gate.leave();
  assert.equal(gate.running, 0);
});

test('an isolation waits for the running runs, holds new ones back, then lets them in', async () => {
  const gate = new IsolationGate();
  const log: string[] = [];
  assert.equal(gate.enter(), undefined);
  const release = deferred();
  const isolated = gate.isolate(async () => {
    log.push(`alone (running ${gate.running})`);
    await release.promise;
    log.push('alone done');
  });
  await tick();
  assert.equal(log.length, 0, 'waits for the run inside');
  const entered = gate.enter();
  assert.ok(entered instanceof Promise, 'a new run waits');
  void entered.then(() => log.push('normal entered'));
  gate.leave();
  await tick();
  assert.deepEqual(log, ['alone (running 0)']);
  release.resolve();
  await isolated;
  await tick();
  assert.deepEqual(log, ['alone (running 0)', 'alone done', 'normal entered']);
  assert.equal(gate.running, 1);
});

test('isolations run one at a time, also when one throws', async () => {
  const gate = new IsolationGate();
  let inside = 0;
  let most = 0;
  const one = (fail: boolean) =>
    gate.isolate(async () => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
      if (fail) throw new Error('boom');
    });
  const results = await Promise.allSettled([one(false), one(true), one(false)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(most, 1);
});
