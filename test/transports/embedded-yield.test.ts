// A loop of awaited publishes on the embedded transport yields to the event loop: confirms
// are immediate in-process, and without yielding such a loop starved timers and I/O until it
// ended (20k awaited enqueues blocked timers for 0.3–1.3 s; bench/embedded-event-loop.bench.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker/index.js';
import { EmbeddedTransport } from '../../src/transports/embedded/index.js';

test(
  'awaited embedded publishes let setImmediate callbacks and timers run mid-loop',
  { timeout: 30_000 },
  async () => {
    const transport = new EmbeddedTransport({ broker: new Broker({ consumerTimeout: 0 }) });
    await transport.connect();
    try {
      const ch = await transport.createChannel();
      await ch.assertQueue('yield.q', { durable: false });
      const body = Buffer.from('x');
      let immediateRanAt = -1;
      let timerRanAt = -1;
      let i = 0;
      setImmediate(() => (immediateRanAt = i));
      setTimeout(() => (timerRanAt = i), 0);
      const total = 20_000;
      for (; i < total; i++) await ch.publish('', 'yield.q', body);
      assert.ok(immediateRanAt >= 0 && immediateRanAt < total, `setImmediate ran at ${immediateRanAt}`);
      assert.ok(timerRanAt >= 0 && timerRanAt < total, `timer ran at ${timerRanAt}`);
      assert.equal(
        (await ch.checkQueue('yield.q')).messageCount,
        total,
        'every publish confirmed and queued',
      );
    } finally {
      await transport.close();
    }
  },
);
