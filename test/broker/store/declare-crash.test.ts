// kill -9 of the real `warren broker --data-dir` at random moments during a stream of
// durable declarations over AMQP (amqplib: exchange.declare, queue.declare, queue.bind) and
// over the management API (PUT queue / exchange / vhost / user / permission, POST binding).
// After every restart on the same data dir, every declaration the client saw acknowledged
// (declare-ok / bind-ok / 201 / 204) must be there: acknowledgements come after the fsync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { kill9, startBrokerProcess } from './broker-process.js';
import type { BrokerProcess } from './broker-process.js';
import { removeDir, tempDir } from './helpers.js';

const ROUNDS = 10;
const ADMIN = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

interface Acked {
  exchanges: Set<string>;
  queues: Set<string>;
  /** `${source}->${queue}` */
  bindings: Set<string>;
  vhosts: Set<string>;
  users: Set<string>;
  /** `${vhost}|${user}` */
  permissions: Set<string>;
}

const startBroker = (dir: string): Promise<BrokerProcess> =>
  startBrokerProcess(dir, 20_000, { args: ['--http-port', '0', '--user', 'admin:admin'] });

async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: { authorization: ADMIN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** Declares over AMQP until the broker dies; records what was acknowledged. */
async function amqpDeclares(url: string, round: number, acked: Acked): Promise<void> {
  let conn: ChannelModel | undefined;
  try {
    conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    for (let i = 0; i < 100_000; i++) {
      const x = `ax-${round}-${i}`;
      const q = `aq-${round}-${i}`;
      await ch.assertExchange(x, 'direct', { durable: true });
      acked.exchanges.add(x);
      await ch.assertQueue(q, { durable: true, arguments: { 'x-max-length': 10 } });
      acked.queues.add(q);
      await ch.bindQueue(q, x, 'k');
      acked.bindings.add(`${x}->${q}`);
    }
  } catch {
    // the broker was killed under us
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

/** Declares over the management API until the broker dies. */
async function httpDeclares(base: string, round: number, acked: Acked): Promise<void> {
  const ok = (s: number): boolean => s === 201 || s === 204;
  try {
    for (let i = 0; i < 100_000; i++) {
      const q = `hq-${round}-${i}`;
      const x = `hx-${round}-${i}`;
      const v = `hv-${round}-${i}`;
      const u = `hu-${round}-${i}`;
      if (ok((await http(base, 'PUT', `/queues/%2F/${q}`, { durable: true })).status)) acked.queues.add(q);
      if (ok((await http(base, 'PUT', `/exchanges/%2F/${x}`, { type: 'fanout', durable: true })).status))
        acked.exchanges.add(x);
      if ((await http(base, 'POST', `/bindings/%2F/e/${x}/q/${q}`, { routing_key: '' })).status === 201)
        acked.bindings.add(`${x}->${q}`);
      if (ok((await http(base, 'PUT', `/vhosts/${v}`, {})).status)) acked.vhosts.add(v);
      if (ok((await http(base, 'PUT', `/users/${u}`, { password: 'pw', tags: '' })).status))
        acked.users.add(u);
      const perm = { configure: '.*', write: '.*', read: '.*' };
      if (ok((await http(base, 'PUT', `/permissions/${encodeURIComponent(v)}/${u}`, perm)).status))
        acked.permissions.add(`${v}|${u}`);
    }
  } catch {
    // the broker was killed under us
  }
}

type Named = { name: string; vhost?: string };

async function present(base: string) {
  const names = async (path: string) =>
    new Set(((await http(base, 'GET', path)).json as Named[]).map((e) => e.name));
  const bindings = (await http(base, 'GET', '/bindings/%2F')).json as {
    source: string;
    destination: string;
  }[];
  const perms = (await http(base, 'GET', '/permissions')).json as { vhost: string; user: string }[];
  return {
    exchanges: await names('/exchanges/%2F'),
    queues: await names('/queues/%2F'),
    bindings: new Set(bindings.map((b) => `${b.source}->${b.destination}`)),
    vhosts: await names('/vhosts'),
    users: await names('/users'),
    permissions: new Set(perms.map((p) => `${p.vhost}|${p.user}`)),
  };
}

test(
  `kill -9 during declarations over AMQP and the HTTP API: every acknowledged declaration survives (${ROUNDS} rounds)`,
  { timeout: 300_000 },
  async () => {
    const dir = tempDir('warren-declare-crash-');
    const acked: Acked = {
      exchanges: new Set(),
      queues: new Set(),
      bindings: new Set(),
      vhosts: new Set(),
      users: new Set(),
      permissions: new Set(),
    };
    let proc: BrokerProcess | undefined;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        proc = await startBroker(dir);
        const running = [amqpDeclares(proc.url, round, acked), httpDeclares(proc.httpUrl!, round, acked)];
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
        await kill9(proc);
        await Promise.all(running);
        proc = await startBroker(dir);
        const now = await present(proc.httpUrl!);
        for (const kind of Object.keys(acked) as (keyof Acked)[]) {
          const lost = [...acked[kind]].filter((n) => !now[kind].has(n));
          assert.deepEqual(lost, [], `round ${round}: acknowledged ${kind} lost after kill -9`);
        }
        await kill9(proc);
      }
      assert.ok(acked.queues.size > ROUNDS, `too few declarations to mean anything (${acked.queues.size})`);
    } finally {
      await kill9(proc);
      removeDir(dir);
    }
  },
);
