// `npm start`. With WARREN_URL set (amqp://… of RabbitMQ or a Warren server) it runs the worker
// until Ctrl+C. Without it, it runs a short demo on the embedded broker: enqueues three jobs,
// waits for them and exits.
import { Warren } from 'warren';
import { {{Name}}Worker } from './service.js';

const url = process.env['WARREN_URL'];
const worker = new {{Name}}Worker();
const app = await Warren.start({ services: [worker], url, handleSignals: true });

if (url !== undefined) {
  console.log(`{{name}}: waiting for '{{queue}}.process' jobs on ${new URL(url).host} (Ctrl+C to stop)`);
} else {
  for (const [id, text] of [['1', 'hello warren'], ['2', 'three little words'], ['3', 'one']]) {
    await app.client.enqueue('{{queue}}.process', { id, text });
  }
  while (worker.results.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  await app.close();
  console.log('{{name}}: 3 jobs processed on the embedded broker');
}
