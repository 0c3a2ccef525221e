// Starts bench/lib/warren-server.ts as a child process (so broker and client do not share a
// thread, as with RabbitMQ) and resolves to its address once it prints it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WarrenChild {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./warren-server.ts', import.meta.url));
/** Extra node flags for the child, e.g. WARREN_CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'. */
const NODE_ARGS = process.env['WARREN_CHILD_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];

export function startWarrenChild(timeoutMs = 20_000): Promise<WarrenChild> {
  const child = spawn(process.execPath, [...NODE_ARGS, '--import', 'tsx', ENTRY], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<WarrenChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Warren server did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const { host, port } = JSON.parse(out.slice(0, nl)) as { host: string; port: number };
        const h = host === '::' || host === '0.0.0.0' ? '127.0.0.1' : host;
        resolve({ url: `amqp://guest:guest@${h}:${port}/%2F`, pid: child.pid, stop });
      } catch (err) {
        void stop();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Warren server exited (code ${String(child.exitCode)})\n${stderr}`));
    });
  });
}
