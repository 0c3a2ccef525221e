// Innocent neighbours of a crashing task: a real worker process whose poison task kills it
// (SIGKILL of itself, or process.exit) while 40 good tasks run beside it (concurrency 4,
// prefetch 8, retries 1), restarted each time it dies, on the embedded broker with a data dir,
// on `warren broker` (a child process) and on RabbitMQ. Every good task succeeds at its first
// attempt and none is dead-lettered; the poison task is dead-lettered after at most
// retries + 2 runs (once beside the others, then alone in quarantine, task-worker.ts); no
// message runs twice at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { kill9, startBrokerProcess, type BrokerProcess } from '../broker/store/broker-process.js';
import { removeDir, tempDir } from '../broker/store/helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/crash-neighbours-worker.ts', import.meta.url));
const RABBITMQ_URL = process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const GOOD = 40;
const RETRIES = 1;
/** The documented bound: once beside others, then retries + 1 times alone. */
const MAX_POISON_RUNS = RETRIES + 2;
/** Bounded restarts: the poison needs MAX_POISON_RUNS deaths; a few more show it stops. */
const MAX_STARTS = MAX_POISON_RUNS + 4;
const T = { timeout: 420_000 };

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

function runWorker(args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    }),
  );
}

interface Run {
  what: 'start' | 'end';
  id: string;
  attempt: number;
  pid: string;
}

function readRuns(file: string): Run[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [what, id, attempt, pid] = l.split(' ') as [Run['what'], string, string, string];
      return { what, id, attempt: Number(attempt), pid };
    });
}

/** Ids started again in the same process before their previous run there ended. */
function concurrentRuns(runs: Run[]): string[] {
  const open = new Set<string>();
  const twice: string[] = [];
  for (const r of runs) {
    const key = `${r.pid} ${r.id}`;
    if (r.what === 'end') open.delete(key);
    else if (open.has(key)) twice.push(r.id);
    else open.add(key);
  }
  return twice;
}

async function crashNeighbours(target: string, queue: string, dir: string, kill: 'sigkill' | 'exit') {
  const runsFile = join(dir, 'runs.txt');
  const enqueued = await runWorker(['enqueue', target, queue, runsFile, kill, String(GOOD)]);
  assert.equal(enqueued.code, 0, enqueued.err);
  const starts: string[] = [];
  let last: Exit | undefined;
  for (let start = 0; start < MAX_STARTS; start++) {
    last = await runWorker(['work', target, queue, runsFile, kill]);
    starts.push(last.code === 0 ? 'idle' : `died (${last.signal ?? last.code})`);
    if (last.code === 0) break;
  }
  const runs = readRuns(runsFile);
  const context = `starts: ${starts.join(', ')}\n${last?.err ?? ''}`;
  assert.equal(last?.code, 0, `the worker never came to rest: ${context}`);
  const report = JSON.parse(last.out.trim().split('\n').at(-1)!) as {
    dead: { id: string; reason: string; attempt: number }[];
    left: number;
  };
  const poisonRuns = runs.filter((r) => r.what === 'start' && r.id === 'poison');
  assert.ok(
    poisonRuns.length >= 1 && poisonRuns.length <= MAX_POISON_RUNS,
    `poison ran ${poisonRuns.length} times (attempts ${poisonRuns.map((r) => r.attempt).join(', ')}); ${context}`,
  );
  assert.deepEqual(
    report.dead.map((d) => [d.id, d.reason]),
    [['poison', 'redelivered-too-often']],
    context,
  );
  assert.equal(report.left, 0, 'nothing left in the work and quarantine queues');
  const good = runs.filter((r) => r.id !== 'poison');
  const charged = [...new Set(good.filter((r) => r.attempt !== 1).map((r) => r.id))];
  assert.deepEqual(charged, [], `good tasks charged an attempt: ${charged.join(', ')}; ${context}`);
  const succeeded = new Set(good.filter((r) => r.what === 'end').map((r) => r.id));
  assert.equal(succeeded.size, GOOD, 'every good task succeeded');
  assert.deepEqual(concurrentRuns(runs), [], 'no message ran twice at once');
}

describe('a task that kills its process: its neighbours are never charged', { concurrency: false }, () => {
  test('embedded broker with a data dir (SIGKILL)', T, async () => {
    const dir = tempDir('warren-neighbours-');
    try {
      await crashNeighbours(join(dir, 'data'), 'neighbours.job', dir, 'sigkill');
    } finally {
      removeDir(dir);
    }
  });

  describe("Warren's server (warren broker)", () => {
    let broker: BrokerProcess | undefined;
    const dir = tempDir('warren-neighbours-tcp-');
    before(async () => {
      broker = await startBrokerProcess(join(dir, 'data'), 90_000);
    });
    after(async () => {
      await kill9(broker);
      removeDir(dir);
    });
    test('process.exit in the handler', T, () => crashNeighbours(broker!.url, 'neighbours.job', dir, 'exit'));
  });

  test('RabbitMQ (SIGKILL)', T, async () => {
    const dir = tempDir('warren-neighbours-rmq-');
    const queue = `wt.${randomBytes(4).toString('hex')}.neighbours`;
    try {
      await crashNeighbours(RABBITMQ_URL, queue, dir, 'sigkill');
    } finally {
      removeDir(dir);
      const admin = new AmqpTransport(RABBITMQ_URL, { reconnect: false });
      await admin.connect();
      const channel = await admin.createChannel();
      for (const q of [queue, `${queue}.dead`, `${queue}.quarantine`, `${queue}.retry.50`]) {
        await channel.deleteQueue(q).catch(() => undefined);
      }
      await admin.close();
    }
  });
});
