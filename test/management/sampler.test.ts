// The management stats sampler on a broker with many queues: a sweep reads the queues in
// slices and yields between them, so work queued while it runs (an AMQP frame, a timer) is
// served before the sweep ends; the totals and per-queue rates it produces are still exact,
// and deleted queues are forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SWEEP_SHARE, RateSampler, sweepSpacing } from '../../src/transports/http/rates.js';
import { OVERVIEW_KEY, counterEntries, queueKey } from '../../src/transports/http/views.js';
import { publishAll, setup } from '../helpers/engine.js';

const QUEUES = 20_000;

test('a sweep over 20k queues yields to other work between slices and records exact counters', async () => {
  const f = setup();
  for (let i = 0; i < QUEUES; i++) f.ch.queueDeclare({ queue: `q${i}`, durable: false });
  const sampler = new RateSampler(() => counterEntries(f.broker), 1000, 1000);

  // Work queued the moment the sweep starts runs while the sweep is still going.
  let busyWhenOtherWorkRan: boolean | undefined;
  setImmediate(() => (busyWhenOtherWorkRan = sampler.busy));
  const first = sampler.sweep();
  assert.equal(sampler.busy, true);
  await first;
  assert.equal(busyWhenOtherWorkRan, true, 'the event loop ran other work mid-sweep');
  assert.equal(sampler.busy, false);
  assert.equal(sampler.sweeps, 1);
  assert.equal(sampler.latest(OVERVIEW_KEY)?.['messages'], 0);

  publishAll(f.ch, 'q19999', ['a', 'b', 'c']);
  publishAll(f.ch, 'q0', ['d']);
  await new Promise((r) => setTimeout(r, 20));
  await sampler.sweep();
  assert.equal(sampler.latest(OVERVIEW_KEY)?.['messages'], 4);
  assert.equal(sampler.latest(queueKey('/', 'q19999'))?.['messages_ready'], 3);
  assert.ok(sampler.rate(queueKey('/', 'q19999'), 'publish') > 0);
  assert.equal(sampler.rate(queueKey('/', 'q1'), 'publish'), 0);

  f.ch.queueDelete({ queue: 'q5' });
  await sampler.sweep();
  assert.equal(sampler.latest(queueKey('/', 'q5')), undefined, 'a deleted queue is forgotten');
  assert.equal(sampler.sweeps, 3);
});

test('a sweep is not started twice while one runs', async () => {
  const f = setup();
  for (let i = 0; i < 5000; i++) f.ch.queueDeclare({ queue: `q${i}`, durable: false });
  const sampler = new RateSampler(() => counterEntries(f.broker), 1000, 100);
  const a = sampler.sweep();
  const b = sampler.sweep();
  await Promise.all([a, b]);
  assert.equal(sampler.sweeps, 1);
});

test('slow sweeps space the next one out so sampling keeps at most a tenth of the time', () => {
  assert.equal(sweepSpacing(20, 1000), 1000, 'a quick sweep: the interval');
  assert.equal(sweepSpacing(300, 1000), 3000);
  assert.equal(sweepSpacing(300, 1000) * MAX_SWEEP_SHARE, 300, 'the sweep is a tenth of the spacing');
});
