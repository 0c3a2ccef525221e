/**
 * The operator commands' HTTP client for the management API: --management (or
 * WARREN_MGMT_URL, default http://127.0.0.1:15672), --user / --password-file / --password (or
 * WARREN_MGMT_USER / WARREN_MGMT_PASSWORD, default guest/guest). `--url` means the AMQP broker
 * in every warren command, so an HTTP address given with it is a usage error naming
 * --management. API errors become one-line UserErrors. Listings print as aligned tables, or as
 * the API's JSON with --json.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { CliIO } from './command.js';
import { UserError } from './command.js';

export const CONNECTION_OPTIONS = {
  management: { type: 'string' },
  url: { type: 'string' },
  user: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'p' },
  'password-file': { type: 'string' },
  'new-password-file': { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  vhost: { type: 'string' },
  tags: { type: 'string' },
  configure: { type: 'string' },
  write: { type: 'string' },
  read: { type: 'string' },
  priority: { type: 'string' },
  'apply-to': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = [
  '  --management URL   Management API (default $WARREN_MGMT_URL or http://127.0.0.1:15672)',
  '  -u, --user NAME    API user (default $WARREN_MGMT_USER or guest)',
  '  --password-file F  Read the API password from file F (- for stdin); or set',
  '                     $WARREN_MGMT_PASSWORD (default guest). -p, --password PW also works',
  '                     but shows the password to every user of `ps`',
].join('\n');

/** Reads a password from a file (or stdin for '-'), without its trailing newline. */
export function readPasswordFile(path: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UserError(`${option} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new UserError(`${option} ${path}: the file is empty`);
  return password;
}

export function parseOperatorArgs(argv: string[]) {
  return parseArgs({ args: argv, options: CONNECTION_OPTIONS, allowPositionals: true, strict: true });
}

export type OperatorValues = ReturnType<typeof parseOperatorArgs>['values'];

export class ManagementClient {
  private readonly base: string;
  private readonly auth: string;

  /** `usesAmqpUrl`: the command also talks AMQP, so --url (the broker) is meaningful to it. */
  constructor(values: OperatorValues, usesAmqpUrl = false) {
    if (values.url !== undefined && (!usesAmqpUrl || /^https?:/i.test(values.url))) {
      throw new UserError(
        `--url is the AMQP broker address (amqp://…) in every warren command; ` +
          `pass the management API with --management ${/^https?:/i.test(values.url) ? values.url : 'http://host:15672'}`,
        2,
      );
    }
    this.base = (values.management ?? process.env['WARREN_MGMT_URL'] ?? 'http://127.0.0.1:15672').replace(
      /\/+$/,
      '',
    );
    const user = values.user ?? process.env['WARREN_MGMT_USER'] ?? 'guest';
    const password = managementPassword(values);
    this.auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api${path}`, {
        method,
        headers: { authorization: this.auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
      throw new UserError(`cannot reach the management API at ${this.base}: ${cause}`);
    }
    const text = await res.text();
    const data: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const reason = (data as { reason?: string } | undefined)?.reason ?? res.statusText;
      throw new UserError(`${method} ${path}: ${res.status} ${reason}`);
    }
    return data as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
}

export const vhostPath = (v: string): string => encodeURIComponent(v);

/** The API password: --password, else --password-file, else $WARREN_MGMT_PASSWORD, else guest. */
export function managementPassword(values: OperatorValues): string {
  if (values.password !== undefined) return values.password;
  const file = values['password-file'];
  if (file !== undefined) return readPasswordFile(file, '--password-file');
  return process.env['WARREN_MGMT_PASSWORD'] ?? 'guest';
}

/** Renders rows as an aligned text table (rabbitmqctl style), numbers right-aligned. */
export function renderTable(headers: string[], rows: Array<Array<string | number>>): string[] {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], raw?: Array<string | number>) =>
    r
      .map((c, i) => (typeof raw?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map((r, i) => line(r, rows[i]))];
}

/** Prints the API's objects as JSON with --json, else as a table of `headers` and `row(r)`. */
export function printRows<T>(
  io: CliIO,
  values: OperatorValues,
  rows: T[],
  headers: string[],
  row: (r: T) => Array<string | number>,
): void {
  if (values.json === true) io.out(JSON.stringify(rows, null, 2));
  else for (const line of renderTable(headers, rows.map(row))) io.out(line);
}
