// A worker in a child process (node --import tsx <script>) whose stdout lines a test waits on:
// `line(/^ready$/)` resolves once a matching line was printed (before or after the call).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ChildWorker {
  child: ChildProcess;
  /** Every line printed so far. */
  lines: string[];
  /** Resolves once a line matching `match` was printed. */
  line: (match: RegExp) => Promise<void>;
  /** Resolves when the process exited. */
  exited: Promise<unknown>;
}

export function spawnWorker(script: string, env: Record<string, string>): ChildWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { match: RegExp; resolve: () => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters) if (w.match.test(line)) w.resolve();
  });
  const line = (match: RegExp): Promise<void> =>
    lines.some((l) => match.test(l))
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ match, resolve }));
  return { child, lines, line, exited: once(child, 'exit') };
}
