// A graceful close({ timeout: 0 }) on the embedded broker with a data dir, while deliveries
// are still arriving: every message it did not run is handed back exactly once. A hand-back
// publishes an identical copy and acks the original; a delivery that arrived after the
// consumer was cancelled was handed back without close() waiting for it, so its original's
// ack came after the channel had closed and both the copy and the original were left.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../../src/broker/broker.js';
import { Service, Task, Warren } from '../../../src/framework/index.js';
import { EmbeddedTransport } from '../../../src/transports/embedded/index.js';
import { removeDir, tempDir } from './helpers.js';

const ROUNDS = 8;
const N = 200;
const ran: string[] = [];

@Service('handback')
class HandBack {
  @Task('handback.job', { concurrency: 2, prefetch: 100, retries: 0 })
  async run(_p: unknown, ctx: { messageId: string }): Promise<void> {
    ran.push(ctx.messageId);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The ids left in the queue (the broker reopened from its data dir). */
async function leftInQueue(dir: string): Promise<string[]> {
  const broker = await Broker.open(dir, { onWarning: () => undefined });
  const transport = new EmbeddedTransport({ broker });
  await transport.connect();
  try {
    const channel = await transport.createChannel();
    const ids: string[] = [];
    for (
      let m = await channel.get('handback.job', { noAck: true });
      m;
      m = await channel.get('handback.job', { noAck: true })
    )
      ids.push(m.properties.messageId ?? '?');
    return ids;
  } finally {
    await transport.close();
    await broker.shutdown();
  }
}

test(
  `embedded dataDir: close({ timeout: 0 }) mid-delivery hands every message back once (${ROUNDS} rounds)`,
  {
    timeout: 240_000,
  },
  async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir('warren-hand-back-');
      try {
        ran.length = 0;
        const app = await Warren.start({
          dataDir: dir,
          services: [new HandBack()],
          onError: () => undefined,
        });
        const ids = Array.from({ length: N }, (_, i) => `r${round}-${i}`);
        await Promise.all(ids.map((id) => app.client.enqueue('handback.job', {}, { messageId: id })));
        await app.close({ timeout: 0 });
        const left = await leftInQueue(dir);
        const twice = left.filter((id, i) => left.indexOf(id) !== i);
        assert.deepEqual(twice, [], `round ${round}: in the queue twice`);
        const accounted = new Set([...left, ...ran]);
        assert.equal(accounted.size, N, `round ${round}: every message ran or is in the queue`);
      } finally {
        removeDir(dir);
      }
    }
  },
);
