// A 3-node RabbitMQ cluster for one test file, through scripts/rabbitmq-cluster.sh: its own
// temp data dir, node names and ports, so it never meets the system node on 5672 nor another
// test's cluster. stop() kills whatever is left and removes the data dir; it also runs on
// process exit, so a failing test leaves nothing behind.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'rabbitmq-cluster.sh');
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** Why the cluster tests cannot run here, or undefined when they can. */
export function clusterUnavailable(): string | undefined {
  if (process.env['WARREN_SKIP_CLUSTER'] === '1') return 'WARREN_SKIP_CLUSTER=1';
  if (!existsSync(RABBITMQ_SERVER)) return `rabbitmq-server is not installed (${RABBITMQ_SERVER})`;
  return undefined;
}

export class RabbitCluster {
  readonly dir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #basePort: number;
  #stopped = false;
  readonly #onExit = (): void => this.#stopSync();

  private constructor(dir: string, basePort: number, prefix: string) {
    this.dir = dir;
    this.#basePort = basePort;
    this.#env = {
      ...process.env,
      WARREN_CLUSTER_DIR: dir,
      WARREN_CLUSTER_PORT: String(basePort),
      WARREN_CLUSTER_PREFIX: prefix,
      WARREN_CLUSTER_TIMEOUT: '150',
    };
    process.once('exit', this.#onExit);
  }

  /** Starts a cluster on a random free port range (a few tries if a range is taken). */
  static async start(): Promise<RabbitCluster> {
    let lastError: unknown;
    for (let tries = 0; tries < 3; tries++) {
      const base = 21_000 + Math.floor(Math.random() * 400) * 10;
      const dir = mkdtempSync(join(tmpdir(), 'warren-cluster-'));
      const cluster = new RabbitCluster(dir, base, `warren-t${process.pid}-${tries}-n`);
      try {
        await run(SCRIPT, ['start'], { env: cluster.#env, timeout: 240_000 });
        return cluster;
      } catch (err) {
        lastError = err;
        await cluster.stop();
        if (!/port \d+ is in use/.test(String((err as { stderr?: string }).stderr))) break;
      }
    }
    throw lastError;
  }

  /** amqp:// url of node n (1-3). */
  url(n: number): string {
    return `amqp://guest:guest@127.0.0.1:${this.#basePort + n - 1}`;
  }

  /** The urls of all nodes, starting at node `first`. */
  urls(first = 1): string[] {
    return [1, 2, 3].map((i) => this.url(((first - 1 + i - 1) % 3) + 1));
  }

  /** The beam.smp pid of node n. */
  pid(n: number): number {
    return Number(readFileSync(join(this.dir, `n${n}`, 'beam.pid'), 'utf8').trim());
  }

  /** kill -9 of node n's Erlang VM: the node is gone without a goodbye. */
  kill(n: number): void {
    process.kill(this.pid(n), 'SIGKILL');
  }

  /** Runs rabbitmqctl (or another CLI tool) as node n's client. */
  async ctl(n: number, args: string[], tool = 'rabbitmqctl'): Promise<string> {
    const prefix = this.#env['WARREN_CLUSTER_PREFIX'] as string;
    const { stdout } = await run(
      `/usr/lib/rabbitmq/bin/${tool}`,
      ['-n', `${prefix}${n}@localhost`, ...args],
      {
        env: { ...this.#env, HOME: join(this.dir, 'home') },
        timeout: 60_000,
      },
    );
    return stdout;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    process.off('exit', this.#onExit);
    const keep = process.env['WARREN_CLUSTER_KEEP_LOGS'];
    if (keep) {
      for (const n of [1, 2, 3]) {
        cpSync(join(this.dir, `n${n}`, 'log'), join(keep, `n${n}`), { recursive: true, force: true });
      }
    }
    try {
      await run(SCRIPT, ['stop'], { env: this.#env, timeout: 90_000 });
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Last resort on exit: kill -9 every node of ours, remove the dir. */
  #stopSync(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const n of [1, 2, 3]) {
      try {
        process.kill(this.pid(n), 'SIGKILL');
      } catch {
        // not running
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
