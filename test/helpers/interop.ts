// Interop fixtures: start Warren's AMQP server in-process on an ephemeral port, spawn real
// AMQP clients (Debian's /usr/bin/python3 with pika/celery, the amqp-tools binaries) as child
// processes, and watch what they print. Every process has a hard deadline and is killed in
// `finally`; every server is closed in `finally`.
//
// INTEROP_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F points the suites that support it at
// an external broker (RabbitMQ) instead, to check that the tests themselves are right. Names are
// then prefixed with a per-test random prefix (AMQP_PREFIX) and deleted afterwards.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { FULL_ACCESS, UserStore } from '../../src/broker/access/user-store.js';
import { AmqpServer } from '../../src/transports/tcp/index.js';
import type { AmqpServerOptions, Logger } from '../../src/transports/tcp/index.js';

/** Debian's interpreter: the one with python3-pika and python3-celery installed. */
export const PYTHON = '/usr/bin/python3';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PIKA_EXAMPLES = fileURLToPath(new URL('../../examples/pika/', import.meta.url));
export const CELERY_EXAMPLES = fileURLToPath(new URL('../../examples/celery/', import.meta.url));

export interface InteropUser {
  name: string;
  password: string;
  tags?: string[];
}

/** The users every interop server gets: RabbitMQ's guest/guest and the first seed's root/root. */
export const DEFAULT_INTEROP_USERS: InteropUser[] = [
  { name: 'guest', password: 'guest', tags: ['administrator'] },
  { name: 'root', password: 'root', tags: ['administrator'] },
];

export interface BrokerTarget {
  host: string;
  port: number;
  /** True when this is INTEROP_AMQP_URL's broker rather than an in-process Warren server. */
  external: boolean;
  /** Prepended to queue/exchange names by the examples (empty for a private Warren server). */
  prefix: string;
  /** amqp:// URL for a user (default guest/guest) on vhost "/". */
  url(user?: string, password?: string): string;
  /** Environment for the example programs: AMQP_URL, AMQP_PREFIX, AMQP_HOST, AMQP_PORT. */
  env(user?: string, password?: string): Record<string, string>;
  close(): Promise<void>;
  /** The broker's log lines so far (Warren's server only). */
  log(): string[];
}

// ---------------------------------------------------------------------------------------------
// Warren's server, in-process.

/** A logger that keeps the server's log lines (shown when a test fails). */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`WARN ${message}`);
  }
}

function makeUserStore(users: InteropUser[]): UserStore {
  const store = new UserStore();
  for (const u of users) {
    store.addUser(u.name, u.password, u.tags ?? []);
    store.setPermissions(u.name, '/', FULL_ACCESS);
  }
  return store;
}

function target(
  host: string,
  port: number,
  external: boolean,
  prefix: string,
  close: () => Promise<void>,
  log: () => string[] = () => [],
): BrokerTarget {
  const t: BrokerTarget = {
    host,
    port,
    external,
    prefix,
    url: (user = 'guest', password = 'guest') =>
      `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/%2F`,
    env: (user, password) => ({
      AMQP_URL: t.url(user, password),
      AMQP_PREFIX: prefix,
      AMQP_HOST: host,
      AMQP_PORT: String(port),
    }),
    close,
    log,
  };
  return t;
}

/** Starts Warren's server on 127.0.0.1, port 0 (never 5672), with the given users. */
export async function startWarren(
  users: InteropUser[] = DEFAULT_INTEROP_USERS,
  options: Omit<AmqpServerOptions, 'users' | 'host' | 'port'> = {},
): Promise<BrokerTarget> {
  const logger = new RecordingLogger();
  const server = new AmqpServer({
    logger,
    ...options,
    users: makeUserStore(users),
    host: '127.0.0.1',
    port: 0,
  });
  const address = await server.listen();
  return target(
    '127.0.0.1',
    address.port,
    false,
    '',
    () => server.close(),
    () => logger.lines,
  );
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port; rejects after timeoutMs. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs = 15_000,
  proc?: Proc,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc !== undefined && !proc.running) throw new Error(`${proc.label} exited before listening`);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await delay(50);
  }
}

export const CLI_BROKER_COMMAND = fileURLToPath(new URL('../../src/cli/commands/broker.ts', import.meta.url));

/**
 * `warren broker --host 127.0.0.1 --port <free> --data-dir <tmp> ...extraArgs`, run from source
 * (src/cli/main.ts through tsx) in a child process of `procs`; resolves once it accepts TCP
 * connections. The data directory is removed when the returned target is closed.
 */
export async function startWarrenCli(
  procs: ProcessGroup,
  extraArgs: string[],
): Promise<BrokerTarget & { proc: Proc }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-interop-'));
  const mainUrl = new URL('../../src/cli/main.ts', import.meta.url).href;
  const code = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;
  const args = ['broker', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...extraArgs];
  // `--` keeps node from taking the command's options (--version, --help) as its own; the cwd
  // lets --import find the repository's tsx.
  const proc = procs.spawn(
    `warren ${args.join(' ')}`,
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code, '--', ...args],
    { cwd: REPO_ROOT },
  );
  try {
    await waitForPort('127.0.0.1', port, 15_000, proc);
  } catch (err) {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${proc.transcript()}`);
  }
  const t = target(
    '127.0.0.1',
    port,
    false,
    '',
    async () => {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    () => [...proc.lines, ...proc.errLines],
  );
  return { ...t, proc };
}

export interface ExternalNames {
  /** Queue names, without the prefix. */
  queues?: string[];
  /** Exchange names, without the prefix. */
  exchanges?: string[];
  /** Exchanges whose names a client fixes (e.g. Celery's celery.pidbox): deleted if unused. */
  literalExchanges?: string[];
}

/** INTEROP_AMQP_URL's broker, with a fresh prefix; close() deletes the prefixed names. */
export function externalTarget(urlText: string, names: ExternalNames): BrokerTarget {
  const u = new URL(urlText);
  const prefix = `warren-interop-${randomBytes(4).toString('hex')}-`;
  const port = u.port === '' ? 5672 : Number(u.port);
  return target(u.hostname, port, true, prefix, async () => {
    const conn = await amqp.connect(urlText);
    try {
      const ch = await conn.createChannel();
      for (const q of names.queues ?? []) await ch.deleteQueue(prefix + q);
      for (const e of names.exchanges ?? []) await ch.deleteExchange(prefix + e);
      await ch.close();
      for (const e of names.literalExchanges ?? []) {
        // A failed if-unused delete closes the channel: one channel each.
        const lc = await conn.createChannel();
        lc.on('error', () => {});
        await lc.deleteExchange(e, { ifUnused: true }).then(
          () => lc.close(),
          () => undefined,
        );
      }
    } finally {
      await conn.close();
    }
  });
}

/** The broker for one test: INTEROP_AMQP_URL's when set (and `allowExternal`), else a fresh Warren server. */
export async function brokerForTest(
  options: { allowExternal?: boolean; names?: ExternalNames; users?: InteropUser[] } = {},
): Promise<BrokerTarget> {
  const external = process.env.INTEROP_AMQP_URL;
  if (external !== undefined && external !== '' && options.allowExternal !== false) {
    return externalTarget(external, options.names ?? {});
  }
  return startWarren(options.users);
}

// ---------------------------------------------------------------------------------------------
// Child processes.

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Hard deadline: the process is SIGKILLed after this many ms. Default 30 s. */
  timeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process whose stdout/stderr are collected line by line. */
export class Proc {
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  readonly exited: Promise<ExitStatus>;
  exit: ExitStatus | undefined;
  private readonly child: ChildProcess;
  private readonly deadline: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();
  private timedOut = false;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.on('error', (err) => {
        this.errLines.push(`spawn error: ${err.message}`);
        this.exit ??= { code: -1, signal: null };
        this.notify();
        resolve(this.exit);
      });
      this.child.on('close', (code, signal) => {
        this.exit ??= { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    this.collect(this.child.stdout!, this.lines);
    this.collect(this.child.stderr!, this.errLines);
    this.deadline = setTimeout(() => {
      this.timedOut = true;
      this.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    this.deadline.unref();
    void this.exited.then(() => clearTimeout(this.deadline));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  private collect(stream: NodeJS.ReadableStream, into: string[]): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) into.push(line.replace(/\r$/, ''));
      this.notify();
    });
    stream.on('end', () => {
      if (partial !== '') into.push(partial);
      partial = '';
      this.notify();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `check` returns a value other than undefined; rejects after timeoutMs. */
  private until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const test = (): boolean => {
        const v = check();
        if (v === undefined) return false;
        done();
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript()}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => {
        if (test()) return;
        if (this.exit !== undefined) {
          // Give the stream 'end' a chance to deliver the last lines before failing.
          setImmediate(() => {
            if (test()) return;
            done();
            reject(
              new Error(
                `${this.label}: exited (${describeExit(this.exit!)}) before ${what}\n${this.transcript()}`,
              ),
            );
          });
        }
      };
      this.waiters.add(waiter);
      waiter();
    });
  }

  /** Waits for a stdout line matching `pattern` (counting lines already printed). */
  waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.until(
      () => this.lines.find((l) => pattern.test(l)),
      timeoutMs,
      `a line matching ${String(pattern)}`,
    );
  }

  /** Waits for a stderr line matching `pattern` (where Celery and amqp-tools log). */
  waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.until(
      () => this.errLines.find((l) => pattern.test(l)),
      timeoutMs,
      `a stderr line matching ${String(pattern)}`,
    );
  }

  /** Waits until `count` stdout lines match `pattern`; resolves to them. */
  waitForLines(pattern: RegExp, count: number, timeoutMs = 10_000): Promise<string[]> {
    return this.until(
      () => {
        const hits = this.lines.filter((l) => pattern.test(l));
        return hits.length >= count ? hits : undefined;
      },
      timeoutMs,
      `${count} lines matching ${String(pattern)}`,
    );
  }

  /** Waits for the process to end; rejects (after killing it) if it outlives timeoutMs. */
  async waitForExit(timeoutMs = 10_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(new Error(`${this.label}: still running after ${timeoutMs} ms\n${this.transcript()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for exit and asserts status 0, with the transcript in the error otherwise. */
  async expectSuccess(timeoutMs = 10_000): Promise<string[]> {
    const status = await this.waitForExit(timeoutMs);
    if (status.code !== 0) {
      throw new Error(`${this.label}: ${describeExit(status)}\n${this.transcript()}`);
    }
    return this.lines;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
  }

  /** SIGTERM, then SIGKILL if it has not gone within graceMs. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.exit !== undefined) return;
    this.kill('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!gone) {
      this.kill('SIGKILL');
      await Promise.race([this.exited, delay(graceMs)]);
    }
  }

  transcript(): string {
    const timed = this.timedOut ? ' [killed at its deadline]' : '';
    return [
      `--- ${this.label}${timed} stdout ---`,
      ...this.lines,
      `--- ${this.label} stderr ---`,
      ...this.errLines.slice(-40),
    ].join('\n');
  }
}

function describeExit(s: ExitStatus): string {
  return s.signal !== null ? `killed by ${s.signal}` : `exit code ${String(s.code)}`;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tracks spawned processes so a test can kill them all in `finally`. */
export class ProcessGroup {
  readonly procs: Proc[] = [];

  constructor(private readonly defaults: SpawnOptions = {}) {}

  spawn(label: string, command: string, args: string[], options: SpawnOptions = {}): Proc {
    const p = new Proc(label, command, args, {
      ...this.defaults,
      ...options,
      env: { ...this.defaults.env, ...options.env },
    });
    this.procs.push(p);
    return p;
  }

  /** Runs `/usr/bin/python3 script args...`. */
  python(script: string, args: string[] = [], options: SpawnOptions = {}): Proc {
    return this.spawn(
      `${script}${args.length > 0 ? ' ' + args.join(' ') : ''}`,
      PYTHON,
      [script, ...args],
      options,
    );
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }

  /** Everything every process printed, for failure messages. */
  transcript(): string {
    return this.procs.map((p) => p.transcript()).join('\n');
  }
}

export interface InteropContext {
  broker: BrokerTarget;
  procs: ProcessGroup;
}

interface TestContextLike {
  diagnostic(message: string): void;
}

/**
 * Runs `body` with a broker (see brokerForTest) and a process group whose defaults are `spawn`;
 * kills every process and closes the broker afterwards, whatever happens. On failure the error
 * carries every process's output and the server's log.
 */
export async function withInterop(
  t: TestContextLike,
  options: {
    allowExternal?: boolean;
    names?: ExternalNames;
    users?: InteropUser[];
    spawn?: (broker: BrokerTarget) => SpawnOptions;
  },
  body: (ctx: InteropContext) => Promise<void>,
): Promise<void> {
  const broker = await brokerForTest(options);
  t.diagnostic(`broker ${broker.external ? 'external' : 'warren'} at ${broker.host}:${broker.port}`);
  const procs = new ProcessGroup(options.spawn?.(broker) ?? { env: broker.env() });
  try {
    await body({ broker, procs });
  } catch (err) {
    if (err instanceof Error) {
      err.message += `\n=== all processes ===\n${procs.transcript()}`;
      if (!broker.external) err.message += `\n=== server log ===\n${broker.log().slice(-60).join('\n')}`;
    }
    throw err;
  } finally {
    await procs.stopAll();
    await broker.close();
  }
}
