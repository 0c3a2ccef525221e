// Policies in effect, observed by a real AMQP client (amqplib), side by side on Warren's
// server (policies through /api/policies) and on the real RabbitMQ 3.10 at 127.0.0.1:5672
// (policies through rabbitmqctl, uniquely named and cleared at the end). Both must agree:
// - policies set after the queues were declared take effect (TTL expires and dead-letters,
//   max-length drops to a DLX, reject-publish nacks, delivery-limit on a quorum queue);
// - the highest priority wins (on equal priorities Warren picks the greatest name; RabbitMQ
//   3.10.8 picks by its table's hash order, so ties are checked on Warren only);
// - max-length: the lower of the x-argument and the policy; DLX: the x-argument wins;
// - clearing a policy removes its effect (the next matching policy, or none, applies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ConfirmChannel } from 'amqplib';
import { api, startStack } from './stack.js';
import type { Stack } from './stack.js';

const RABBIT = 'amqp://guest:guest@127.0.0.1:5672';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PolicyBody {
  pattern: string;
  definition: Record<string, unknown>;
  priority?: number;
  'apply-to'?: string;
}

/** How a side sets and clears policies and tells which policy a queue is under. */
interface Side {
  url: string;
  set(name: string, body: PolicyBody): Promise<void>;
  clear(name: string): Promise<void>;
  /** Queue name → policy name ('' for none). */
  queuePolicies(): Promise<Map<string, string>>;
}

function warrenSide(s: Stack): Side {
  return {
    url: `amqp://admin:admin@127.0.0.1:${s.amqpPort}`,
    async set(name, body) {
      const r = await api(s, 'PUT', `/policies/%2F/${encodeURIComponent(name)}`, body);
      assert.ok(r.status === 201 || r.status === 204, JSON.stringify(r.body));
    },
    async clear(name) {
      assert.equal((await api(s, 'DELETE', `/policies/%2F/${encodeURIComponent(name)}`)).status, 204);
    },
    async queuePolicies() {
      const qs = (await api(s, 'GET', '/queues/%2F')).body as { name: string; policy: string | null }[];
      return new Map(qs.map((q) => [q.name, q.policy ?? '']));
    },
  };
}

function ctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 90_000 }, (err, out, errOut) =>
      err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${errOut || err.message}`)) : resolve(out),
    );
  });
}

const rabbitSide: Side = {
  url: RABBIT,
  async set(name, body) {
    await ctl([
      'set_policy',
      '--priority',
      String(body.priority ?? 0),
      '--apply-to',
      body['apply-to'] ?? 'all',
      name,
      body.pattern,
      JSON.stringify(body.definition),
    ]);
  },
  async clear(name) {
    await ctl(['clear_policy', name]);
  },
  async queuePolicies() {
    const out = await ctl(['list_queues', '--no-table-headers', 'name', 'policy']);
    return new Map(
      out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const [name = '', policy = ''] = l.split('\t');
          return [name, policy.trim()];
        }),
    );
  },
};

function rabbitAvailable(): boolean {
  const ctlOk = spawnSync('rabbitmqctl', ['-q', 'list_policies'], { timeout: 60_000 }).status === 0;
  return ctlOk;
}

/** Polls until every queue in `want` is under the named policy ('' for none); bounded. */
async function awaitPolicies(side: Side, want: Record<string, string>): Promise<void> {
  let last = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    last = await side.queuePolicies();
    if (Object.entries(want).every(([q, p]) => last.get(q) === p)) return;
    await sleep(250);
  }
  assert.fail(`policies not applied: want ${JSON.stringify(want)}, have ${JSON.stringify([...last])}`);
}

/** Publishes `n` messages to `queue` (default exchange) with confirms; how many were nacked. */
async function publish(ch: ConfirmChannel, queue: string, n: number, tag: string): Promise<number> {
  const results = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<boolean>((resolve) =>
          ch.publish('', queue, Buffer.from(`${tag}${i}`), {}, (err) =>
            resolve(err === null || err === undefined),
          ),
        ),
    ),
  );
  return results.filter((ok) => !ok).length;
}

/** Drains `queue` with basic.get, returning each message's body and first x-death entry. */
async function drain(ch: Channel, queue: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const m = await ch.get(queue, { noAck: true });
    if (m === false) break;
    const death = (m.properties.headers?.['x-death'] as { queue: string; reason: string }[] | undefined)?.[0];
    out.push(
      death === undefined ? m.content.toString() : `${death.queue}:${death.reason}:${m.content.toString()}`,
    );
  }
  return out.sort();
}

/** Waits until `queue` holds at least `n` ready messages (bounded). */
async function awaitCount(ch: Channel, queue: string, n: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < 200; i++) {
    count = (await ch.checkQueue(queue)).messageCount;
    if (count >= n) return count;
    await sleep(50);
  }
  return count;
}

/** basic.get + nack(requeue) until the message is gone from `queue`; the deliveries seen. */
async function returnUntilDead(
  ch: Channel,
  queue: string,
  dead: string,
  deadBefore: number,
): Promise<number> {
  let deliveries = 0;
  for (let i = 0; i < 200; i++) {
    const m = await ch.get(queue, { noAck: false });
    if (m !== false) {
      deliveries++;
      ch.nack(m, false, true);
      continue;
    }
    if ((await ch.checkQueue(dead)).messageCount > deadBefore) return deliveries;
    await sleep(50);
  }
  return deliveries;
}

async function scenario(side: Side, p: string, ties: boolean): Promise<Record<string, unknown>> {
  const conn = await amqp.connect(side.url);
  const ch = await conn.createConfirmChannel();
  const q = (s: string) => `${p}-${s}`;
  const policies: string[] = [];
  const set = async (name: string, body: PolicyBody) => {
    policies.push(q(name));
    await side.set(q(name), body);
  };
  try {
    await ch.assertExchange(q('dlx'), 'fanout', { durable: false, autoDelete: false });
    await ch.assertExchange(q('dlx-arg'), 'fanout', { durable: false, autoDelete: false });
    await ch.assertQueue(q('dead'), { durable: false });
    await ch.assertQueue(q('dead-arg'), { durable: false });
    await ch.bindQueue(q('dead'), q('dlx'), '');
    await ch.bindQueue(q('dead-arg'), q('dlx-arg'), '');
    await ch.assertQueue(q('lim-q'), { durable: false, arguments: { 'x-max-length': 5 } });
    await ch.assertQueue(q('lim-qa'), {
      durable: false,
      arguments: { 'x-dead-letter-exchange': q('dlx-arg') },
    });
    await ch.assertQueue(q('lim-r'), { durable: false, arguments: { 'x-max-length': 2 } });
    await ch.assertQueue(q('ttl'), { durable: false });
    await ch.assertQueue(q('rej'), { durable: false });
    if (ties) await ch.assertQueue(q('tie'), { durable: false });
    await ch.assertQueue(q('qq'), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    // Set after the declarations: policies apply to existing queues.
    await Promise.all([
      set('wide', {
        pattern: `^${p}-lim-`,
        definition: { 'max-length': 10 },
        priority: 1,
        'apply-to': 'queues',
      }),
      set('narrow', {
        pattern: `^${p}-lim-q`,
        definition: { 'max-length': 3, 'dead-letter-exchange': q('dlx') },
        priority: 2,
        'apply-to': 'queues',
      }),
      set('exchanges-only', {
        pattern: `^${p}-lim-`,
        definition: { 'max-length': 1 },
        priority: 9,
        'apply-to': 'exchanges',
      }),
      set('ttl', {
        pattern: `^${p}-ttl$`,
        definition: { 'message-ttl': 100, 'dead-letter-exchange': q('dlx') },
        'apply-to': 'queues',
      }),
      set('rej', { pattern: `^${p}-rej$`, definition: { 'max-length': 1, overflow: 'reject-publish' } }),
      ...(ties
        ? [
            set('tie-b', { pattern: `^${p}-tie$`, definition: { 'max-length': 2 }, priority: 5 }),
            set('tie-a', { pattern: `^${p}-tie$`, definition: { 'max-length': 1 }, priority: 5 }),
          ]
        : []),
      set('dl', {
        pattern: `^${p}-qq$`,
        definition: { 'delivery-limit': 1, 'dead-letter-exchange': q('dlx') },
        'apply-to': 'queues',
      }),
    ]);
    await awaitPolicies(side, {
      [q('lim-q')]: q('narrow'),
      [q('lim-qa')]: q('narrow'),
      [q('lim-r')]: q('wide'),
      [q('ttl')]: q('ttl'),
      [q('rej')]: q('rej'),
      ...(ties ? { [q('tie')]: q('tie-b') } : {}),
      [q('qq')]: q('dl'),
      [q('dead')]: '',
    });
    const nacked = {
      lim: await publish(ch, q('lim-q'), 6, 'a'),
      limA: await publish(ch, q('lim-qa'), 5, 'b'),
      limR: await publish(ch, q('lim-r'), 4, 'c'),
      ttl: await publish(ch, q('ttl'), 2, 't'),
      rej: await publish(ch, q('rej'), 3, 'r'),
      ...(ties ? { tie: await publish(ch, q('tie'), 3, 'x') } : {}),
      qq: await publish(ch, q('qq'), 1, 'd'),
    };
    const deadBeforeReturns = await awaitCount(ch, q('dead'), 3 + 2);
    const qqDeliveries = await returnUntilDead(ch, q('qq'), q('dead'), deadBeforeReturns);
    const counts = async () => ({
      limQ: (await ch.checkQueue(q('lim-q'))).messageCount,
      limQa: (await ch.checkQueue(q('lim-qa'))).messageCount,
      limR: (await ch.checkQueue(q('lim-r'))).messageCount,
      ttl: (await ch.checkQueue(q('ttl'))).messageCount,
      rej: (await ch.checkQueue(q('rej'))).messageCount,
      ...(ties ? { tie: (await ch.checkQueue(q('tie'))).messageCount } : {}),
    });
    const before = await counts();
    const dead = await drain(ch, q('dead'));
    const deadArg = await drain(ch, q('dead-arg'));
    // Clearing: lim-q falls back to "wide" (lower of x-max-length 5 and 10), rej to none.
    await Promise.all([side.clear(q('narrow')), side.clear(q('rej'))]);
    policies.splice(policies.indexOf(q('narrow')), 1);
    policies.splice(policies.indexOf(q('rej')), 1);
    await awaitPolicies(side, { [q('lim-q')]: q('wide'), [q('rej')]: '' });
    const nackedAfter = {
      lim: await publish(ch, q('lim-q'), 4, 'e'),
      rej: await publish(ch, q('rej'), 2, 's'),
    };
    const after = await counts();
    const deadAfter = await drain(ch, q('dead'));
    return { nacked, qqDeliveries, before, dead, deadArg, nackedAfter, after, deadAfter };
  } finally {
    await Promise.all(policies.map((name) => side.clear(name).catch(() => undefined)));
    for (const name of ['dead', 'dead-arg', 'lim-q', 'lim-qa', 'lim-r', 'ttl', 'rej', 'tie', 'qq'])
      await ch.deleteQueue(q(name)).catch(() => undefined);
    for (const name of ['dlx', 'dlx-arg']) await ch.deleteExchange(q(name)).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}

const EXPECTED = (p: string) => ({
  nacked: { lim: 0, limA: 0, limR: 0, ttl: 0, rej: 2, tie: 0, qq: 0 },
  // delivery-limit 1: delivered, returned once (count 1), delivered again, returned: dead.
  qqDeliveries: 2,
  before: { limQ: 3, limQa: 3, limR: 2, ttl: 0, rej: 1, tie: 2 },
  dead: [
    `${p}-lim-q:maxlen:a0`,
    `${p}-lim-q:maxlen:a1`,
    `${p}-lim-q:maxlen:a2`,
    `${p}-qq:delivery_limit:d0`,
    `${p}-ttl:expired:t0`,
    `${p}-ttl:expired:t1`,
  ],
  deadArg: [`${p}-lim-qa:maxlen:b0`, `${p}-lim-qa:maxlen:b1`],
  nackedAfter: { lim: 0, rej: 0 },
  after: { limQ: 5, limQa: 3, limR: 2, ttl: 0, rej: 3, tie: 2 },
  deadAfter: [],
});

test(
  'policies in effect: Warren and RabbitMQ 3.10 agree, and both match the expected outcome',
  { timeout: 600_000 },
  async (t) => {
    const p = `warren-pol-${process.pid}-${randomBytes(3).toString('hex')}`;
    const s = await startStack();
    let warren: Record<string, unknown>;
    try {
      warren = await scenario(warrenSide(s), p, true);
    } finally {
      await s.close();
    }
    assert.deepEqual(warren, EXPECTED(p));
    if (!rabbitAvailable()) {
      t.diagnostic('rabbitmqctl not usable here: RabbitMQ side skipped');
      return;
    }
    const rabbit = await scenario(rabbitSide, p, false);
    const withoutTies = JSON.parse(JSON.stringify(warren), (k, v: unknown) => (k === 'tie' ? undefined : v));
    assert.deepEqual(rabbit, withoutTies);
  },
);
