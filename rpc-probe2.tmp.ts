import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
const url = 'amqp://guest:guest@127.0.0.1:5672';
async function run(variant: string) {
const conn = await amqp.connect(url, { noDelay: true });
const sconf = variant.includes('sconf'), conf = variant.includes('cconf');
const server = sconf ? await conn.createConfirmChannel() : await conn.createChannel();
const sub = await conn.createChannel();
const client = conf ? await conn.createConfirmChannel() : await conn.createChannel();
const queue = 'i15-rpc-probe-' + randomUUID();
await sub.assertQueue(queue, { durable: false, autoDelete: true });
await sub.prefetch(100);
await sub.consume(queue, (m) => { if (!m) return;
  server.publish('', m.properties.replyTo, Buffer.from(m.content), { correlationId: m.properties.correlationId }, sconf ? (() => sub.ack(m)) as any : undefined);
  if (!sconf) sub.ack(m); });
const pending = new Map<string, (v: unknown) => void>();
await client.consume('amq.rabbitmq.reply-to', (m) => { if (!m) return; const r = pending.get(m.properties.correlationId); pending.delete(m.properties.correlationId); r?.(1); }, { noAck: true });
const call = () => new Promise((resolve) => { const id = randomUUID(); pending.set(id, resolve);
  const opts: any = { correlationId: id, replyTo: 'amq.rabbitmq.reply-to', contentType: 'application/json' };
  if (variant.includes('mand')) opts.mandatory = true;
  if (variant.includes('exp')) opts.expiration = '30000';
  client.publish('', queue, Buffer.from('{"n":1}'), opts, conf ? (() => {}) as any : undefined); });
let n = 0; const t0 = performance.now(); const cpu0 = process.cpuUsage();
await Promise.all(Array.from({length: 100}, async () => { while (performance.now() - t0 < 3000) { await call(); n++; } }));
const cpu = process.cpuUsage(cpu0);
console.log(variant.padEnd(24), Math.round(n / 3), 'calls/s', ((cpu.user+cpu.system)/n).toFixed(1), 'µs cpu/call');
await conn.close();
}
for (const v of ['plain', 'cconf-mand-exp-sconf', 'plain', 'cconf-mand-exp-sconf', 'mand-exp', 'cconf-mand-exp']) await run(v);
