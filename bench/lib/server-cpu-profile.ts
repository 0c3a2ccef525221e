// CPU the Warren server (a child process) spends per message: N publishes of 16 B with the
// properties a framework task carries (message id, content type, timestamp, a traceparent
// header) through amqplib (no confirms) into a queue with a no-ack consumer, server CPU read from
// /proc/<pid>/stat before and after. Per-message CPU, unlike throughput, holds up on a loaded
// machine, so it is what before/after comparisons of the server's hot path use:
//   npx tsx bench/lib/server-cpu-profile.ts        (BENCH_N, default 300000; Linux only)
import amqp from 'amqplib';
import { processCpuSeconds } from './process-cpu.js';
import { startWarrenChild } from './warren-child.js';

const N = Number(process.env['BENCH_N'] ?? 300_000);
const child = await startWarrenChild();
try {
  const conn = await amqp.connect(child.url, { noDelay: true });
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true });
  let got = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  await ch.consume(queue, () => void (++got === N && done()), { noAck: true });
  const body = Buffer.alloc(16);
  const properties = {
    messageId: '6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f',
    contentType: 'application/json',
    timestamp: 1_700_000_000,
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };
  const cpu0 = processCpuSeconds(child.pid!);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if (!ch.sendToQueue(queue, body, properties)) await new Promise((r) => ch.once('drain', r));
  }
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = processCpuSeconds(child.pid!) - cpu0;
  console.log(
    `${N} messages: ${Math.round(N / seconds)} msgs/s; server CPU ${((cpu * 1e6) / N).toFixed(2)} µs per message`,
  );
  await conn.close();
} finally {
  await child.stop();
}
process.exit(0);
