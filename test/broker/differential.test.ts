// Differential scenarios: the same scripted operations run on the real RabbitMQ (amqplib
// over AMQP_URL, default amqp://guest:guest@127.0.0.1:5672), on the engine (direct calls),
// and on Warren's AMQP server (the same amqplib backend over TCP), and what the client
// observes must be identical on all three. Names are unique per run; queues are exclusive
// and exchanges auto-delete so nothing is left behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Broker } from '../../src/broker/broker.js';
import { amqplibBackend, codeOf, engineBackend } from '../helpers/scenario.js';
import { startServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import type { ScenarioBackend, ScenarioChannel, ScenarioConnection } from '../helpers/scenario.js';

const URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

type Scenario = (b: ScenarioBackend, id: string) => Promise<unknown>;

async function withConn<T>(
  b: ScenarioBackend,
  fn: (c: ScenarioConnection, ch: ScenarioChannel) => Promise<T>,
): Promise<T> {
  const c = await b.connect();
  try {
    return await fn(c, await c.channel());
  } finally {
    await c.close();
  }
}

let warren: TestServer;
before(async () => {
  warren = await startServer();
});
after(async () => {
  await warren.close();
});

function differential(name: string, scenario: Scenario): void {
  test(name, { timeout: 30_000 }, async () => {
    const id = randomBytes(4).toString('hex');
    const real = await scenario(amqplibBackend(URL), `${id}r`);
    const engine = await scenario(engineBackend(new Broker()), `${id}e`);
    assert.deepEqual(engine, real, 'engine differs from RabbitMQ');
    const server = await scenario(amqplibBackend(warren.url), `${id}w`);
    assert.deepEqual(server, real, "Warren's server differs from RabbitMQ");
  });
}

const drainQueue = async (ch: ScenarioChannel, q: string) => {
  const out: string[] = [];
  for (let m = await ch.get(q, true); m !== null; m = await ch.get(q, true)) out.push(m.body);
  return out;
};

differential('routing through direct, fanout, topic and headers exchanges', (b, id) =>
  withConn(b, async (_c, ch) => {
    const types = ['direct', 'fanout', 'topic', 'headers'];
    const result: Record<string, Record<string, string[]>> = {};
    for (const type of types) {
      const x = `dx-${type}-${id}`;
      await ch.declareExchange(x, type, { autoDelete: true });
      const q1 = (await ch.declareQueue('', { exclusive: true })).queue;
      const q2 = (await ch.declareQueue('', { exclusive: true })).queue;
      if (type === 'headers') {
        await ch.bindQueue(q1, x, '', { 'x-match': 'all', a: '1', b: '2' });
        await ch.bindQueue(q2, x, '', { 'x-match': 'any', a: '1', c: '3' });
      } else {
        await ch.bindQueue(q1, x, type === 'topic' ? 'a.*' : 'a');
        await ch.bindQueue(q2, x, type === 'topic' ? '#.b' : 'b');
        await ch.bindQueue(q2, x, type === 'topic' ? 'a.#' : 'a');
      }
      const sends: [string, Record<string, string>][] = [
        ['a', { a: '1' }],
        ['b', { a: '1', b: '2' }],
        ['a.b', { c: '3' }],
        ['a.b.c', {}],
        ['x.b', { a: '2', b: '2' }],
      ];
      for (const [i, [rk, headers]] of sends.entries()) await ch.publish(x, rk, `m${i}`, { headers });
      result[type] = { q1: await drainQueue(ch, q1), q2: await drainQueue(ch, q2) };
    }
    return result;
  }),
);

differential('exchange-to-exchange bindings, duplicates collapse, alternate exchange', (b, id) =>
  withConn(b, async (_c, ch) => {
    const src = `e2e-src-${id}`;
    const dst = `e2e-dst-${id}`;
    const ae = `e2e-ae-${id}`;
    await ch.declareExchange(ae, 'fanout', { autoDelete: true });
    await ch.declareExchange(src, 'direct', { autoDelete: true, arguments: { 'alternate-exchange': ae } });
    await ch.declareExchange(dst, 'fanout', { autoDelete: true });
    const q = (await ch.declareQueue('', { exclusive: true })).queue;
    const qa = (await ch.declareQueue('', { exclusive: true })).queue;
    await ch.bindExchange(dst, src, 'k');
    await ch.bindQueue(q, dst, '');
    await ch.bindQueue(q, src, 'k');
    await ch.bindQueue(qa, ae, '');
    await ch.publish(src, 'k', 'twice-reachable');
    await ch.publish(src, 'other', 'to-ae');
    return { q: await drainQueue(ch, q), qa: await drainQueue(ch, qa) };
  }),
);

differential('delivery order, nack/requeue and channel close set redelivered, original positions', (b) =>
  withConn(b, async (c, ch) => {
    const q = (await ch.declareQueue('', { exclusive: true })).queue;
    for (let i = 1; i <= 6; i++) await ch.publish('', q, `m${i}`);
    const ch2 = await c.channel();
    await ch2.qos(3);
    await ch2.consume(q);
    await ch2.waitDeliveries(3);
    const first = ch2.deliveries.map((d) => [d.body, d.redelivered, d.deliveryTag]);
    await ch2.nack(2, false, true);
    await ch2.ack(1);
    await ch2.waitDeliveries(5);
    const second = ch2.deliveries.slice(3).map((d) => [d.body, d.redelivered, d.deliveryTag]);
    await ch2.close();
    const after: [string, boolean][] = [];
    for (let m = await ch.get(q, true); m !== null; m = await ch.get(q, true))
      after.push([m.body, m.redelivered]);
    return { first, second, after };
  }),
);

differential('basic.recover, reject, nack multiple and get message counts', (b) =>
  withConn(b, async (_c, ch) => {
    const q = (await ch.declareQueue('', { exclusive: true })).queue;
    for (let i = 1; i <= 5; i++) await ch.publish('', q, `m${i}`);
    const gets = [];
    for (let i = 0; i < 3; i++) {
      const m = await ch.get(q);
      gets.push(m && [m.body, m.deliveryTag, m.messageCount, m.redelivered]);
    }
    await ch.recover();
    const declared = await ch.declareQueue(q, { passive: true });
    const g1 = await ch.get(q);
    await ch.reject(g1!.deliveryTag, false);
    const g2 = await ch.get(q);
    const g3 = await ch.get(q);
    await ch.nack(g3!.deliveryTag, true, true);
    const rest: [string, boolean][] = [];
    for (let m = await ch.get(q, true); m !== null; m = await ch.get(q, true))
      rest.push([m.body, m.redelivered]);
    return { gets, count: declared.messageCount, g1: g1?.body, g2: g2?.body, g3: g3?.body, rest };
  }),
);

differential('queue counts: declare-ok, purge, delete, if-empty / if-unused', (b) =>
  withConn(b, async (c, first) => {
    let ch = first;
    const q = (await ch.declareQueue('', { exclusive: true })).queue;
    for (let i = 0; i < 4; i++) await ch.publish('', q, `m${i}`);
    const redeclareGenerated = await codeOf(() => ch.declareQueue(q, { exclusive: true }));
    ch = await c.channel();
    const declared = await ch.declareQueue(q, { passive: true });
    const ifEmpty = await codeOf(() => ch.deleteQueue(q, { ifEmpty: true }));
    const ch2 = await c.channel();
    const purged = await ch2.purge(q);
    await ch2.publish('', q, 'x');
    await ch2.consume(q, { noAck: false });
    await ch2.waitDeliveries(1);
    const ifUnused = await codeOf(() => ch2.deleteQueue(q, { ifUnused: true }));
    const ch3 = await c.channel();
    await ch3.publish('', q, 'y');
    const deleted = await ch3.deleteQueue(q);
    const missing = await ch3.deleteQueue(q);
    return {
      redeclareGenerated,
      declared: [declared.messageCount, declared.consumerCount],
      ifEmpty,
      purged,
      ifUnused,
      deleted,
      missing,
    };
  }),
);

differential('error codes: 404, 405, 406, 403, 530', (b, id) =>
  withConn(b, async (c, ch) => {
    const codes: Record<string, number> = {};
    const fresh = async () => c.channel();
    codes['passive missing queue'] = await codeOf(() => ch.declareQueue(`missing-${id}`, { passive: true }));
    const ch1 = await fresh();
    codes['bind missing exchange'] = await codeOf(async () => {
      const q = (await ch1.declareQueue('', { exclusive: true })).queue;
      await ch1.bindQueue(q, `missing-${id}`, 'k');
    });
    const ch2 = await fresh();
    const q = (await ch2.declareQueue('', { exclusive: true })).queue;
    codes['inequivalent durable'] = await codeOf(() =>
      ch2.declareQueue(q, { exclusive: true, durable: true }),
    );
    const ch3 = await fresh();
    codes['amq prefix'] = await codeOf(() => ch3.declareQueue(`amq.x-${id}`));
    const ch4 = await fresh();
    codes['bind default'] = await codeOf(() => ch4.bindQueue(q, '', 'k'));
    const ch5 = await fresh();
    codes['unknown delivery tag'] = await codeOf(async () => {
      await ch5.ack(7);
      await ch5.declareQueue('', { exclusive: true });
    });
    const ch6 = await fresh();
    codes['delete amq.direct'] = await codeOf(() => ch6.deleteExchange('amq.direct'));
    const ch7 = await fresh();
    codes['exchange type mismatch'] = await codeOf(() =>
      ch7.declareExchange('amq.direct', 'fanout', { durable: true }),
    );
    const ch8 = await fresh();
    codes['exclusive consumer'] = await codeOf(async () => {
      await ch8.consume(q, { exclusive: true });
      await ch8.consume(q);
    });
    const other = await b.connect();
    try {
      const och = await other.channel();
      codes['exclusive queue other connection'] = await codeOf(() => och.declareQueue(q, { passive: true }));
      const och2 = await other.channel();
      codes['get other connection'] = await codeOf(() => och2.get(q));
    } finally {
      await other.close();
    }
    const ch9 = await fresh();
    codes['publish missing exchange'] = await codeOf(async () => {
      await ch9.publish(`missing-${id}`, 'k', 'x');
      await ch9.declareQueue('', { exclusive: true });
    });
    const ch10 = await fresh();
    codes['queue arg mismatch'] = await codeOf(async () => {
      const q2 = (await ch10.declareQueue('', { exclusive: true, arguments: { 'x-max-length': 5 } })).queue;
      await ch10.declareQueue(q2, { exclusive: true, arguments: { 'x-max-length': 6 } });
    });
    return codes;
  }),
);

differential('round-robin between two consumers with prefetch 1', (b) =>
  withConn(b, async (c, ch) => {
    const q = (await ch.declareQueue('', { exclusive: true })).queue;
    const a = await c.channel();
    const bch = await c.channel();
    await a.qos(1);
    await bch.qos(1);
    await a.consume(q);
    await bch.consume(q);
    for (let i = 1; i <= 4; i++) await ch.publish('', q, `m${i}`);
    await a.waitDeliveries(1);
    await bch.waitDeliveries(1);
    const got = [a.deliveries.map((d) => d.body), bch.deliveries.map((d) => d.body)].sort();
    const count = (await ch.declareQueue(q, { passive: true })).messageCount;
    return { got, count };
  }),
);
