// Damaged data dirs end to end: for each kind of damage the real `warren broker` process
// refuses to start with one line naming what is damaged, `warren data check` reports it,
// `warren data repair --apply` salvages every readable record, and the broker then starts
// and serves exactly the messages whose records survived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import amqp from 'amqplib';
import { main } from '../../../src/cli/main.js';
import { RECORD_HEADER, readMessage } from '../../../src/broker/store/message-log/record-codec.js';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { openBroker, PERSISTENT, removeDir, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));
const N = 30;

const segFiles = (dir: string): string[] =>
  readdirSync(join(dir, 'messages'))
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(dir, 'messages', f));

interface Rec {
  pos: number;
  len: number;
  body: string;
}

/** The records of a healthy segment, by walking its length fields (independent of the scanner). */
function recordsOf(file: string): Rec[] {
  const buf = readFileSync(file);
  const out: Rec[] = [];
  for (let pos = 8; pos < buf.length;) {
    const len = RECORD_HEADER + buf.readUInt32BE(pos);
    out.push({ pos, len, body: readMessage(buf, pos + RECORD_HEADER, pos + len).body.toString() });
    pos += len;
  }
  return out;
}

/** N confirmed messages m0..m29 in durable queue q, spread over several small segments. */
async function writeMessages(dir: string): Promise<void> {
  const o = await openBroker(dir, { segmentSize: 256 });
  o.ch.queueDeclare({ queue: 'q', durable: true });
  for (let i = 0; i < N; i++) {
    o.ch.basicPublish('', 'q', false, false, PERSISTENT, Buffer.from(`m${i}`));
    await o.store.sync();
  }
  await o.broker.shutdown();
}

const all = (): string[] => Array.from({ length: N }, (_, i) => `m${i}`);

/** Runs the CLI as a child process; resolves with its exit code and output. */
function runCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`warren ${args[0]} did not exit: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** `warren broker --data-dir` must exit 1 with one stderr line containing `mention`. */
async function assertStartRefused(dir: string, mention: string): Promise<void> {
  const r = await runCli(['broker', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir]);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.includes(mention), `${lines[0]} should name ${mention}`);
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, { out: (l) => lines.push(l), err: (l) => lines.push(l), verbose: false });
  return { code, out: lines.join('\n') };
}

async function drain(url: string): Promise<string[]> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    const got: string[] = [];
    for (let i = 0; i <= N; i++) {
      const m = await ch.get('q', { noAck: true });
      if (m === false) break;
      got.push(m.content.toString());
    }
    return got;
  } finally {
    await conn.close();
  }
}

interface Case {
  name: string;
  /** Damages the dir; returns the file the messages must name and the bodies that are lost. */
  damage(dir: string): { file: string; kind: string; lost: string[] };
}

function flipInside(file: string, rec: Rec): void {
  const buf = readFileSync(file);
  buf[rec.pos + rec.len - 1] = buf[rec.pos + rec.len - 1]! ^ 0x40;
  writeFileSync(file, buf);
}

const cases: Case[] = [
  {
    name: 'bit flip in the newest segment (before its last record)',
    damage(dir) {
      const file = segFiles(dir).at(-1)!;
      const recs = recordsOf(file);
      assert.ok(recs.length >= 2);
      flipInside(file, recs[0]!);
      return { file, kind: 'corrupt-record', lost: [recs[0]!.body] };
    },
  },
  {
    name: 'bit flip in a middle segment',
    damage(dir) {
      const files = segFiles(dir);
      const file = files[Math.floor(files.length / 2)]!;
      const rec = recordsOf(file)[1]!;
      flipInside(file, rec);
      return { file, kind: 'corrupt-record', lost: [rec.body] };
    },
  },
  {
    name: 'bit flip in the oldest segment',
    damage(dir) {
      const file = segFiles(dir)[0]!;
      const rec = recordsOf(file)[0]!;
      flipInside(file, rec);
      return { file, kind: 'corrupt-record', lost: [rec.body] };
    },
  },
  {
    name: 'truncated segment',
    damage(dir) {
      const file = segFiles(dir)[1]!;
      const recs = recordsOf(file);
      truncateSync(file, recs[1]!.pos + 5);
      return { file, kind: 'cut-segment', lost: recs.slice(1).map((r) => r.body) };
    },
  },
  {
    name: 'segment cut at a record boundary',
    damage(dir) {
      const file = segFiles(dir)[1]!;
      const recs = recordsOf(file);
      truncateSync(file, recs[2]!.pos);
      return { file, kind: 'cut-segment', lost: recs.slice(2).map((r) => r.body) };
    },
  },
  {
    name: 'missing segment',
    damage(dir) {
      const file = segFiles(dir)[1]!;
      const lost = recordsOf(file).map((r) => r.body);
      rmSync(file);
      return { file, kind: 'missing-segment', lost };
    },
  },
  {
    name: 'emptied segment',
    damage(dir) {
      const file = segFiles(dir)[2]!;
      const lost = recordsOf(file).map((r) => r.body);
      truncateSync(file, 0);
      return { file, kind: 'emptied-segment', lost };
    },
  },
  {
    name: 'missing definitions',
    damage(dir) {
      const file = join(dir, 'definitions.json');
      rmSync(file);
      return { file, kind: 'missing-definitions', lost: [] };
    },
  },
  {
    name: 'bad-shape definitions',
    damage(dir) {
      const file = join(dir, 'definitions.json');
      const defs = JSON.parse(readFileSync(file, 'utf8')) as { queues: { name: unknown }[] };
      defs.queues[0]!.name = 42;
      writeFileSync(file, JSON.stringify(defs));
      return { file, kind: 'bad-definitions', lost: [] };
    },
  },
  {
    name: 'definitions that are not JSON',
    damage(dir) {
      const file = join(dir, 'definitions.json');
      writeFileSync(file, '{"version":1,"vhosts":[');
      return { file, kind: 'bad-definitions', lost: [] };
    },
  },
];

for (const c of cases) {
  test(
    `damaged data dir, ${c.name}: start refused, check reports, repair salvages the rest`,
    { timeout: 120_000 },
    async () => {
      const dir = tempDir();
      let broker: BrokerProcess | undefined;
      try {
        await writeMessages(dir);
        assert.ok(segFiles(dir).length >= 4, 'the workload spans several segments');
        const { file, kind, lost } = c.damage(dir);
        await assertStartRefused(dir, file);

        const check = await cli(['data', 'check', dir]);
        assert.equal(check.code, 1, check.out);
        assert.ok(check.out.includes(`DAMAGED ${kind} ${file}`), check.out);

        const dry = await cli(['data', 'repair', dir]);
        assert.equal(dry.code, 1, dry.out);
        assert.equal((await cli(['data', 'check', dir])).code, 1, 'a dry run changes nothing');

        const repair = await cli(['data', 'repair', dir, '--apply']);
        assert.equal(repair.code, 0, repair.out);
        const aside = readdirSync(dir).find((f) => f.startsWith('damaged-'));
        assert.ok(aside !== undefined && existsSync(join(dir, aside)), 'the originals are kept aside');
        assert.equal((await cli(['data', 'check', dir])).code, 0);

        broker = await startBrokerProcess(dir);
        const got = await drain(broker.url);
        const expected = all().filter((b) => !lost.includes(b));
        assert.deepEqual(got, expected);
      } finally {
        await kill9(broker);
        removeDir(dir);
      }
    },
  );
}

test('a brand-new data dir starts, and `warren data check` calls it clean', async () => {
  const dir = join(tempDir(), 'new');
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBrokerProcess(dir);
    await kill9(broker);
    broker = undefined;
    const check = await cli(['data', 'check', dir]);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /clean/);
  } finally {
    await kill9(broker);
    removeDir(join(dir, '..'));
  }
});
