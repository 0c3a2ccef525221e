/**
 * The `--count N` loop shared by enqueue and publish: keeps a window of sends in flight
 * (each settles on the broker's confirm), ticks the progress bar and reports count and rate.
 */
import type { CliIO } from './command.js';
import { ProgressBar, formatRate } from './progress.js';

/** Sends in flight at once: enough to pipeline confirms, few enough to stop fast on an error. */
const WINDOW = 64;

export interface SendSummary {
  count: number;
  elapsedMs: number;
}

/** Calls `send(i)` for i in [0, count) with up to WINDOW in flight; rejects on the first error. */
export async function sendMany(count: number, send: (i: number) => Promise<unknown>): Promise<SendSummary> {
  const started = Date.now();
  const bar = new ProgressBar(count);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < count && !failed) {
      const i = next++;
      try {
        await send(i);
      } catch (err) {
        failed = true;
        throw err;
      }
      bar.tick();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(WINDOW, count) }, lane));
  } finally {
    bar.finish();
  }
  return { count, elapsedMs: Date.now() - started };
}

/** One summary line: `enqueued 100 messages to 'x' in 0.12 s (833 msgs/s)`. */
export function reportSummary(io: CliIO, verb: string, target: string, summary: SendSummary): void {
  const seconds = (summary.elapsedMs / 1000).toFixed(2);
  const noun = summary.count === 1 ? 'message' : 'messages';
  io.out(
    `${verb} ${summary.count} ${noun} to ${target} in ${seconds} s (${formatRate(summary.count, summary.elapsedMs)})`,
  );
}
