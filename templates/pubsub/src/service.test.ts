// Publishes events on the embedded broker (no server needed) and checks which ones arrive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker, Warren } from 'warren';
import { {{Name}}Alerts, publishEvent } from './service.js';

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('receives the events matching *.error, and only those', async () => {
  const alerts = new {{Name}}Alerts();
  const app = await Warren.start({ services: [alerts] });
  try {
    await publishEvent(app.client, 'info', { source: 'billing', message: 'fine' });
    await publishEvent(app.client, 'error', { source: 'billing', message: 'card declined' });
    await publishEvent(app.client, 'error', { source: 'search', message: 'index stale' });
    await until(() => alerts.received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50)); // nothing else arrives
    assert.deepEqual(
      alerts.received.map((r) => r.key),
      ['billing.error', 'search.error'],
    );
    assert.equal(alerts.received[0]?.event.message, 'card declined');
  } finally {
    await app.close();
  }
});

test('two instances each get every event (one queue per instance)', async () => {
  const [a, b] = [new {{Name}}Alerts(), new {{Name}}Alerts()];
  const broker = new Broker(); // one in-process broker shared by two apps
  const appA = await Warren.start({ services: [a], broker });
  const appB = await Warren.start({ services: [b], broker });
  try {
    await publishEvent(appA.client, 'error', { source: 'db', message: 'slow query' });
    await until(() => a.received.length === 1 && b.received.length === 1);
  } finally {
    await appB.close();
    await appA.close();
    broker.close();
  }
});
