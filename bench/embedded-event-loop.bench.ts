// Event-loop lag while an embedded app enqueues in a loop: 20 000 awaited `client.enqueue`
// calls on the embedded broker (no consumer), with a 5 ms interval timer running. Prints the
// longest gap between timer ticks and the enqueue rate. Before the embedded transport yielded,
// every confirm resolved as a microtask and the loop starved timers and I/O until it ended.
// Run: node --import tsx bench/embedded-event-loop.bench.ts
import 'reflect-metadata';
import { Service, Task, Warren } from '../src/framework/index.js';

const N = 20_000;

@Service('lag')
class Lag {
  @Task('lag.job')
  run(): Promise<void> {
    return Promise.resolve();
  }
}

async function measure(): Promise<{ maxGapMs: number; ticks: number; perSecond: number }> {
  // The app consumes its own tasks too, as a typical embedded app does.
  const app = await Warren.start({ services: [new Lag()] });
  let last = performance.now();
  let maxGapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await app.client.enqueue('lag.job', { i });
  const seconds = (performance.now() - t0) / 1000;
  maxGapMs = Math.max(maxGapMs, performance.now() - last);
  clearInterval(timer);
  await app.close({ timeout: 0 });
  return { maxGapMs, ticks, perSecond: N / seconds };
}

for (let run = 1; run <= 3; run++) {
  const r = await measure();
  console.log(
    `run ${run}: ${N} awaited enqueues, ${r.perSecond.toFixed(0)}/s; timer (5 ms): ${r.ticks} ticks, longest gap ${r.maxGapMs.toFixed(1)} ms`,
  );
}
