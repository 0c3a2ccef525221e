// Runs `warren broker --data-dir` as a child process (the real CLI, from source) on an
// ephemeral port, for crash tests and the persistence bench. Callers kill it in finally.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));

export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
  /** The management API's base URL when started with `--http-port`. */
  httpUrl?: string;
}

export interface BrokerProcessOptions {
  /** More `warren broker` options (e.g. ['--http-port', '0']). */
  args?: readonly string[];
  /** Node options before the script (e.g. ['--max-old-space-size=96']). */
  nodeArgs?: readonly string[];
}

export function startBrokerProcess(
  dataDir: string,
  timeoutMs = 15_000,
  options: BrokerProcessOptions = {},
): Promise<BrokerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      CLI,
      'broker',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const wantsHttp = options.args?.includes('--http-port') ?? false;
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start: ${err}`));
    }, timeoutMs);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /broker listening on [^:]+:(\d+)/.exec(out);
      const h = /management listening on (http:\/\/[^/\s]+)/.exec(out);
      if (m !== null && (!wantsHttp || h !== null)) {
        clearTimeout(timer);
        const port = Number(m[1]);
        const url = `amqp://guest:guest@127.0.0.1:${port}`;
        resolve({ child, port, url, stderr: () => err, httpUrl: h?.[1] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}: ${err}`));
    });
  });
}

/** SIGKILL and wait for the exit. */
export async function kill9(p: BrokerProcess | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}
