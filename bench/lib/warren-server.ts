// Child-process entry for the server benchmark: starts Warren's AMQP server on 127.0.0.1 with an
// ephemeral port (or WARREN_PORT) and RabbitMQ's default user guest/guest, prints
// {"host","port"} as one JSON line, and runs until SIGTERM/SIGINT or until its stdin closes
// (the parent went away). Logs go to stderr. Runs the tsc build when current (warren-module.ts).
// WARREN_DATA_DIR=<dir> makes it persistent, as `warren broker --data-dir` (confirms after fsync).
import { broker, tcp } from './warren-module.js';

const { AmqpServer } = tcp;
const dataDir = process.env['WARREN_DATA_DIR'];

const server = new AmqpServer({
  ...(dataDir === undefined ? {} : { broker: await broker.Broker.open(dataDir) }),
  host: '127.0.0.1',
  port: Number(process.env['WARREN_PORT'] ?? 0),
  logger: {
    info: () => undefined,
    warn: (message) => process.stderr.write(`${message}\n`),
  },
});
const address = await server.listen();
console.log(JSON.stringify({ host: address.host, port: address.port }));

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(0), 2_000);
  force.unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
