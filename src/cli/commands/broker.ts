/**
 * `warren broker`: runs the built-in AMQP 0-9-1 broker as a server. Options come from the
 * command line, optionally on top of a JSON --config file; --user adds users with full
 * permissions on "/" and the administrator tag (guest/guest stays, loopback only, as in
 * RabbitMQ). A config user gets full access to "/" unless it lists its own per-vhost
 * permissions (configure/write/read regexes, as rabbitmqctl set_permissions). SIGTERM/SIGINT close every connection with 320 CONNECTION_FORCED and exit 0.
 * --data-dir makes the broker persistent (Broker.open: durable definitions, users and
 * persistent messages survive restarts); without it everything is in memory.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { FULL_ACCESS, UserStore } from '../../broker/access/user-store.js';
import type { PermissionPatterns } from '../../broker/access/user-store.js';
import { Broker } from '../../broker/broker.js';
import { DefinitionsStore } from '../../broker/store/definitions-store.js';
import type { Logger } from '../../transports/tcp/logger.js';
import { AmqpServer } from '../../transports/tcp/server.js';
import { ManagementServer } from '../../transports/http/management-server.js';
import { cancelOnBroker, jobsProvider } from '../../framework/index.js';
import { openJobStoreArg } from '../job-store-arg.js';
import { UserError } from '../command.js';
import type { CliCommand, CliIO } from '../command.js';

export const BROKER_USAGE = [
  'Usage: warren broker [options]',
  '',
  'Run the built-in AMQP 0-9-1 broker.',
  '',
  'Options:',
  '  --port N             Port to listen on (default 5672)',
  '  --host ADDR          Address to listen on (default 0.0.0.0; guest may connect only from localhost)',
  '  --http-port N        Serve the management API, dashboard and /metrics on this port (e.g. 15672);',
  '                       /metrics there needs a management user',
  '  --metrics-port N     Also serve /metrics without auth on this port, on 127.0.0.1 (needs --http-port)',
  "  --jobs URL|DIR       Show this job store on the dashboard's Jobs page (needs --http-port): the",
  '                       postgres:// or redis:// URL your apps use (jobs can be cancelled there), or',
  '                       the data dir of an app on the embedded broker (read only)',
  '  --data-dir DIR       Persist definitions, users and persistent messages here (created if missing)',
  '  --disk-free-limit SIZE  With --data-dir: block publishers while the disk has less free',
  '                       (bytes, or 50MB, 1GB, 512MiB...; default 50MB as RabbitMQ; 0 disables)',
  '  --max-message-size SIZE  Largest message body accepted (default 128MiB as RabbitMQ;',
  '                       a bigger publish closes the channel with 406 PRECONDITION_FAILED)',
  '  --user NAME:PASSWORD Add an administrator with full access to "/" (repeatable; the password',
  '                       shows in `ps`: on shared hosts put users in the --config file instead)',
  '  --config FILE        JSON settings, see below (command-line options win)',
  '  -h, --help           Show this help',
  '',
  'Config file (JSON; every key optional):',
  '  { "port": 5672, "host": "0.0.0.0", "heartbeat": 60, "jobs": "redis://127.0.0.1:6379", "memoryHighWatermark": BYTES, "heapHighWatermark": BYTES,',
  '    "diskFreeLimit": BYTES or "50MB", "maxMessageSize": BYTES or "128MiB",',
  '    "vhosts": ["/", "orders"],',
  '    "users": [',
  '      { "name": "admin", "password": "s3cret", "tags": ["administrator"] },',
  '      { "name": "app", "password": "pw", "tags": [],',
  '        "permissions": { "orders": { "configure": "^app\\\\.", "write": ".*", "read": ".*" } } } ] }',
  '  A user without "permissions" gets full access to "/" (configure, write and read ".*").',
  '  With "permissions" it gets exactly those: one entry per vhost ("/" or one listed in',
  '  "vhosts"), each with configure, write and read regexes ("" grants nothing).',
].join('\n');

export class UsageError extends Error {}

interface ConfigUser {
  name: string;
  password: string;
  tags?: string[];
  /** Per-vhost permissions; undefined means full access to "/". */
  permissions?: Record<string, PermissionPatterns>;
}

export interface BrokerConfig {
  port: number;
  host: string;
  dataDir?: string;
  httpPort?: number;
  metricsPort?: number;
  /** The job store the dashboard shows (a database URL or an app's data dir). */
  jobs?: string;
  users: ConfigUser[];
  vhosts: string[];
  heartbeat?: number;
  memoryHighWatermark?: number;
  heapHighWatermark?: number;
  diskFreeLimit?: number;
  maxMessageSize?: number;
}

/** Parses argv (after the `broker` word) into a config; throws UsageError on bad input. */
export function parseBrokerArgs(argv: readonly string[]): BrokerConfig | 'help' {
  const cfg: BrokerConfig = { port: 5672, host: '0.0.0.0', users: [], vhosts: [] };
  const cli: Partial<BrokerConfig> = {};
  const users: ConfigUser[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--port') cli.port = parsePort(value());
    else if (arg === '--host') cli.host = value();
    else if (arg === '--data-dir') cli.dataDir = value();
    else if (arg === '--http-port') cli.httpPort = parsePort(value());
    else if (arg === '--disk-free-limit') cli.diskFreeLimit = parseSize(arg, value());
    else if (arg === '--max-message-size') cli.maxMessageSize = parseSize(arg, value());
    else if (arg === '--metrics-port') cli.metricsPort = parsePort(value());
    else if (arg === '--jobs') cli.jobs = value();
    else if (arg === '--config') configFile = value();
    else if (arg === '--user') users.push(parseUser(value()));
    else if (arg === '--verbose') continue;
    else throw new UsageError(`unknown option '${arg}'`);
  }
  if (configFile !== undefined) Object.assign(cfg, readConfig(configFile));
  Object.assign(cfg, cli);
  cfg.users = [...cfg.users, ...users];
  return cfg;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`invalid port '${v}'`);
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};

/** A byte size with RabbitMQ's units (k/kiB/M/MiB/G/GiB binary, kB/MB/GB decimal). */
export function parseSize(what: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined)
    throw new UsageError(`${what}: invalid size '${v}' (e.g. 50MB, 1GB, 512MiB)`);
  return Math.floor(Number(m[1]) * unit);
}

function parseUser(v: string): ConfigUser {
  const at = v.indexOf(':');
  if (at <= 0) throw new UsageError(`--user expects NAME:PASSWORD, got '${v}'`);
  return { name: v.slice(0, at), password: v.slice(at + 1), tags: ['administrator'] };
}

function readConfig(file: string): Partial<BrokerConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(raw)) throw new UsageError(`config ${file} must be a JSON object`);
  const bad = (what: string): UsageError => new UsageError(`config ${file}: ${what}`);
  const c = raw;
  const out: Partial<BrokerConfig> = {};
  if (c['port'] !== undefined) {
    if (typeof c['port'] !== 'number' && typeof c['port'] !== 'string') throw bad('"port" must be a number');
    out.port = parsePort(String(c['port']));
  }
  for (const key of ['host', 'jobs'] as const) {
    if (c[key] === undefined) continue;
    if (typeof c[key] !== 'string') throw bad(`"${key}" must be a string`);
    out[key] = c[key];
  }
  const sizes = ['diskFreeLimit', 'maxMessageSize'] as const;
  for (const key of sizes) {
    const v = c[key];
    if (typeof v === 'string') out[key] = parseSize(`"${key}"`, v);
  }
  const numeric = ['heartbeat', 'memoryHighWatermark', 'heapHighWatermark', ...sizes] as const;
  for (const key of numeric.filter(
    (k) => typeof c[k] !== 'string' || !(sizes as readonly string[]).includes(k),
  )) {
    const v = c[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw bad(`"${key}" must be a non-negative number`);
    out[key] = v;
  }
  if (c['vhosts'] !== undefined) {
    const v = c['vhosts'];
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && x !== '')) {
      throw bad('"vhosts" must be an array of non-empty strings');
    }
    out.vhosts = v;
  }
  if (c['users'] !== undefined) {
    if (!Array.isArray(c['users'])) throw bad('"users" must be an array');
    const vhosts = new Set(['/', ...(out.vhosts ?? [])]);
    const seen = new Set<string>();
    out.users = c['users'].map((u, i) => {
      const user = checkUser(u, i, vhosts, bad);
      if (seen.has(user.name)) throw bad(`user '${user.name}' is listed twice`);
      seen.add(user.name);
      return user;
    });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const USER_KEYS = new Set(['name', 'password', 'tags', 'permissions']);
const PERMISSION_KEYS = ['configure', 'write', 'read'] as const;

/** One entry of "users"; `vhosts` are those permissions may name. */
function checkUser(
  u: unknown,
  index: number,
  vhosts: ReadonlySet<string>,
  bad: (what: string) => UsageError,
): ConfigUser {
  if (
    !isObject(u) ||
    typeof u['name'] !== 'string' ||
    u['name'] === '' ||
    typeof u['password'] !== 'string'
  ) {
    throw bad(`users[${index}] needs a string name and password`);
  }
  const name = u['name'];
  const unknown = Object.keys(u).find((k) => !USER_KEYS.has(k));
  if (unknown !== undefined) {
    throw bad(`user '${name}': unknown key "${unknown}" (expected name, password, tags, permissions)`);
  }
  const tags = u['tags'] ?? [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
    throw bad(`user '${name}': "tags" must be an array of strings`);
  }
  const user: ConfigUser = { name, password: u['password'], tags };
  if (u['permissions'] === undefined) return user;
  const perms = u['permissions'];
  if (!isObject(perms)) {
    throw bad(`user '${name}': "permissions" must be an object of vhost → { configure, write, read }`);
  }
  user.permissions = {};
  for (const [vhost, p] of Object.entries(perms)) {
    const where = `user '${name}', vhost '${vhost}'`;
    if (!vhosts.has(vhost)) throw bad(`${where}: unknown vhost (use "/" or add it to "vhosts")`);
    if (!isObject(p)) throw bad(`${where}: permissions must be an object { configure, write, read }`);
    const extra = Object.keys(p).find((k) => !(PERMISSION_KEYS as readonly string[]).includes(k));
    if (extra !== undefined) throw bad(`${where}: unknown key "${extra}" (expected configure, write, read)`);
    const patterns = { configure: '', write: '', read: '' };
    for (const key of PERMISSION_KEYS) {
      const v = p[key];
      if (typeof v !== 'string') throw bad(`${where}: "${key}" must be a regex string ("" grants nothing)`);
      try {
        new RegExp(v);
      } catch (e) {
        throw bad(`${where}: "${key}" is not a valid regex: ${e instanceof Error ? e.message : String(e)}`);
      }
      patterns[key] = v;
    }
    user.permissions[vhost] = patterns;
  }
  return user;
}

/** Builds the server for a config (not yet listening). */
export function createBrokerServer(cfg: BrokerConfig, logger?: Logger, broker = new Broker()): AmqpServer {
  if (cfg.dataDir !== undefined) mkdirSync(cfg.dataDir, { recursive: true });
  for (const v of cfg.vhosts) broker.addVhost(v);
  if (cfg.maxMessageSize !== undefined) broker.maxMessageSize = cfg.maxMessageSize;
  const users = UserStore.withDefaultUser();
  if (broker.definitions instanceof DefinitionsStore) broker.definitions.bindUsers(users);
  for (const u of cfg.users) {
    users.addUser(u.name, u.password, u.tags ?? []);
    const permissions = u.permissions ?? { '/': FULL_ACCESS };
    for (const [vhost, patterns] of Object.entries(permissions))
      users.setPermissions(u.name, vhost, patterns);
  }
  return new AmqpServer({
    broker,
    users,
    host: cfg.host,
    port: cfg.port,
    heartbeat: cfg.heartbeat,
    memoryHighWatermark: cfg.memoryHighWatermark,
    heapHighWatermark: cfg.heapHighWatermark,
    logger,
  });
}

/** Waits for SIGTERM or SIGINT. */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

async function runBroker(argv: string[], io: CliIO): Promise<number> {
  let cfg: BrokerConfig | 'help';
  try {
    cfg = parseBrokerArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) throw new UserError(`${e.message}. Run 'warren broker --help' for usage`, 2);
    throw e;
  }
  if (cfg === 'help') {
    io.out(BROKER_USAGE);
    return 0;
  }
  if (cfg.jobs !== undefined && cfg.httpPort === undefined)
    throw new UserError('--jobs needs --http-port (the jobs are shown on the dashboard)', 2);
  let broker: Broker | undefined;
  try {
    if (cfg.dataDir !== undefined)
      broker = await Broker.open(cfg.dataDir, {
        onWarning: (l) => io.err(l),
        diskFreeLimit: cfg.diskFreeLimit,
      });
  } catch (e) {
    throw new UserError(`cannot open data dir: ${e instanceof Error ? e.message : String(e)}`);
  }
  const server = createBrokerServer(cfg, { info: (l) => io.out(l), warn: (l) => io.err(l) }, broker);
  try {
    const { host, port } = await server.listen();
    io.out(`warren broker listening on ${host}:${port}`);
  } catch (e) {
    throw new UserError(
      `cannot listen on ${cfg.host}:${cfg.port}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const management = await startManagement(cfg, server, io);
  await untilSignal();
  await management?.close();
  await server.close({ reason: 'shutdown' });
  await broker?.shutdown();
  io.out('warren broker stopped');
  return 0;
}

/** The management HTTP server when --http-port is given, with the --jobs store's view. */
async function startManagement(cfg: BrokerConfig, server: AmqpServer, io: CliIO) {
  if (cfg.httpPort === undefined) return undefined;
  const jobs =
    cfg.jobs === undefined
      ? undefined
      : await openJobStoreArg(cfg.jobs).catch(async (e: unknown) => {
          await server.close({ reason: 'shutdown' });
          throw e;
        });
  const management = new ManagementServer({
    broker: server.broker,
    server,
    host: cfg.host,
    port: cfg.httpPort,
    ...(cfg.metricsPort === undefined ? {} : { metrics: { port: cfg.metricsPort } }),
    ...(jobs === undefined
      ? {}
      : {
          jobs: jobsProvider(jobs.store, {
            ...(jobs.writable ? { cancel: cancelOnBroker(jobs.store, server.broker) } : {}),
          }),
        }),
  });
  try {
    const { host, port } = await management.listen();
    io.out(`warren management listening on http://${host}:${port}/`);
    const metrics = management.metricsAddress;
    if (metrics !== undefined)
      io.out(`warren metrics listening on http://${metrics.host}:${metrics.port}/metrics`);
  } catch (e) {
    await server.close({ reason: 'shutdown' });
    await jobs?.store.close();
    throw new UserError(
      `cannot listen on ${cfg.host}:${cfg.httpPort}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    close: async () => {
      await management.close();
      await jobs?.store.close();
    },
  };
}

export const brokerCommand: CliCommand = {
  name: 'broker',
  summary: 'Run the built-in AMQP 0-9-1 broker',
  usage: BROKER_USAGE,
  run: runBroker,
};
