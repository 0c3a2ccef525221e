/**
 * A small progress bar for long `--count` runs, drawn on stderr only when stderr is a TTY
 * (so pipes and CI logs stay clean), redrawn at most every 100 ms. No dependency.
 */

/** Below this many messages a run is short enough not to need a bar. */
export const PROGRESS_MIN_TOTAL = 1000;
const WIDTH = 30;
const REDRAW_MS = 100;

export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export class ProgressBar {
  readonly #total: number;
  readonly #stream: ProgressStream | undefined;
  readonly #started = Date.now();
  #done = 0;
  #lastDraw = 0;

  constructor(total: number, stream: ProgressStream = process.stderr) {
    this.#total = total;
    this.#stream = stream.isTTY === true && total >= PROGRESS_MIN_TOTAL ? stream : undefined;
  }

  /** Records `n` more messages and redraws when due. */
  tick(n = 1): void {
    this.#done += n;
    const now = Date.now();
    if (this.#stream && (now - this.#lastDraw >= REDRAW_MS || this.#done === this.#total)) {
      this.#lastDraw = now;
      this.#stream.write(`\r${renderBar(this.#done, this.#total, now - this.#started)}`);
    }
  }

  /** Clears the bar's line. */
  finish(): void {
    this.#stream?.write('\r\x1b[2K');
  }
}

/** `[#######-------]  50% 500/1000  1234 msg/s` */
export function renderBar(done: number, total: number, elapsedMs: number): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${bar}] ${pct} ${done}/${total}  ${formatRate(done, elapsedMs)}`;
}

/** `1234 msgs/s`, rounded; elapsed below 1 ms counts as 1 ms. */
export function formatRate(count: number, elapsedMs: number): string {
  return `${Math.round((count * 1000) / Math.max(1, elapsedMs))} msgs/s`;
}
