// `npm start`. With WARREN_URL set (amqp://… of RabbitMQ or a Warren server) it subscribes
// until Ctrl+C. Without it, it runs a short demo on the embedded broker: publishes three
// events, of which the subscriber receives the two errors, then exits.
import { Warren } from 'warren';
import { EXCHANGE, {{Name}}Alerts, publishEvent } from './service.js';

const url = process.env['WARREN_URL'];
const alerts = new {{Name}}Alerts();
const app = await Warren.start({ services: [alerts], url, handleSignals: true });

if (url !== undefined) {
  console.log(`{{name}}: subscribed to '*.error' on '${EXCHANGE}' at ${new URL(url).host} (Ctrl+C to stop)`);
} else {
  await publishEvent(app.client, 'error', { source: 'billing', message: 'card declined' });
  await publishEvent(app.client, 'info', { source: 'billing', message: 'invoice sent' });
  await publishEvent(app.client, 'error', { source: 'shipping', message: 'address unknown' });
  while (alerts.received.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  await app.close();
  console.log('{{name}}: 2 of 3 events matched *.error');
}
