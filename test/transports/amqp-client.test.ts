// Warren's own AMQP client (src/transports/amqp) at its edges, against Warren's server and
// RabbitMQ where both can show it: a refused login or vhost is the broker's typed
// ConnectionError and is not retried; a broker that is not there is the socket's error; a
// body larger than frame-max arrives whole; a broker gone silent is given up after two
// heartbeat intervals (a real `warren broker` process stopped with SIGSTOP); a peer that
// sends bytes that are not AMQP gets a typed FrameError, never a crash or a hang; amqps://
// through a TLS-terminating proxy trusts a private CA given to it, and only that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Warren } from '../../src/framework/index.js';
import { CommandAssembler } from '../../src/protocol/command-assembler.js';
import type { Command } from '../../src/protocol/command.js';
import { encodeCommand } from '../../src/protocol/command-writer.js';
import { FrameParser } from '../../src/protocol/frame-parser.js';
import { AmqpError, ConnectionError, FrameError } from '../../src/protocol/errors.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { TransportClosedError } from '../../src/transports/errors.js';
import type { TransportMessage } from '../../src/transports/transport.js';
import { serverAndRabbitmq, withTimeout } from '../helpers/server.js';

const T = { timeout: 30_000 };
const { urls } = serverAndRabbitmq();

function withCredentials(url: string, user: string, password: string, vhost = ''): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  u.pathname = vhost;
  return u.toString();
}

async function connectError(url: string): Promise<unknown> {
  const t = new AmqpTransport(url, { reconnect: { maxAttempts: 5, initialDelayMs: 10 } });
  try {
    await withTimeout(t.connect(), 10_000, `connect to ${url}`);
  } catch (err) {
    return err;
  } finally {
    await t.close();
  }
  return undefined;
}

test('a refused login is ConnectionError 403 and a refused vhost 530, at once (not retried)', T, async () => {
  for (const url of urls) {
    const login = await connectError(withCredentials(url, 'guest', 'wrong-password'));
    assert.ok(login instanceof ConnectionError, `${url}: ${String(login)}`);
    assert.equal(login.replyCode, 403, url);
    const vhost = await connectError(withCredentials(url, 'guest', 'guest', '/no-such-vhost-i15'));
    assert.ok(vhost instanceof ConnectionError, `${url}: ${String(vhost)}`);
    assert.equal(vhost.replyCode, 530, url);
  }
});

test('a broker that is not there fails connect with the socket error', T, async () => {
  const closed = await freePort();
  const err = await connectError(`amqp://guest:guest@127.0.0.1:${closed}`);
  assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});

test('a body larger than frame-max is split on the way out and whole on the way in', T, async () => {
  for (const url of urls) {
    const small = new URL(url);
    small.searchParams.set('frameMax', '4096');
    const t = new AmqpTransport(small.toString(), { reconnect: false });
    await t.connect();
    try {
      const ch = await t.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true });
      const body = Buffer.alloc(300_000);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
      const got = new Promise<TransportMessage>(
        (resolve) => void ch.consume(queue, resolve, { noAck: true }),
      );
      await ch.publish('', queue, body, { messageId: 'big', headers: { n: 1 } });
      const m = await withTimeout(got, 10_000, 'the large message');
      assert.ok(m.body.equals(body), url);
      assert.deepEqual([m.properties.messageId, m.properties.headers], ['big', { n: 1 }], url);
    } finally {
      await t.close();
    }
  }
});

test('a broker gone silent (SIGSTOP) is given up after two heartbeat intervals', T, async () => {
  const broker = await startBrokerProcess();
  try {
    const t = new AmqpTransport(`amqp://guest:guest@127.0.0.1:${broker.port}?heartbeat=1`, {
      reconnect: false,
    });
    await t.connect();
    const ch = await t.createChannel();
    await ch.assertQueue('', { exclusive: true });
    const lost = new Promise<Error | undefined>((resolve) => t.on('disconnect', resolve));
    broker.stop();
    const error = await withTimeout(lost, 10_000, 'disconnect after missed heartbeats');
    assert.ok(error instanceof TransportClosedError, String(error));
    assert.match(error.message, /heartbeat/);
    assert.equal(t.connected, false);
    await t.close();
  } finally {
    broker.kill();
  }
});

test(
  'bytes that are not AMQP from the peer are a FrameError: before and after the handshake',
  T,
  async () => {
    // Garbage in answer to the protocol header.
    const garbage = await peer((socket) =>
      socket.once('data', () => socket.write(Buffer.from('HTTP/1.1 400\r\n\r\n'))),
    );
    try {
      const err = await connectError(`amqp://guest:guest@127.0.0.1:${garbage.port}`);
      assert.ok(err instanceof FrameError, String(err));
    } finally {
      garbage.server.close();
    }
    // A broker that completes the handshake, then sends a frame with a bad frame-end octet.
    const bad = await handshakingPeer((socket) => {
      const frame = encodeCommand(0, { name: 'connection.blocked', reason: 'x' });
      frame[frame.length - 1] = 0x00; // not the frame-end octet 0xCE
      socket.write(frame);
    });
    try {
      const t = new AmqpTransport(`amqp://guest:guest@127.0.0.1:${bad.port}`, {
        reconnect: false,
        delayedExchange: false,
      });
      const lost = new Promise<Error | undefined>((resolve) => t.on('disconnect', resolve));
      await t.connect();
      const error = await withTimeout(lost, 10_000, 'disconnect after a bad frame');
      assert.ok(error instanceof FrameError, String(error));
      assert.equal(error.replyCode, 501);
      await t.close();
    } finally {
      bad.server.close();
    }
  },
);

/**
 * A peer that answers the client's handshake (start, tune, open-ok, read from its frames),
 * then runs `afterOpen`: a stand-in for a broker that misbehaves once the connection is up.
 */
function handshakingPeer(
  afterOpen: (socket: Socket) => void,
  received: Command[] = [],
): Promise<{ server: Server; port: number }> {
  return peer((socket) => {
    const parser = new FrameParser({ frameMax: 0, expectProtocolHeader: true });
    const assembler = new CommandAssembler();
    socket.on('error', () => undefined);
    socket.write(
      encodeCommand(0, {
        name: 'connection.start',
        versionMajor: 0,
        versionMinor: 9,
        serverProperties: {},
        mechanisms: Buffer.from('PLAIN'),
        locales: Buffer.from('en_US'),
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      for (const frame of parser.push(chunk)) {
        const command = assembler.push(frame);
        if (command === undefined) continue;
        received.push(command);
        const name = command.method.name;
        if (name === 'channel.open') {
          socket.write(
            encodeCommand(command.channel, { name: 'channel.open-ok', channelId: Buffer.alloc(0) }),
          );
        } else if (name === 'confirm.select') {
          socket.write(encodeCommand(command.channel, { name: 'confirm.select-ok' }));
        } else if (name === 'connection.start-ok') {
          socket.write(
            encodeCommand(0, { name: 'connection.tune', channelMax: 0, frameMax: 131072, heartbeat: 0 }),
          );
        } else if (name === 'connection.open') {
          socket.write(encodeCommand(0, { name: 'connection.open-ok', knownHosts: '' }));
          setTimeout(() => afterOpen(socket), 20);
        } else if (name === 'connection.close') {
          socket.end(encodeCommand(0, { name: 'connection.close-ok' }));
        }
      }
    });
  });
}

/** A TCP peer on a free loopback port that runs `onSocket` for each connection. */
async function peer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A loopback port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const { server, port } = await peer(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `warren broker` in a process of its own, so it can be stopped (SIGSTOP) like a hung host. */
async function startBrokerProcess(): Promise<{ port: number; stop(): void; kill(): void }> {
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'broker', '--port', '0', '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const kill = (): void => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  };
  try {
    let out = '';
    const port = await withTimeout(
      new Promise<number>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /warren broker listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m !== null) resolve(Number(m[1]));
        });
      }),
      20_000,
      'the broker process listening',
    );
    return { port, stop: () => child.kill('SIGSTOP'), kill };
  } catch (err) {
    kill();
    throw err;
  }
}

test(
  'a publisher far ahead of the socket waits for it and loses nothing, on both channel kinds',
  T,
  async () => {
    for (const url of urls) {
      const t = new AmqpTransport(url, { reconnect: false });
      await t.connect();
      try {
        for (const confirms of [true, false]) {
          const ch = await t.createChannel({ confirms });
          const { queue } = await ch.assertQueue('', { exclusive: true });
          const body = Buffer.alloc(64 * 1024, 1);
          const n = 300; // ~19 MiB at once: far over the connection's 1 MiB high-water mark
          await withTimeout(
            Promise.all(
              Array.from({ length: n }, (_, i) => ch.publish('', queue, body, { messageId: String(i) })),
            ),
            20_000,
            `${n} publishes`,
          );
          const seen: string[] = [];
          const all = new Promise<void>((resolve) => {
            void ch.consume(
              queue,
              (m) => {
                if (m.body.length === body.length) seen.push(m.properties.messageId ?? '');
                if (seen.length === n) resolve();
              },
              { noAck: true },
            );
          });
          await withTimeout(all, 20_000, `${n} deliveries`);
          assert.deepEqual(
            seen,
            Array.from({ length: n }, (_, i) => String(i)),
            `${url} confirms=${confirms}`,
          );
          await ch.close();
        }
      } finally {
        await t.close();
      }
    }
  },
);

test(
  "a channel.close crossing the broker's keeps the connection: the channel ends on the broker's close-ok",
  T,
  async () => {
    for (const url of urls) {
      const t = new AmqpTransport(url, { reconnect: false });
      await t.connect();
      let disconnected: Error | undefined;
      t.on('disconnect', (e) => (disconnected = e ?? new Error('disconnect')));
      try {
        for (let i = 0; i < 5; i++) {
          const ch = await t.createChannel({ confirms: false });
          // Same write: the broker reads the publish (404: it closes the channel), then our close.
          await ch.publish('i15-no-such-exchange', 'x', Buffer.from('x'));
          await withTimeout(ch.close(), 5000, 'the crossed close');
        }
        const ch = await t.createChannel();
        const { queue } = await ch.assertQueue('', { exclusive: true });
        await ch.publish('', queue, Buffer.from('after'));
        assert.equal((await ch.get(queue, { noAck: true }))?.body.toString(), 'after', url);
        assert.equal(disconnected, undefined, `${url}: ${String(disconnected)}`);
      } finally {
        await t.close();
      }
    }
  },
);

test(
  'amqps:// connects over TLS, trusting a private CA given as `tls.ca`; an untrusted certificate fails',
  T,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    // A self-signed certificate for 127.0.0.1 (its own CA).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    // TLS terminated in front of Warren's server (which speaks plain TCP), as a load balancer would.
    const target = new URL(urls[0]!);
    const proxy = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
      const upstream = connect(Number(target.port), '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `amqps://guest:guest@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const t = new AmqpTransport(url, { reconnect: false, tls: { ca: readFileSync(cert) } });
      await t.connect();
      try {
        const ch = await t.createChannel();
        const { queue } = await ch.assertQueue('', { exclusive: true });
        await ch.publish('', queue, Buffer.from('over tls'));
        assert.equal((await ch.get(queue, { noAck: true }))?.body.toString(), 'over tls');
      } finally {
        await t.close();
      }
      const untrusted = await connectError(url);
      assert.equal(
        (untrusted as NodeJS.ErrnoException).code,
        'DEPTH_ZERO_SELF_SIGNED_CERT',
        String(untrusted),
      );
    } finally {
      proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a URL the client cannot read is a TypeError at once, never retried as a broker that is down',
  T,
  async () => {
    const reported: unknown[] = [];
    for (const url of ['amqp://127.0.0.1?heartbeat=soon', 'http://127.0.0.1:5672']) {
      assert.throws(() => new AmqpTransport(url), TypeError);
      const started = await Warren.start({ url, services: [], onError: (e) => reported.push(e) }).catch(
        (e: unknown) => e,
      );
      assert.ok(started instanceof TypeError, String(started));
    }
    assert.deepEqual(reported, [], 'no connect attempt was retried');
  },
);

test(
  'with every negotiated channel open, one more is a RangeError and the connection carries on',
  T,
  async () => {
    for (const url of urls) {
      const limited = new URL(url);
      limited.searchParams.set('channelMax', '2');
      const t = new AmqpTransport(limited.toString(), { reconnect: false });
      await t.connect();
      try {
        const first = await t.createChannel();
        const second = await t.createChannel();
        await assert.rejects(t.createChannel(), RangeError, url);
        await first.close();
        const third = await t.createChannel();
        const { queue } = await third.assertQueue('', { exclusive: true });
        await second.publish('', queue, Buffer.from('still here'));
        assert.equal((await third.get(queue, { noAck: true }))?.body.toString(), 'still here', url);
        assert.equal(t.connected, true);
      } finally {
        await t.close();
      }
    }
  },
);

test(
  'random frames from a broker end in a typed error or nothing, never a crash or a hang (bounded fuzz)',
  T,
  async () => {
    // A seeded generator: a failure names the round that reproduces it.
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const outcomes: string[] = [];
    // Well-formed commands a broker may send at the wrong time or place, beside random frames.
    const valid = [
      encodeCommand(0, { name: 'connection.blocked', reason: 'low on memory' }),
      encodeCommand(0, { name: 'connection.unblocked' }),
      encodeCommand(0, { name: 'connection.tune', channelMax: 0, frameMax: 4096, heartbeat: 0 }),
      encodeCommand(0, { name: 'connection.close', replyCode: 320, replyText: 'x', classId: 0, methodId: 0 }),
      encodeCommand(1, { name: 'channel.open-ok', channelId: Buffer.alloc(0) }),
      encodeCommand(0, { name: 'basic.qos-ok' }),
      Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]), // a heartbeat
    ];
    for (let round = 0; round < 40; round++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 1 + random(4); i++) {
        if (random(2) === 0) {
          frames.push(valid[random(valid.length)]!);
          continue;
        }
        const payload = Buffer.from(Array.from({ length: random(24) }, () => random(256)));
        const header = Buffer.alloc(7);
        header.writeUInt8([1, 2, 3, 8, random(256)][random(5)]!, 0); // method, header, body, heartbeat, anything
        header.writeUInt16BE([0, 1, random(65536)][random(3)]!, 1);
        header.writeUInt32BE(payload.length, 3);
        frames.push(header, payload, Buffer.from([random(8) === 0 ? random(256) : 0xce]));
      }
      const broker = await handshakingPeer((socket) => socket.write(Buffer.concat(frames)));
      const t = new AmqpTransport(`amqp://guest:guest@127.0.0.1:${broker.port}`, {
        reconnect: false,
        delayedExchange: false,
      });
      try {
        const lost = new Promise<Error | undefined>((resolve) => t.on('disconnect', resolve));
        await withTimeout(t.connect(), 5000, `round ${round}: connect`);
        const outcome = await Promise.race([lost, new Promise<'up'>((r) => setTimeout(() => r('up'), 300))]);
        outcomes.push(outcome === 'up' ? 'up' : (outcome?.name ?? 'undefined'));
        if (outcome !== 'up') {
          assert.ok(
            outcome instanceof AmqpError || outcome instanceof TransportClosedError,
            `round ${round}: ${String(outcome)}`,
          );
        }
      } finally {
        await withTimeout(t.close(), 10_000, `round ${round}: close`);
        broker.server.close();
      }
    }
    // The seeded rounds cover both ends: connections that stay up and ones closed with an error.
    assert.ok(outcomes.includes('up') && outcomes.some((o) => o !== 'up'), outcomes.join(' '));
  },
);

test('a delivery for no consumer of the channel goes back to its queue (nack, requeue)', T, async () => {
  const received: Command[] = [];
  let socket: Socket | undefined;
  const broker = await handshakingPeer((s) => (socket = s), received);
  const t = new AmqpTransport(`amqp://guest:guest@127.0.0.1:${broker.port}`, {
    reconnect: false,
    delayedExchange: false,
  });
  try {
    await t.connect();
    await t.createChannel();
    await waitFor(() => socket !== undefined, 5000, 'the peer after open-ok');
    const open = received.find((c) => c.method.name === 'channel.open');
    assert.ok(open);
    const deliver = {
      consumerTag: 'nobody',
      deliveryTag: 7,
      redelivered: false,
      exchange: '',
      routingKey: 'q',
    };
    socket?.write(
      encodeCommand(
        open.channel,
        { name: 'basic.deliver', ...deliver },
        { properties: {}, body: Buffer.from('x') },
      ),
    );
    await waitFor(() => received.some((c) => c.method.name === 'basic.nack'), 5000, 'the nack');
    const nack = received.find((c) => c.method.name === 'basic.nack')?.method;
    assert.deepEqual(nack, { name: 'basic.nack', deliveryTag: 7, multiple: false, requeue: true });
    assert.equal(t.connected, true);
  } finally {
    await t.close();
    broker.server.close();
  }
});

/** Polls `ready` every 10 ms until it holds, failing after `ms`. */
async function waitFor(ready: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
