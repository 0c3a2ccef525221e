// Framework metrics: the registry's Prometheus text, an embedded app's task and RPC metrics
// as app.metrics() renders them, and the `management` option serving them over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MetricsRegistry,
  RemoteError,
  Rpc,
  RpcTimeoutError,
  Service,
  Task,
  Warren,
  type TaskContext,
} from '../../src/framework/index.js';

const T = { timeout: 20_000 };

/** `name{labels}` → value, for every sample line of a Prometheus text exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('registry: counters, cumulative histogram buckets, +Inf, sum, count, escaping', () => {
  const r = new MetricsRegistry();
  const c = r.counter('x_total', 'An x', ['k']);
  const h = r.histogram('y_seconds', 'A y', ['k'], [0.1, 1]);
  c.inc({ k: 'a"b\\c' });
  c.inc({ k: 'a"b\\c' }, 2);
  h.observe({ k: 'p' }, 0.05);
  h.observe({ k: 'p' }, 0.5);
  h.observe({ k: 'p' }, 5);
  const text = r.render();
  assert.match(text, /^# HELP x_total An x\n# TYPE x_total counter\n/);
  assert.match(text, /# TYPE y_seconds histogram\n/);
  const s = samples(text);
  assert.equal(s.get('x_total{k="a\\"b\\\\c"}'), 3);
  assert.equal(s.get('y_seconds_bucket{k="p",le="0.1"}'), 1);
  assert.equal(s.get('y_seconds_bucket{k="p",le="1"}'), 2);
  assert.equal(s.get('y_seconds_bucket{k="p",le="+Inf"}'), 3);
  assert.equal(s.get('y_seconds_sum{k="p"}'), 5.55);
  assert.equal(s.get('y_seconds_count{k="p"}'), 3);
  assert.ok(text.endsWith('\n'));
  assert.throws(() => r.counter('x_total', 'again'), /duplicate metric/);
});

@Service('metrics-svc')
class MetricsSvc {
  flakyRuns = 0;

  @Task('m.ok')
  ok(): Promise<void> {
    return Promise.resolve();
  }

  @Task('m.flaky', { retries: 1, backoff: { type: 'fixed', delay: 20 } })
  flaky(_p: unknown, ctx: TaskContext): Promise<void> {
    this.flakyRuns++;
    return ctx.attempt === 1 ? Promise.reject(new Error('first try fails')) : Promise.resolve();
  }

  @Task('m.doomed', { retries: 1, backoff: { type: 'fixed', delay: 20 } })
  doomed(): Promise<void> {
    return Promise.reject(new Error('always fails'));
  }

  @Rpc('m.add')
  add(p: { a: number; b: number }): Promise<number> {
    return Promise.resolve(p.a + p.b);
  }

  @Rpc('m.boom')
  boom(): Promise<number> {
    return Promise.reject(new Error('boom'));
  }
}

test('an embedded app counts task outcomes and times tasks and RPCs', T, async () => {
  const app = await Warren.start({ services: [new MetricsSvc()], onError: () => undefined });
  try {
    const dead: string[] = [];
    app.on('task.dead-lettered', (e) => dead.push(e.taskName));
    await app.client.enqueue('m.ok', {});
    await app.client.enqueue('m.ok', {});
    await app.client.enqueue('m.flaky', {});
    await app.client.enqueue('m.doomed', {});
    assert.equal(await app.client.call('m.add', { a: 1, b: 2 }), 3);
    await assert.rejects(app.client.call('m.boom', {}), RemoteError);
    // A request queue nobody consumes: only the caller's own timer can end the call.
    const admin = await app.transport.createChannel();
    await admin.assertQueue('m.void', { durable: false });
    await assert.rejects(app.client.call('m.void', {}, { timeout: 30 }), RpcTimeoutError);
    await admin.close();
    const s = (): Map<string, number> => samples(app.metrics());
    await until(
      () =>
        dead.length === 1 &&
        s().get('warren_tasks_succeeded_total{task="m.flaky"}') === 1 &&
        s().get('warren_tasks_succeeded_total{task="m.ok"}') === 2,
      'tasks to settle',
    );
    const m = s();
    assert.equal(m.get('warren_tasks_failed_total{task="m.flaky"}'), 1);
    assert.equal(m.get('warren_tasks_retried_total{task="m.flaky"}'), 1);
    assert.equal(m.get('warren_tasks_failed_total{task="m.doomed"}'), 2, 'every failed attempt');
    assert.equal(m.get('warren_tasks_retried_total{task="m.doomed"}'), 1);
    assert.equal(m.get('warren_tasks_dead_lettered_total{task="m.doomed"}'), 1);
    assert.equal(m.get('warren_tasks_failed_total{task="m.ok"}'), undefined);
    assert.equal(m.get('warren_task_duration_seconds_count{task="m.ok"}'), 2);
    assert.equal(m.get('warren_task_duration_seconds_count{task="m.flaky"}'), 2);
    assert.equal(m.get('warren_task_duration_seconds_bucket{task="m.ok",le="+Inf"}'), 2);
    assert.equal(m.get('warren_task_duration_seconds_bucket{task="m.ok",le="10"}'), 2);
    const client = (p: string, o: string): number | undefined =>
      m.get(`warren_rpc_client_duration_seconds_count{procedure="${p}",outcome="${o}"}`);
    assert.equal(client('m.add', 'ok'), 1);
    assert.equal(client('m.boom', 'error'), 1);
    assert.equal(client('m.void', 'timeout'), 1);
    assert.ok((m.get('warren_rpc_client_duration_seconds_sum{procedure="m.add",outcome="ok"}') ?? -1) >= 0);
    const server = (p: string, o: string): number | undefined =>
      m.get(`warren_rpc_server_duration_seconds_count{procedure="${p}",outcome="${o}"}`);
    assert.equal(server('m.add', 'ok'), 1);
    assert.equal(server('m.boom', 'error'), 1);
  } finally {
    await app.close({ timeout: 1000 });
  }
});

test('management: GET /metrics serves broker and framework metrics; close() stops it', T, async () => {
  const app = await Warren.start({ services: [new MetricsSvc()], management: { port: 0 } });
  const address = app.managementAddress;
  assert.ok(address);
  assert.equal(address.host, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}/metrics`;
  try {
    await app.client.enqueue('m.ok', {});
    await until(() => samples(app.metrics()).get('warren_tasks_succeeded_total{task="m.ok"}') === 1, 'task');
    assert.equal((await fetch(url)).status, 401, '/metrics needs a management user');
    const guest = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
    const res = await fetch(url, { headers: guest });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const s = samples(text);
    assert.equal(s.get('warren_queue_consumers{vhost="/",queue="m.ok"}'), 1);
    assert.equal(s.get('warren_tasks_succeeded_total{task="m.ok"}'), 1);
    assert.match(text, /# TYPE warren_task_duration_seconds histogram/);
  } finally {
    await app.close({ timeout: 1000 });
  }
  await assert.rejects(fetch(url));
});

test('management needs the embedded broker', T, async () => {
  await assert.rejects(
    Warren.start({ url: 'amqp://127.0.0.1:1', management: { port: 0 } }),
    (err: unknown) => err instanceof TypeError && /embedded broker/.test(err.message),
  );
});
