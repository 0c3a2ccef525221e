// Routing-table throughput: topic route() with 100, 10k and 100k bindings of realistic shapes
// (the cost per route should stay flat as bindings grow), topic bind time, and direct and
// headers routing for comparison. Run: npx tsx bench/topic-routing.bench.ts
import os from 'node:os';
import { DirectRouter, HeadersRouter, TopicRouter } from '../src/broker/exchange/index.js';
import type { ExchangeRouter } from '../src/broker/exchange/exchange-router.js';
import type { FieldTable } from '../src/protocol/field-value.js';

interface Queue {
  name: string;
}
interface Sample {
  key: string;
  headers?: FieldTable;
}

const ROUTE_BUDGET_MS = 300;
const ROUNDS = 3;
const SAMPLES = 4096;

/** A deterministic PRNG so every run routes the same keys. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function queues(n: number): Queue[] {
  return Array.from({ length: n }, (_, i) => ({ name: `q${i}` }));
}

/** Binding keys: a quarter each of svc<N>.*.critical, region.<N>.#, exact keys, and *.<N>.audit. */
function topicKey(i: number): string {
  const n = Math.floor(i / 4);
  switch (i % 4) {
    case 0:
      return `svc${n}.*.critical`;
    case 1:
      return `region.${n}.#`;
    case 2:
      return `svc${n}.host${n % 50}.info`;
    default:
      return `*.${n}.audit`;
  }
}

const GLOBAL_WILDCARDS = ['#.error', '*.*.critical', 'region.#', '#'];

/**
 * Routing keys of five shapes (critical, region, info, audit, unmatched). `ids` is how many
 * distinct service/region numbers they use: 25 keeps a hot working set whatever the table
 * size; bindings/4 spreads the keys over the whole table (more cache misses, as in real life).
 */
function topicSamples(ids: number): Sample[] {
  const rand = rng(42);
  const n = Math.max(1, ids);
  const info = (x: number) => `svc${x}.host${x % 50}.info`;
  const shapes = [
    () => `svc${rand(n)}.host${rand(50)}.critical`,
    () => `region.${rand(n)}.eu.west.${rand(10)}`,
    () => info(rand(n)),
    () => `app.${rand(n)}.audit`,
    () => `nomatch.${rand(n)}.some.longer.key.than.usual`,
  ];
  return Array.from({ length: SAMPLES }, () => ({ key: shapes[rand(shapes.length)]!() }));
}

/** Routes `samples` round-robin for ROUNDS × ROUTE_BUDGET_MS after a warm-up; keeps the best round. */
function measureRoutes(router: ExchangeRouter<Queue>, samples: Sample[]): { perSec: number; fanout: number } {
  const out = new Set<Queue>();
  routeFor(router, samples, out, 300); // let the JIT settle first
  let best = { perSec: 0, fanout: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const r = routeFor(router, samples, out, ROUTE_BUDGET_MS);
    if (r.perSec > best.perSec) best = r;
  }
  return best;
}

function routeFor(router: ExchangeRouter<Queue>, samples: Sample[], out: Set<Queue>, ms: number) {
  let routed = 0;
  let delivered = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 1000; i++) {
      const s = samples[(routed + i) % samples.length]!;
      out.clear();
      router.route(s.key, s.headers, out);
      delivered += out.size;
    }
    routed += 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSec: routed / seconds, fanout: delivered / routed };
}

function timed<T>(fn: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = fn();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function row(name: string, bindings: number, r: { perSec: number; fanout: number }): void {
  const perSec = Math.round(r.perSec).toLocaleString('en-US').padStart(12);
  const ns = (1e9 / r.perSec).toFixed(0).padStart(7);
  const label = `${name}, ${bindings.toLocaleString('en-US')} bindings`.padEnd(44);
  console.log(`${label} ${perSec} routes/s ${ns} ns/route  avg ${r.fanout.toFixed(2)} dests`);
}

function benchTopic(): void {
  for (const n of [100, 10_000, 100_000]) {
    gc();
    const qs = queues(1000);
    const [router, bindMs] = timed(() => {
      const r = new TopicRouter<Queue>();
      for (let i = 0; i < n; i++) r.bind(qs[i % qs.length]!, topicKey(i), {});
      for (const [i, k] of GLOBAL_WILDCARDS.slice(0, 3).entries()) r.bind(qs[i]!, k, {});
      return r;
    });
    console.log(`topic: bound ${router.size.toLocaleString('en-US')} bindings in ${bindMs.toFixed(0)} ms`);
    row('topic, hot keys', router.size, measureRoutes(router, topicSamples(25)));
    row('topic, keys spread', router.size, measureRoutes(router, topicSamples(n / 4)));
  }
  const withHash = new TopicRouter<Queue>();
  const qs = queues(1000);
  for (let i = 0; i < 100_000; i++) withHash.bind(qs[i % qs.length]!, topicKey(i), {});
  for (const [i, k] of GLOBAL_WILDCARDS.entries()) withHash.bind(qs[i]!, k, {});
  row('topic + "#" bound, spread', withHash.size, measureRoutes(withHash, topicSamples(25_000)));
}

function benchDirect(): void {
  for (const n of [100, 10_000, 100_000]) {
    gc();
    const qs = queues(1000);
    const router = new DirectRouter<Queue>();
    for (let i = 0; i < n; i++) router.bind(qs[i % qs.length]!, `task.${i}`, {});
    const rand = rng(7);
    const hot = Array.from({ length: SAMPLES }, () => ({ key: `task.${rand(50)}` }));
    const spread = Array.from({ length: SAMPLES }, () => ({ key: `task.${rand(n * 2)}` }));
    row('direct, hot keys', n, measureRoutes(router, hot));
    row('direct, keys spread', n, measureRoutes(router, spread));
  }
}

function benchHeaders(): void {
  for (const n of [10, 100, 1000]) {
    gc();
    const qs = queues(1000);
    const router = new HeadersRouter<Queue>();
    for (let i = 0; i < n; i++) {
      const args: FieldTable =
        i % 2 ? { 'x-match': 'any', region: `r${i}`, tier: i % 7 } : { type: 'order', shard: i };
      router.bind(qs[i % qs.length]!, '', args);
    }
    const rand = rng(9);
    const samples = Array.from({ length: SAMPLES }, () => ({
      key: '',
      headers: { type: 'order', shard: rand(n), region: `r${rand(n)}`, 'x-trace': 'abc' },
    }));
    row('headers', n, measureRoutes(router, samples));
  }
}

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} (${os.cpus().length} cpus), node ${process.version}`,
);
benchTopic();
benchDirect();
benchHeaders();
