// Differential test: the same bindings and messages on the real RabbitMQ (127.0.0.1:5672) and
// on our routers must give the same destinations. Each binding gets its own exclusive queue on
// RabbitMQ; messages are published with confirms (so routing is done) and drained with
// basic.get. RabbitMQ must be reachable: this test fails, never skips, without it.
//
// Headers matching changed in RabbitMQ 3.13/4.x (=:= instead of ==, timestamp headers in ms);
// our router follows 4.x. The few cases that differ are listed apart: on an older broker the
// test checks the broker still shows the old result, on 4.x it compares with our router.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import {
  HeadersRouter,
  TopicRouter,
  fieldTablesEqual,
  unknownExchangeType,
  validateHeadersBinding,
} from '../../src/broker/exchange/index.js';
import type { ExchangeRouter } from '../../src/broker/exchange/exchange-router.js';
import { AmqpError } from '../../src/protocol/errors.js';
import { typedEntry } from '../../src/broker/exchange/field-equality.js';
import type { Typed } from '../../src/broker/exchange/field-equality.js';
import { decodeTable, encodeTable } from '../../src/protocol/field-table.js';
import { Decimal, typed } from '../../src/protocol/field-value.js';
import type { FieldTable, FieldTypeTag } from '../../src/protocol/field-value.js';

const URL = 'amqp://guest:guest@127.0.0.1:5672';
const TIMEOUT = { timeout: 30_000 };

// ---- our field values → amqplib's notation --------------------------------------------

const AMQPLIB_TYPES: Partial<Record<FieldTypeTag, string>> = {
  b: 'byte',
  B: 'unsignedbyte',
  s: 'short',
  u: 'unsignedshort',
  I: 'int',
  i: 'unsignedint',
  l: 'long',
  f: 'float',
  d: 'double',
};

/**
 * amqplib's notation for a value, with the wire type our routers see for it made explicit
 * (amqplib would send a plain 1 as int8 where our codec infers int32).
 */
function toAmqplib(t: Typed): unknown {
  const { tag, value } = t;
  const name = AMQPLIB_TYPES[tag];
  if (name) return { '!': name, value };
  if (tag === 'T') return { '!': 'timestamp', value: value instanceof Date ? seconds(value) : value };
  if (tag === 'D' && value instanceof Decimal)
    return { '!': 'decimal', value: { places: value.scale, digits: value.value } };
  if (tag === 'A' && Array.isArray(value)) return value.map((_, i) => toAmqplib(typedEntry(value, i)));
  if (tag === 'F') return tableToAmqplib(value as FieldTable);
  return value;
}

function tableToAmqplib(t: FieldTable): Record<string, unknown> {
  return Object.fromEntries(Object.keys(t).map((k) => [k, toAmqplib(typedEntry(t, k))]));
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

// ---- running one scenario on RabbitMQ and on a router ------------------------------------

interface Binding {
  id: string;
  key: string;
  args: FieldTable;
}
interface Message {
  key: string;
  headers?: FieldTable;
}

async function connect(): Promise<ChannelModel> {
  return amqp.connect(URL, { timeout: 5000 });
}

async function withConnection<T>(fn: (conn: ChannelModel) => Promise<T>): Promise<T> {
  const conn = await connect();
  conn.on('error', () => {});
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Publishes every message and returns, per message, the ids of the bindings it reached. */
async function onRabbit(type: string, bindings: Binding[], messages: Message[]): Promise<Set<string>[]> {
  return withConnection(async (conn) => {
    const ch = await conn.createConfirmChannel();
    const exchange = `warren.diff.${type}.${randomUUID()}`;
    await ch.assertExchange(exchange, type, { autoDelete: true, durable: false });
    const queues = new Map<string, string>();
    for (const b of bindings) {
      const { queue } = await ch.assertQueue('', { exclusive: true, durable: false });
      await ch.bindQueue(queue, exchange, b.key, tableToAmqplib(b.args));
      queues.set(queue, b.id);
    }
    messages.forEach((m, i) => {
      const headers = m.headers && tableToAmqplib(m.headers);
      ch.publish(exchange, m.key, Buffer.from(String(i)), headers ? { headers } : {});
    });
    await ch.waitForConfirms();
    return drain(ch, queues, messages.length);
  });
}

async function drain(ch: ConfirmChannel, queues: Map<string, string>, count: number): Promise<Set<string>[]> {
  const got = Array.from({ length: count }, () => new Set<string>());
  for (const [queue, id] of queues) {
    for (let n = 0; n <= count; n++) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg === false) break;
      got[Number(msg.content.toString())]!.add(id);
    }
  }
  return got;
}

function onRouter(router: ExchangeRouter<string>, bindings: Binding[], messages: Message[]): Set<string>[] {
  for (const b of bindings) router.bind(b.id, b.key, b.args);
  return messages.map((m) => {
    const out = new Set<string>();
    router.route(m.key, m.headers, out);
    return out;
  });
}

function assertSame(rabbit: Set<string>[], ours: Set<string>[], messages: Message[]): void {
  const routedCount = rabbit.reduce((n, s) => n + s.size, 0);
  assert.ok(
    routedCount >= messages.length,
    `RabbitMQ routed only ${routedCount} copies: is the setup broken?`,
  );
  const show = (m: Message) => JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  rabbit.forEach((expected, i) => {
    assert.deepEqual([...ours[i]!].sort(), [...expected].sort(), `message ${show(messages[i]!)}`);
  });
}

async function serverVersion(): Promise<[number, number]> {
  return withConnection((conn) => {
    const props = (conn as unknown as { connection: { serverProperties: { version: string } } }).connection
      .serverProperties;
    const [major = 0, minor = 0] = props.version.split('.').map(Number);
    return Promise.resolve([major, minor] as [number, number]);
  });
}

// ---- topic -------------------------------------------------------------------------------

const TOPIC_PATTERNS = [
  '#', '#.#', '#.#.#', '*', '*.*', '*.*.*', 'a.#.b', 'a.#.#.b', 'a..b', '', '.', '..', '#.a', 'a.*.#',
  'a.#', 'a', 'a.*', '*.b', '#.*', '*.#', '#.b.#', 'a.', '.a', '*.', '#.', '.#', 'a.b.c', 'a*', '#a',
]; // prettier-ignore

const TOPIC_KEYS = [
  '', 'a', 'b', 'x', 'a.b', 'b.b', 'a..b', 'a.x.b', 'a.x.y.b', '.', '..', '...', 'a.', '.a', '.b', 'x.a',
  'a.a', 'b.a.b', 'a.b.c', 'a.b.c.d', 'a.b.', 'a*', '#a', '*', '#', 'a.*', 'a.#', 'x.y.z.b', 'b.x.b.y',
]; // prettier-ignore

describe('topic exchange vs RabbitMQ', () => {
  it('routes the tricky patterns and keys the same way', TIMEOUT, async () => {
    const bindings = TOPIC_PATTERNS.map((p) => ({ id: p, key: p, args: {} }));
    const messages = TOPIC_KEYS.map((key) => ({ key }));
    const rabbit = await onRabbit('topic', bindings, messages);
    assertSame(rabbit, onRouter(new TopicRouter<string>(), bindings, messages), messages);
  });
});

// ---- headers -----------------------------------------------------------------------------

const HEADER_BINDINGS: FieldTable[] = [
  {},
  { 'x-match': 'any' },
  { a: 1 },
  { 'x-match': 'any', a: 1, b: 'x' },
  { 'x-match': 'all', a: 1, b: 'x' },
  { a: typed('b', 1) },
  { a: typed('I', 1) },
  { a: typed('l', 1) },
  { a: '1' },
  { a: Buffer.from('1') },
  { a: null },
  { 'x-match': 'any', 'x-foo': 'bar' },
  { 'x-match': 'any-with-x', 'x-foo': 'bar' },
  { 'x-match': 'all-with-x', 'x-foo': 'bar', a: 1 },
  { 'x-match': 'all', 'x-foo': 'bar', a: 1 },
  { 'x-match': 'all-with-x' },
  { a: true },
  { a: typed('f', 1.5) },
  { a: 1.5 },
  { a: new Decimal(1, 15) },
  { a: [1, 'x'] },
  { a: [typed('I', 1), 'x'] },
  { a: { p: 1, q: 'x' } },
  { a: [] },
  { 'x-match': 'any', a: null, b: 2 },
  { b: 'x', c: typed('s', -5) },
  { a: 'é' },
  { a: typed('T', 5) },
  { a: 5 },
];

const HEADER_MESSAGES: (FieldTable | undefined)[] = [
  undefined,
  {},
  { a: 1 },
  { a: typed('b', 1) },
  { a: typed('I', 1) },
  { a: typed('l', 1) },
  { a: typed('B', 1) },
  { a: typed('u', 1) },
  { a: '1' },
  { a: Buffer.from('1') },
  { a: 1, b: 'x' },
  { b: 'x' },
  { a: null },
  { 'x-foo': 'bar' },
  { 'x-foo': 'bar', a: 1 },
  { 'x-foo': 'baz', a: 1 },
  { a: true },
  { a: typed('f', 1.5) },
  { a: 1.5 },
  { a: new Decimal(1, 15) },
  { a: new Decimal(2, 150) },
  { a: [1, 'x'] },
  { a: [typed('I', 1), 'x'] },
  { a: { p: 1, q: 'x' } },
  { a: { q: 'x', p: 1 } },
  { a: {} },
  { a: 2, b: 2 },
  { b: 'x', c: -5 },
  { a: 'é' },
  { a: Buffer.from('é') },
  { 'x-match': 'any', a: 1 },
  { a: 5 },
  { a: 'x', b: 'x', c: 'x' },
];

/** Cases where RabbitMQ < 3.13 (== semantics, timestamps in s) and 4.x (=:=, ms) differ. */
const VERSIONED: { args: FieldTable; headers: FieldTable; modern: boolean; legacy: boolean }[] = [
  { args: { a: 1 }, headers: { a: typed('d', 1) }, modern: false, legacy: true },
  { args: { a: typed('d', 1) }, headers: { a: 1 }, modern: false, legacy: true },
  { args: { a: typed('f', 2) }, headers: { a: 2 }, modern: false, legacy: true },
  { args: { a: 5000 }, headers: { a: typed('T', 5) }, modern: true, legacy: false },
  { args: { a: 5 }, headers: { a: typed('T', 5) }, modern: false, legacy: true },
  { args: { a: typed('T', 5) }, headers: { a: typed('T', 5) }, modern: false, legacy: true },
];

const viaCodec = (t: FieldTable): FieldTable => decodeTable(encodeTable(t));

const headerBindings = (list: FieldTable[]): Binding[] =>
  list.map((args, i) => ({ id: `b${i}`, key: '', args }));

describe('headers exchange vs RabbitMQ', () => {
  it('matches typed values, x-match modes and x- arguments the same way', TIMEOUT, async () => {
    const bindings = headerBindings(HEADER_BINDINGS);
    const messages = HEADER_MESSAGES.map((headers) => ({ key: 'ignored', headers }));
    const rabbit = await onRabbit('headers', bindings, messages);
    assertSame(rabbit, onRouter(new HeadersRouter<string>(), bindings, messages), messages);
    // The same tables as the engine receives them: through our codec (plain values + WIRE_TYPES).
    const decodedBindings = bindings.map((b) => ({ ...b, args: viaCodec(b.args) }));
    const decodedMessages = messages.map((m) => ({ ...m, headers: m.headers && viaCodec(m.headers) }));
    assertSame(rabbit, onRouter(new HeadersRouter<string>(), decodedBindings, decodedMessages), messages);
  });

  it(
    'version-dependent comparisons: 4.x like our router, older brokers as documented',
    TIMEOUT,
    async (t) => {
      const [major, minor] = await serverVersion();
      if (major === 3 && minor === 13) return t.skip('RabbitMQ 3.13 is between the two behaviours');
      const modern = major >= 4;
      const bindings = headerBindings(VERSIONED.map((c) => c.args));
      const messages = VERSIONED.map((c) => ({ key: '', headers: c.headers }));
      const rabbit = await onRabbit('headers', bindings, messages);
      const ours = onRouter(new HeadersRouter<string>(), bindings, messages);
      VERSIONED.forEach((c, i) => {
        const id = `b${i}`;
        assert.equal(rabbit[i]!.has(id), modern ? c.modern : c.legacy, `broker, case ${i}`);
        assert.equal(ours[i]!.has(id), c.modern, `router, case ${i}`);
      });
    },
  );

  it('refuses bad x-match values with the same 406 text', TIMEOUT, async () => {
    const bad: FieldTable[] = [
      { 'x-match': 'bogus' },
      { 'x-match': '' },
      { 'x-match': typed('b', 1) },
      { 'x-match': Buffer.from('any') },
      { 'x-match': { a: 1 } },
      { 'x-match': true },
      { 'x-match': typed('d', 1.5) },
      { 'x-match': [1, 'a'] },
      { 'x-match': 'é' },
      { 'x-match': Buffer.from([1, 2, 200]) },
      { 'x-match': 'a"b\\c' },
    ];
    await withConnection(async (conn) => {
      const setup = await conn.createChannel();
      const exchange = `warren.diff.bad.${randomUUID()}`;
      await setup.assertExchange(exchange, 'headers', { autoDelete: true, durable: false });
      const { queue } = await setup.assertQueue('', { exclusive: true });
      await setup.bindQueue(queue, exchange, 'anchor', {});
      for (const args of bad) {
        const rabbitText = await bindError(await conn.createChannel(), queue, exchange, args);
        assert.throws(
          () => validateHeadersBinding(args),
          (e: unknown) => e instanceof AmqpError && e.replyCode === 406 && e.replyText === rabbitText,
          `x-match ${String(rabbitText)}`,
        );
      }
    });
  });
});

async function bindError(ch: Channel, queue: string, exchange: string, args: FieldTable): Promise<string> {
  ch.on('error', () => {});
  try {
    await ch.bindQueue(queue, exchange, '', tableToAmqplib(args));
  } catch (e) {
    const match = /with message "(.*)"$/s.exec((e as Error).message);
    assert.equal((e as { code?: number }).code, 406);
    return match?.[1] ?? '';
  }
  assert.fail(`RabbitMQ accepted ${JSON.stringify(tableToAmqplib(args))}`);
}

// ---- binding identity and exchange types ---------------------------------------------------

const IDENTITY: [FieldTable, FieldTable][] = [
  [{ a: 1 }, { a: 1 }],
  [{ a: typed('b', 1) }, { a: typed('I', 1) }],
  [{ a: typed('I', 1) }, { a: typed('d', 1) }],
  [
    { a: 1, b: 2 },
    { b: 2, a: 1 },
  ],
  [{ a: 'v' }, { a: Buffer.from('v') }],
  [{ t: { p: 1, q: 2 } }, { t: { q: 2, p: 1 } }],
  [{ t: { p: 1, q: 2 } }, { t: { p: 1, q: 2 } }],
  [{ a: [1, 2] }, { a: [1, 2] }],
  [{ foo: 1 }, {}],
];

describe('binding identity vs RabbitMQ', () => {
  it('unbind removes a binding exactly when our argument equality says so', TIMEOUT, async () => {
    await withConnection(async (conn) => {
      const ch = await conn.createConfirmChannel();
      const exchange = `warren.diff.identity.${randomUUID()}`;
      await ch.assertExchange(exchange, 'direct', { autoDelete: true, durable: false });
      const queues: string[] = [];
      for (const [i, [bound, unbound]] of IDENTITY.entries()) {
        const { queue } = await ch.assertQueue('', { exclusive: true });
        await ch.bindQueue(queue, exchange, `k${i}`, tableToAmqplib(bound));
        await ch.bindQueue(queue, exchange, 'anchor', {});
        await ch.unbindQueue(queue, exchange, `k${i}`, tableToAmqplib(unbound));
        ch.publish(exchange, `k${i}`, Buffer.from(String(i)));
        queues.push(queue);
      }
      await ch.waitForConfirms();
      for (const [i, [bound, unbound]] of IDENTITY.entries()) {
        const survived = (await ch.get(queues[i]!, { noAck: true })) !== false;
        assert.equal(survived, !fieldTablesEqual(bound, unbound), `case ${i}`);
      }
    });
  });

  it("rejects an unknown exchange type with RabbitMQ's 503 text", TIMEOUT, async () => {
    await withConnection(async (conn) => {
      const closed = new Promise<Error>((resolve) => conn.once('error', resolve));
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await assert.rejects(ch.assertExchange(`warren.diff.${randomUUID()}`, 'bogus-type'));
      const error = await closed;
      const text = /with message "(.*)"$/s.exec(error.message)?.[1];
      assert.equal((error as { code?: number }).code, 503);
      assert.equal(text, unknownExchangeType('bogus-type').replyText);
    });
  });
});
