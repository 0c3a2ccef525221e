// Wire behaviours where public client test suites saw Warren differ from RabbitMQ 3.10.8.
// Every scenario runs over a raw socket against Warren's server (port 0) and, when it answers,
// against the RabbitMQ at 127.0.0.1:5672 (unique names, deleted after), asserting the same
// outcome on both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Command } from '../../../src/protocol/command.js';
import { encodeCommand } from '../../../src/protocol/command-writer.js';
import { createMethod } from '../../../src/protocol/method-codec.js';
import { RawPeer, startServer } from '../../helpers/server.js';
import type { TestServer } from '../../helpers/server.js';

const RABBITMQ_PORT = 5672;

interface Target {
  name: string;
  port: number;
}

let srv: TestServer;
const targets: Target[] = [];

function rabbitAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(RABBITMQ_PORT, '127.0.0.1');
    const timer = setTimeout(() => (s.destroy(), resolve(false)), 1000);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve(true)));
    s.once('error', () => (clearTimeout(timer), resolve(false)));
  });
}

before(async () => {
  srv = await startServer({ closeTimeoutMs: 500, silentCloseDelayMs: 200 });
  targets.push({ name: 'warren', port: srv.port });
  if (await rabbitAnswers()) targets.push({ name: 'rabbitmq', port: RABBITMQ_PORT });
});

after(async () => {
  await srv.close();
});

const unique = (what: string): string => `i15-parity-${what}-${process.pid}-${Date.now()}`;

async function openChannel(port: number): Promise<RawPeer> {
  const p = await RawPeer.handshake(port);
  p.send(1, 'channel.open');
  await p.waitFor('channel.open-ok');
  return p;
}

/** The close method (channel or connection) the peer received: code and failing method. */
function closeOf(c: Command): { code: number; classId: number; methodId: number } {
  const m = c.method;
  assert.ok(m.name === 'channel.close' || m.name === 'connection.close', m.name);
  return { code: m.replyCode, classId: m.classId, methodId: m.methodId };
}

/** Runs `scenario` on every target; the outcome must be `expected` on each. */
async function onEveryTarget<T>(scenario: (port: number) => Promise<T>, expected: T): Promise<void> {
  for (const t of targets) assert.deepEqual(await scenario(t.port), expected, t.name);
}

describe('wire parity with RabbitMQ 3.10.8', () => {
  test('a client channel.close crossing the server channel.close keeps the channel closing until close-ok', async () => {
    await onEveryTarget(
      async (port) => {
        const p = await openChannel(port);
        try {
          p.send(1, 'queue.declare', { queue: unique('missing'), passive: true });
          const serverClose = closeOf(await p.waitFor('channel.close'));
          // The client did not see the server's close yet and closes the channel itself...
          p.send(1, 'channel.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 });
          await p.waitFor('channel.close-ok');
          // ...then answers the server's close; the channel is free again afterwards.
          p.send(1, 'channel.close-ok');
          p.send(1, 'channel.open');
          const reopened = await waitForCount(p, 'channel.open-ok', 2);
          const connectionClosed = p.commands.some((c) => c.method.name === 'connection.close');
          return { serverClose, reopened, connectionClosed };
        } finally {
          p.destroy();
        }
      },
      { serverClose: { code: 404, classId: 50, methodId: 10 }, reopened: true, connectionClosed: false },
    );
  });

  test('channel.flow active=false is 540 NOT_IMPLEMENTED on the connection; active=true is flow-ok', async () => {
    await onEveryTarget(
      async (port) => {
        const on = await openChannel(port);
        on.send(1, 'channel.flow', { active: true });
        const ok = (await on.waitFor('channel.flow-ok')).method;
        on.destroy();
        const off = await openChannel(port);
        off.send(1, 'channel.flow', { active: false });
        const close = closeOf(await off.waitFor('connection.close'));
        off.send(0, 'connection.close-ok');
        await off.waitClosed();
        return { ok: ok.name === 'channel.flow-ok' && ok.active, close };
      },
      { ok: true, close: { code: 540, classId: 20, methodId: 20 } },
    );
  });

  const emptyNameCases = [
    { method: 'basic.get', init: { queue: '' }, ids: [60, 70] },
    { method: 'basic.consume', init: { queue: '' }, ids: [60, 20] },
    { method: 'queue.purge', init: { queue: '' }, ids: [50, 30] },
    { method: 'queue.delete', init: { queue: '' }, ids: [50, 40] },
    { method: 'queue.bind', init: { queue: '', exchange: 'amq.direct', routingKey: 'k' }, ids: [50, 20] },
    { method: 'queue.unbind', init: { queue: '', exchange: 'amq.direct', routingKey: 'k' }, ids: [50, 50] },
  ] as const;

  for (const c of emptyNameCases) {
    test(`${c.method} of '' with no declared queue is 404 naming ${c.method} (${c.ids.join('/')})`, async () => {
      await onEveryTarget(
        async (port) => {
          const p = await openChannel(port);
          try {
            p.send(1, c.method, c.init);
            return closeOf(await p.waitFor('channel.close'));
          } finally {
            p.destroy();
          }
        },
        { code: 404, classId: c.ids[0], methodId: c.ids[1] },
      );
    });
  }

  test("a passive queue.declare of '' does not mean the last declared queue (404, 50/10)", async () => {
    await onEveryTarget(
      async (port) => {
        const p = await openChannel(port);
        try {
          p.send(1, 'queue.declare', { queue: '', exclusive: true });
          await p.waitFor('queue.declare-ok');
          p.send(1, 'queue.declare', { queue: '', passive: true });
          return closeOf(await p.waitFor('channel.close'));
        } finally {
          p.destroy();
        }
      },
      { code: 404, classId: 50, methodId: 10 },
    );
  });

  test('publisher confirms of a burst are coalesced into multiple=true acks, each publish confirmed once', async () => {
    const count = 2000;
    await onEveryTarget(
      async (port) => {
        const p = await openChannel(port);
        const queue = unique('confirms');
        try {
          p.send(1, 'queue.declare', { queue, exclusive: true });
          await p.waitFor('queue.declare-ok');
          p.send(1, 'confirm.select');
          await p.waitFor('confirm.select-ok');
          for (let i = 0; i < count; i++) p.send(1, 'basic.publish', { routingKey: queue }, Buffer.from('m'));
          const acks = await acksUpTo(p, count);
          const confirmed = new Set<number>();
          let twice = 0;
          for (const a of acks) {
            const from = a.multiple ? lowestUnconfirmed(confirmed) : a.deliveryTag;
            for (let t = from; t <= a.deliveryTag; t++) {
              if (confirmed.has(t)) twice += a.multiple ? 0 : 1;
              confirmed.add(t);
            }
          }
          return {
            allConfirmed: confirmed.size === count,
            twice,
            coalesced: acks.length < count && acks.some((a) => a.multiple),
          };
        } finally {
          p.destroy();
        }
      },
      { allConfirmed: true, twice: 0, coalesced: true },
    );
  });

  test('a heartbeat frame on a non-zero channel is 505 UNEXPECTED_FRAME', async () => {
    await onEveryTarget(
      async (port) => {
        const p = await RawPeer.handshake(port);
        p.write(Buffer.from([8, 0, 1, 0, 0, 0, 0, 0xce]));
        const close = closeOf(await p.waitFor('connection.close'));
        p.send(0, 'connection.close-ok');
        await p.waitClosed();
        return close;
      },
      { code: 505, classId: 0, methodId: 0 },
    );
  });

  for (const tune of [
    { channelMax: 0, frameMax: 131072 },
    { channelMax: 2047, frameMax: 0 },
  ]) {
    test(`tune-ok with channel_max ${tune.channelMax} / frame_max ${tune.frameMax} is refused (no open-ok, socket closed)`, async () => {
      await onEveryTarget(
        async (port) => {
          const { peer: p } = await RawPeer.untilTune(port);
          p.send(0, 'connection.tune-ok', { ...tune, heartbeat: 0 });
          p.send(0, 'connection.open', { virtualHost: '/' });
          // RabbitMQ waits its 3 s SILENT_CLOSE_DELAY before dropping the socket.
          await p.waitClosed(10_000);
          return p.commands.map((c) => c.method.name);
        },
        ['connection.start', 'connection.tune'],
      );
    });
  }

  test('malformed UTF-8 in a short string is 501 FRAME_ERROR; well-formed non-ASCII names work', async () => {
    await onEveryTarget(
      async (port) => {
        const good = await openChannel(port);
        const name = unique('é→✓');
        good.send(1, 'queue.declare', { queue: name, exclusive: true });
        const ok = (await good.waitFor('queue.declare-ok')).method;
        good.destroy();
        const p = await openChannel(port);
        // queue.declare of the bytes "q\xffq" (auto-delete), written by hand: the codec only encodes valid strings.
        const payload = Buffer.from([0, 50, 0, 10, 0, 0, 3, 0x71, 0xff, 0x71, 0x08, 0, 0, 0, 0]);
        const frame = Buffer.alloc(8 + payload.length);
        frame[0] = 1;
        frame.writeUInt16BE(1, 1);
        frame.writeUInt32BE(payload.length, 3);
        payload.copy(frame, 7);
        frame[frame.length - 1] = 0xce;
        p.write(frame);
        const close = closeOf(await p.waitFor('connection.close'));
        p.send(0, 'connection.close-ok');
        await p.waitClosed();
        return { name: ok.name === 'queue.declare-ok' && ok.queue === name, close };
      },
      { name: true, close: { code: 501, classId: 0, methodId: 0 } },
    );
  });
});

interface Ack {
  deliveryTag: number;
  multiple: boolean;
}

/** Waits (bounded) until acks cover `last`, then returns every basic.ack received. */
async function acksUpTo(p: RawPeer, last: number): Promise<Ack[]> {
  const acks = (): Ack[] =>
    p.commands.flatMap((c) =>
      c.method.name === 'basic.ack'
        ? [{ deliveryTag: c.method.deliveryTag, multiple: c.method.multiple }]
        : [],
    );
  for (let i = 0; i < 100; i++) {
    if (acks().some((a) => a.deliveryTag === last)) return acks();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ack for publish ${last} after 10 s`);
}

/** True once `count` commands named `name` arrived; false if the socket closed or 3 s passed. */
async function waitForCount(p: RawPeer, name: string, count: number): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    if (p.commands.filter((c) => c.method.name === name).length >= count) return true;
    if (p.isClosed) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function lowestUnconfirmed(confirmed: Set<number>): number {
  let t = 1;
  while (confirmed.has(t)) t++;
  return t;
}

describe('content headers are forwarded as received', () => {
  test('a delivery carries the publisher’s property bytes unchanged (no re-encoding)', async () => {
    // content-type "x" and headers with the key "n" twice (int64 5, then int8 -1): decoded into
    // an object the first is lost, so encoding the decoded properties cannot give these bytes.
    const table = Buffer.from([...[1, 0x6e, 0x6c, 0, 0, 0, 0, 0, 0, 0, 5], ...[1, 0x6e, 0x62, 0xff]]);
    const props = Buffer.concat([
      Buffer.from([0xa0, 0x00, 1, 0x78]),
      Buffer.from([0, 0, 0, table.length]),
      table,
    ]);
    await onEveryTarget(async (port) => {
      const p = await openChannel(port);
      const queue = unique('raw-props');
      try {
        p.send(1, 'queue.declare', { queue, exclusive: true });
        await p.waitFor('queue.declare-ok');
        p.write(
          encodeCommand(1, createMethod('basic.publish', { routingKey: queue }), {
            rawProperties: props,
            body: Buffer.from('b'),
          }),
        );
        p.send(1, 'basic.consume', { queue, noAck: true });
        const delivery = await p.waitFor('basic.deliver');
        return Buffer.compare(delivery.content!.rawProperties, props) === 0;
      } finally {
        p.destroy();
      }
    }, true);
  });
});
