/**
 * `warren worker <module…>`: runs the @Service classes exported by the given modules until
 * SIGTERM or SIGINT, then shuts down gracefully (in-flight handlers finish, app.close()).
 */
import { Warren, type WarrenApp } from '../../framework/app.js';
import type { HandlerDescriptor } from '../../framework/explorer.js';
import type { CliCommand, CliIO } from '../command.js';
import { UserError } from '../command.js';
import { parseArgs } from 'node:util';
import { brokerUrls, connectError, redactUrl } from '../connect.js';
import { parsePositiveInt } from '../json-arg.js';
import { loadServices } from '../load-modules.js';
import { withConcurrency } from '../service-overrides.js';

const usage = `Usage: warren worker <module…> [options]

Imports each module (.js, or .ts when tsx is installed), finds its exported @Service classes
and runs them: task workers, RPC servers and subscribers. Prints one line per handler.
Stops gracefully on SIGTERM / SIGINT (in-flight handlers get the shutdown timeout).

Options:
  --url <amqp-url>      Broker: RabbitMQ or a Warren server (default: $WARREN_URL; without
                        either, an embedded broker in this process that only it can reach).
                        Repeat it, or separate urls with commas, to name the nodes of a
                        RabbitMQ cluster: the worker connects to any live node, fails over
                        to the next on reconnect, and tasks default to quorum queues
  --concurrency <n>     Prefetch and concurrency of every handler (overrides the decorators)
  --shutdown-timeout <ms>  How long in-flight handlers may finish on shutdown (default 10000)

Example:
  warren worker dist/mailer.js --url amqp://guest:guest@localhost:5672 --concurrency 4`;

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Run the @Service classes exported by modules',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        'shutdown-timeout': { type: 'string' },
      },
    });
    if (positionals.length === 0) throw new UserError(`expected at least one <module>\n${usage}`, 2);
    const concurrency =
      values.concurrency === undefined ? undefined : parsePositiveInt(values.concurrency, '--concurrency', 1);
    const shutdownTimeout = parsePositiveInt(values['shutdown-timeout'], '--shutdown-timeout', 10_000);
    const urls = brokerUrls(values.url);
    const found = await loadServices(positionals);
    const services = found.map((s) =>
      concurrency === undefined ? s.cls : withConcurrency(s.cls, concurrency),
    );
    const app = await startApp(urls, services as (new () => object)[], shutdownTimeout, io);
    logTaskOutcomes(app, io);
    io.out(
      urls === undefined
        ? 'broker: embedded (in this process only)'
        : `broker: ${urls.map(redactUrl).join(', ')}`,
    );
    for (const h of app.handlers) io.out(describeHandler(h));
    io.out(`worker ready: ${found.length} service(s), ${app.handlers.length} handler(s); Ctrl+C to stop`);
    await untilSignal();
    return stop(app, io);
  },
};

async function startApp(
  urls: string[] | undefined,
  services: (new () => object)[],
  shutdownTimeout: number,
  io: CliIO,
): Promise<WarrenApp> {
  const onError = (err: unknown): void => io.err(`warren worker: ${describeError(err)}`);
  try {
    return await Warren.start({
      urls,
      services,
      shutdownTimeout,
      connectionName: 'warren-worker',
      onError,
    });
  } catch (err) {
    if (urls !== undefined && !(err instanceof TypeError) && !(err instanceof RangeError)) {
      throw connectError(urls.join(','), err);
    }
    throw new UserError(err instanceof Error ? err.message : String(err), 1, { cause: err });
  }
}

/** One line per failed attempt, retry (attempt n/m and delay) and dead-letter, on stderr. */
function logTaskOutcomes(app: WarrenApp, io: CliIO): void {
  const attemptsOf = new Map<string, number>();
  for (const h of app.handlers) if (h.kind === 'task') attemptsOf.set(h.name, h.options.retries + 1);
  const of = (e: { taskName: string; attempt: number }): string =>
    `attempt ${e.attempt}/${attemptsOf.get(e.taskName) ?? '?'}`;
  app.on('task.failed', (e) =>
    io.err(`task ${e.taskName} ${e.messageId} failed (${of(e)}): ${describeError(e.error)}`),
  );
  app.on('task.retried', (e) =>
    io.err(`task ${e.taskName} ${e.messageId} retrying in ${e.delayMs} ms (after ${of(e)})`),
  );
  app.on('task.dead-lettered', (e) =>
    io.err(`task ${e.taskName} ${e.messageId} dead-lettered to ${e.queue} (${e.reason}, ${of(e)})`),
  );
}

/** An error as one line: its name and message (the stack is for --verbose tools, not a worker log). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message.startsWith(err.name) ? err.message : `${err.name}: ${err.message}`;
}

function describeHandler(h: HandlerDescriptor): string {
  switch (h.kind) {
    case 'task':
      return `task       ${h.name}  queue=${h.options.queue} prefetch=${h.options.prefetch} concurrency=${h.options.concurrency} retries=${h.options.retries}  (${h.service}.${h.method})`;
    case 'rpc':
      return `rpc        ${h.name}  queue=${h.options.queue} prefetch=${h.options.prefetch}  (${h.service}.${h.method})`;
    case 'subscribe': {
      const pattern = h.options.pattern === '' ? '' : ` pattern=${h.options.pattern}`;
      return `subscribe  ${h.options.exchange} (${h.options.type})${pattern} prefetch=${h.options.prefetch}  (${h.service}.${h.method})`;
    }
  }
}

/** Waits for SIGTERM / SIGINT, holding the process open meanwhile (an embedded broker has no socket that would). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    const onSignal = (signal: NodeJS.Signals): void => {
      clearInterval(keepAlive);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function stop(app: WarrenApp, io: CliIO): Promise<number> {
  io.err('warren worker: stopping (finishing in-flight handlers)…');
  await app.close();
  io.err('warren worker: stopped');
  return 0;
}
