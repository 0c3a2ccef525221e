/**
 * How CLI commands reach a broker. The URL comes from --url or WARREN_URL; commands that
 * talk to workers (call, enqueue, publish, purge, delete) need one, because an embedded
 * broker in a fresh process has nobody on it. Connection failures become one-line
 * UserErrors naming the broker with its password hidden, and so do the client's failures
 * while a client app is in use.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Warren, type WarrenApp } from '../framework/app.js';
import { AmqpTransport } from '../transports/amqp/amqp-transport.js';
import type { TransportChannel } from '../transports/transport.js';
import { toUserError } from './client-errors.js';
import { UserError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type BrokerArgsConfig<O extends Options> = {
  args: string[];
  allowPositionals: true;
  options: { url: { type: 'string' } } & O;
};

/** Parses a broker command's argv: positionals, --url, and the command's own `options`. */
export function parseBrokerArgs<O extends Options>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<BrokerArgsConfig<O>>> {
  return parseArgs<BrokerArgsConfig<O>>({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, ...options },
  });
}

/** The broker URL from the flag, else WARREN_URL, else undefined. */
export function brokerUrl(flag: string | undefined): string | undefined {
  const url = flag ?? process.env['WARREN_URL'];
  return url === undefined || url === '' ? undefined : url;
}

/**
 * The broker URLs of a command that takes a cluster: every --url (each may list several,
 * comma-separated), else WARREN_URL (comma-separated too), else undefined. Each is checked.
 */
export function brokerUrls(flags: readonly string[] | undefined): string[] | undefined {
  const raw = flags !== undefined && flags.length > 0 ? flags : [process.env['WARREN_URL'] ?? ''];
  const urls = raw
    .flatMap((f) => f.split(','))
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) return undefined;
  for (const url of urls) checkUrl(url);
  return urls;
}

/** The broker URL, or a UserError explaining why an embedded broker cannot serve `command`. */
export function requireBrokerUrl(flag: string | undefined, command: string): string {
  const url = brokerUrl(flag);
  if (url === undefined) {
    throw new UserError(
      `no broker: pass --url amqp://… or set WARREN_URL (an embedded broker in a fresh ` +
        `'warren ${command}' process has no workers on it)`,
    );
  }
  checkUrl(url);
  return url;
}

/** amqp://user:***@host:port/vhost — for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`invalid broker URL '${url}' (expected amqp://user:pass@host:port/vhost)`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new UserError(`invalid broker URL '${redactUrl(url)}': the scheme must be amqp:// or amqps://`);
  }
}

/** Wraps a connect failure as one line naming the broker. */
export function connectError(url: string, err: unknown): UserError {
  const reason = err instanceof Error ? err.message : String(err);
  const where = url.split(',').map(redactUrl).join(', ');
  return new UserError(`cannot connect to ${where}: ${reason}`, 1, { cause: err });
}

/** A client-only app (no services) on `url`; no reconnects, so failures surface at once. */
async function startClientApp(url: string): Promise<WarrenApp> {
  try {
    return await Warren.start({
      url,
      services: [],
      reconnect: false,
      connectionName: 'warren-cli',
      onError: () => undefined,
    });
  } catch (err) {
    throw connectError(url, err);
  }
}

/**
 * Runs `fn` with a client app on `url`, then closes it at once. What the client throws
 * becomes a one-line UserError; `hint` says what to check when nothing handles the message.
 */
export async function withClientApp<T>(
  url: string,
  hint: string,
  fn: (app: WarrenApp) => Promise<T>,
): Promise<T> {
  const app = await startClientApp(url);
  try {
    return await fn(app);
  } catch (err) {
    throw toUserError(err, hint);
  } finally {
    await app.close({ timeout: 0 });
  }
}

/** Runs `fn` on one channel of a fresh connection to `url`, then closes the connection. */
export async function withChannel<T>(url: string, fn: (channel: TransportChannel) => Promise<T>): Promise<T> {
  const transport = new AmqpTransport(url, { reconnect: false, connectionName: 'warren-cli' });
  try {
    await transport.connect();
  } catch (err) {
    throw connectError(url, err);
  }
  try {
    const channel = await transport.createChannel();
    return await fn(channel);
  } finally {
    await transport.close();
  }
}
