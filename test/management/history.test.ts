// The overview's chart history is kept server-side: GET /api/overview/history returns the
// broker-wide depths and rates sampled over (up to) the past hour, so a dashboard opened late
// still draws them; the sampler keeps at most an hour's worth of samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSampler } from '../../src/transports/http/rates.js';
import { api, sleep, startStack } from './stack.js';

test('GET /api/overview/history: samples over time with depths and rates, thinned to points', async () => {
  const s = await startStack();
  try {
    await api(s, 'PUT', '/queues/%2F/hist', { durable: false });
    const publish = () =>
      api(s, 'POST', '/exchanges/%2F/amq.default/publish', {
        routing_key: 'hist',
        payload: 'x',
        payload_encoding: 'string',
      });
    for (let round = 0; round < 3; round++) {
      const before = s.mgmt.context.sampler.sweeps;
      for (let i = 0; i < 5; i++) await publish();
      for (let i = 0; i < 100 && s.mgmt.context.sampler.sweeps < before + 2; i++) await sleep(50);
    }
    const r = await api(s, 'GET', '/overview/history?age=3600');
    assert.equal(r.status, 200);
    const samples = r.body.samples as { t: number; messages_ready: number; publish_rate: number }[];
    assert.ok(samples.length >= 4, `${samples.length} samples`);
    for (let i = 1; i < samples.length; i++) assert.ok(samples[i]!.t > samples[i - 1]!.t, 'oldest first');
    assert.equal(samples.at(-1)!.messages_ready, 15);
    assert.ok(
      samples.some((p) => p.publish_rate > 0),
      'publish rates were recorded',
    );
    assert.ok(
      samples.some((p) => p.messages_ready > 0 && p.messages_ready < 15),
      'the depth grew over time',
    );
    const thin = await api(s, 'GET', '/overview/history?age=3600&points=2');
    assert.ok(thin.body.samples.length <= 2);
    assert.equal(thin.body.samples.at(-1).t, samples.at(-1)!.t, 'thinning keeps the latest sample');
    assert.equal((await api(s, 'GET', '/overview/history?age=0')).status, 400);
    assert.equal((await api(s, 'GET', '/overview/history?points=1')).status, 400);
  } finally {
    await s.close();
  }
});

test('the sampler keeps at most its history limit, oldest dropped first', () => {
  let n = 0;
  const sampler = new RateSampler(() => [['overview', { publish: n++ }]], 1000, 100, {
    key: 'overview',
    limit: 3,
  });
  for (let t = 1; t <= 5; t++) sampler.tick(t * 1000);
  const kept = sampler.historySince(3_600_000, 5000);
  assert.deepEqual(
    kept.map((k) => [k.t, k.values['publish']]),
    [
      [3000, 2],
      [4000, 3],
      [5000, 4],
    ],
  );
  assert.deepEqual(
    sampler.historySince(1500, 5000).map((k) => k.t),
    [4000, 5000],
  );
});
