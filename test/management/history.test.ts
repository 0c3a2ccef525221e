// The overview's chart history is kept server-side: GET /api/overview/history returns the
// broker-wide depths and rates sampled over (up to) the past hour, so a dashboard opened late
// still draws them; the sampler keeps at most an hour's worth of samples. Queue pages get the
// same, RabbitMQ-shaped (?lengths_age=&lengths_incr=, ?msg_rates_age=&msg_rates_incr=), for
// the queues asked for (bounded in number and dropped when idle or deleted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSampler } from '../../src/transports/http/rates.js';
import { SampleHistory } from '../../src/transports/http/sample-history.js';
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
    s.mgmt.context.sampler.stop(); // no sweep between the reads compared below
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

test('the sampler keeps at most its history capacity, oldest dropped first', () => {
  let n = 0;
  const history = new SampleHistory(['publish'], { capacity: 3, pinned: ['overview'] });
  const sampler = new RateSampler(() => [['overview', { publish: n++ }]], 1000, 100, history);
  for (let t = 1; t <= 5; t++) sampler.tick(t * 1000);
  const kept = sampler.historySince('overview', 3_600_000, 5000);
  assert.deepEqual(
    kept.map((k) => [k.t, k.values['publish']]),
    [
      [3000, 2],
      [4000, 3],
      [5000, 4],
    ],
  );
  assert.deepEqual(
    sampler.historySince('overview', 1500, 5000).map((k) => k.t),
    [4000, 5000],
  );
});

test('queue history is bounded: only watched keys, at most maxSeries, dropped when idle or gone', () => {
  const keys = ['a', 'b', 'c', 'd'];
  let present = new Set(keys);
  let n = 0;
  const history = new SampleHistory(['x'], {
    capacity: 10,
    maxSeries: 2,
    idleMs: 5000,
    pinned: ['overview'],
  });
  const sampler = new RateSampler(
    () => [
      ...[...present].map((k): [string, Record<string, number>] => [k, { x: n }]),
      ['overview', { x: n }],
    ],
    1000,
    100,
    history,
  );
  sampler.tick(1000);
  assert.deepEqual([...history.keys()], ['overview'], 'nothing but the overview until asked');
  sampler.watch('a', 1000);
  sampler.watch('b', 1000);
  sampler.watch('c', 1500);
  assert.deepEqual([...history.keys()].sort(), ['b', 'c', 'overview'], 'the least recently watched went');
  assert.deepEqual(
    sampler.historySince('c', 60_000, 1500).map((k) => k.t),
    [1000],
    'seeded with the latest sample',
  );
  n = 7;
  sampler.tick(2000);
  assert.deepEqual(
    sampler.historySince('c', 60_000, 2000).map((k) => [k.t, k.values['x']]),
    [
      [1000, 0],
      [2000, 7],
    ],
  );
  present = new Set(['b', 'd']);
  sampler.tick(3000);
  assert.deepEqual([...history.keys()].sort(), ['b', 'overview'], 'a deleted queue is forgotten');
  sampler.tick(1000 + 5001);
  assert.deepEqual([...history.keys()], ['overview'], 'not watched for idleMs: dropped');
});

test('GET /api/queues/v/q?lengths_age&msg_rates_age: RabbitMQ-shaped sample series, kept server-side', async () => {
  const s = await startStack();
  try {
    await api(s, 'PUT', '/queues/%2F/charted', { durable: false });
    const q = '/queues/%2F/charted?lengths_age=60&lengths_incr=1&msg_rates_age=60&msg_rates_incr=1';
    assert.equal((await api(s, 'GET', q)).status, 200, 'watching starts');
    const publish = () =>
      api(s, 'POST', '/exchanges/%2F/amq.default/publish', {
        routing_key: 'charted',
        payload: 'x',
        payload_encoding: 'string',
      });
    for (let round = 0; round < 3; round++) {
      const before = s.mgmt.context.sampler.sweeps;
      for (let i = 0; i < 4; i++) await publish();
      for (let i = 0; i < 200 && s.mgmt.context.sampler.sweeps < before + 2; i++) await sleep(50);
      await sleep(1000);
    }
    const r = await api(s, 'GET', q);
    assert.equal(r.status, 200);
    const depth = r.body.messages_ready_details;
    const points = depth.samples as { sample: number; timestamp: number }[];
    assert.ok(points.length >= 3, `${points.length} points`);
    for (let i = 1; i < points.length; i++)
      assert.equal(points[i - 1]!.timestamp - points[i]!.timestamp, 1000, 'newest first, 1 s apart');
    for (const p of points) assert.equal(p.timestamp % 1000, 0, 'aligned on the increment');
    assert.equal(points[0]!.sample, 12);
    assert.ok(
      points.some((p) => p.sample > 0 && p.sample < 12),
      'the depth grew over the kept samples',
    );
    assert.equal(typeof depth.rate, 'number');
    assert.equal(typeof depth.avg, 'number');
    assert.ok(depth.avg_rate > 0, 'the depth rose on average');
    const pub = r.body.message_stats.publish_details;
    assert.equal(pub.samples[0].sample, 12);
    assert.ok(pub.samples.at(-1).sample < 12);
    assert.equal(r.body.message_stats.publish, 12);
    const plain = (await api(s, 'GET', '/queues/%2F/charted')).body;
    assert.equal(plain.messages_ready_details.samples, undefined, 'no series unless asked');
    const bad = await api(s, 'GET', '/queues/%2F/charted?lengths_age=60');
    assert.equal(bad.status, 400);
    assert.equal((await api(s, 'GET', '/queues/%2F/charted?lengths_age=7200&lengths_incr=1')).status, 400);
  } finally {
    await s.close();
  }
});
