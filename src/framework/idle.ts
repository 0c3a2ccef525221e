/**
 * `app.idle()`: resolves once no work is pending for the app: none of its consumers holds a
 * delivery, the schedule runner is between messages, and every queue the app consumes is
 * empty; seen twice in a row a few event-loop turns apart, so work that is only passing
 * between the broker and a handler (a retry being republished, a job a handler just
 * enqueued) is not mistaken for quiet. Messages held for later (delayed jobs, retry
 * back-offs, schedule tokens) are not pending work: with a ManualClock, advance the clock and
 * await idle() again. Rejects after `timeoutMs` (default 10 s) with the reason it was busy.
 */
import type { TransportChannel } from '../transports/transport.js';
import type { HandlerConsumer } from './consumer.js';

export interface IdleSources {
  consumers: readonly HandlerConsumer[];
  scheduleBusy: () => number;
  openChannel: () => Promise<TransportChannel>;
  /**
   * Resolves once the broker wrote what it holds back until written (an embedded broker with a
   * data dir delivers persistent messages only once they are on disk): such a message is
   * neither ready in its queue nor pending in a consumer meanwhile.
   */
  flushed?: () => Promise<void>;
}

export async function waitIdle(sources: IdleSources, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const channel = await sources.openChannel();
  try {
    let quietRounds = 0;
    let reason = '';
    while (quietRounds < 2) {
      if (Date.now() > deadline) throw new Error(`app.idle() timed out after ${timeoutMs} ms: ${reason}`);
      await sources.flushed?.();
      await turns(5);
      reason = await busyReason(sources, channel);
      quietRounds = reason === '' ? quietRounds + 1 : 0;
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
}

async function busyReason(sources: IdleSources, channel: TransportChannel): Promise<string> {
  for (const c of sources.consumers)
    if (c.pending > 0) return `${c.queue}: ${c.pending} deliveries in progress`;
  if (sources.scheduleBusy() > 0) return 'a schedule message is being handled';
  for (const c of sources.consumers) {
    for (const queue of [c.queue, c.sideQueue]) {
      if (queue === '' || queue === undefined) continue;
      const q = await channel.checkQueue(queue);
      if (q.messageCount > 0) return `${queue}: ${q.messageCount} messages ready`;
    }
  }
  return '';
}

/** Lets `n` rounds of I/O callbacks and timers run (setImmediate). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
