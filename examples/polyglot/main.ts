// Polyglot: a Warren service and a Python pika program talking through Warren's AMQP server.
// This process runs the service on an in-process broker and puts that broker on the wire
// (AmqpServer, on 127.0.0.1 and a free port, or PORT); then it runs client.py with
// /usr/bin/python3 (python3-pika), which calls the RPC, enqueues a task and receives the event
// the task publishes.
//   npx tsx examples/polyglot/main.ts           # one run, then exit
//   npx tsx examples/polyglot/main.ts --serve   # keep serving; run client.py yourself
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AmqpServer, Broker, Warren, silentLogger } from 'warren';
import { Greeter } from './service.js';

const broker = new Broker();
const greeter = new Greeter();
const app = await Warren.start({ services: [greeter], broker });
greeter.client = app.client;
const server = new AmqpServer({
  broker,
  host: '127.0.0.1',
  port: Number(process.env['PORT'] ?? 0),
  logger: silentLogger,
});
const { port } = await server.listen();
const url = `amqp://guest:guest@127.0.0.1:${port}/%2F`;
console.log(`[warren] AMQP server listening on 127.0.0.1:${port}`);

async function shutdown(): Promise<void> {
  await app.close();
  await server.close({ reason: 'example finished' });
  broker.close();
}

if (process.argv.includes('--serve')) {
  console.log(`[warren] run: AMQP_URL=${url} /usr/bin/python3 examples/polyglot/client.py`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await shutdown();
} else {
  const code = await runPython(url);
  console.log(`[warren] client.py exited ${code}; tasks recorded: ${greeter.recorded.length}`);
  await shutdown();
  process.exitCode = code;
}

function runPython(amqpUrl: string): Promise<number> {
  const script = fileURLToPath(new URL('client.py', import.meta.url));
  const child = spawn('/usr/bin/python3', [script], {
    env: { ...process.env, AMQP_URL: amqpUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Re-emit the child's output a whole line at a time, so its lines never interleave
  // mid-line with this process's own.
  createInterface({ input: child.stdout }).on('line', (line) => console.log(line));
  const timer = setTimeout(() => child.kill(), 20_000);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[warren] cannot run /usr/bin/python3: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}
