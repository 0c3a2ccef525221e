// `npm start`. With WARREN_URL set (amqp://… of RabbitMQ or a Warren server) it serves the
// procedure until Ctrl+C. Without it, it runs a short demo on the embedded broker: one call,
// printed, then exit.
import { Warren } from 'warren';
import { {{Name}}Service } from './service.js';

const url = process.env['WARREN_URL'];
const app = await Warren.start({ services: [{{Name}}Service], url, handleSignals: true });

if (url !== undefined) {
  console.log(`{{name}}: serving '{{queue}}.quote' on ${new URL(url).host} (Ctrl+C to stop)`);
} else {
  const quote = await app.client.call('{{queue}}.quote', { item: 'apple', quantity: 4 });
  console.log('{{queue}}.quote →', JSON.stringify(quote));
  await app.close();
}
