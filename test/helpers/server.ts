// An in-process AmqpServer on a free port for tests (silent logger), and a raw AMQP peer.
import { connect } from 'node:net';
import { after, before } from 'node:test';
import type { Socket } from 'node:net';
import { CommandAssembler } from '../../src/protocol/command-assembler.js';
import type { Command } from '../../src/protocol/command.js';
import { encodeCommand } from '../../src/protocol/command-writer.js';
import { FrameParser } from '../../src/protocol/frame-parser.js';
import { createMethod } from '../../src/protocol/method-codec.js';
import { PROTOCOL_HEADER } from '../../src/protocol/protocol-header.js';
import { AmqpServer } from '../../src/transports/tcp/server.js';
import type { AmqpServerOptions } from '../../src/transports/tcp/server.js';
import { silentLogger } from '../../src/transports/tcp/logger.js';

export interface TestServer {
  server: AmqpServer;
  port: number;
  /** amqp://guest:guest@127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: AmqpServerOptions = {}): Promise<TestServer> {
  const server = new AmqpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, ...options });
  const { port } = await server.listen();
  return {
    server,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    close: () => server.close({ reason: 'test finished' }),
  };
}

/** Rejects after `ms` so a hung protocol exchange fails the test instead of the suite. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---- a raw AMQP peer over node:net, for bad-input and heartbeat tests ----

/** The peer of the latest RawPeer.handshake (or untilTune), for inspecting one whose handshake failed. */
export let lastPeer: RawPeer | undefined;

export class RawPeer {
  readonly commands: Command[] = [];
  /** Every byte received, as chunks (concatenated on demand by `raw`). */
  private readonly chunks: Buffer[] = [];
  receivedBytes = 0;
  closed: Promise<void>;
  isClosed = false;
  private readonly parser = new FrameParser({ frameMax: 0 });
  private readonly assembler = new CommandAssembler();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.receivedBytes += d.length;
      try {
        for (const f of this.parser.push(d)) {
          const c = this.assembler.push(f);
          if (c !== undefined) this.commands.push(c);
        }
      } catch {
        // not frames (e.g. a protocol header reply): keep the raw bytes only
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        for (const w of this.waiters.splice(0)) w();
        resolve();
      }),
    );
  }

  get raw(): Buffer {
    return Buffer.concat(this.chunks, this.receivedBytes);
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  /**
   * Connects, sends the protocol header and a start-ok as guest, and resolves with the peer and
   * the server's connection.tune: what is left of the handshake is the test's.
   */
  static async untilTune(port: number): Promise<{ peer: RawPeer; tune: Command }> {
    const p = await RawPeer.open(port);
    lastPeer = p;
    p.write(PROTOCOL_HEADER);
    await p.waitFor('connection.start');
    p.send(0, 'connection.start-ok', {
      clientProperties: {},
      mechanism: 'PLAIN',
      response: Buffer.from('\0guest\0guest'),
      locale: 'en_US',
    });
    return { peer: p, tune: await p.waitFor('connection.tune') };
  }

  /** Connects and completes the handshake up to connection.open-ok. */
  static async handshake(port: number, heartbeat = 0, vhost = '/'): Promise<RawPeer> {
    const { peer: p, tune } = await RawPeer.untilTune(port);
    const frameMax = tune.method.name === 'connection.tune' ? tune.method.frameMax : 131072;
    // channel_max 0 ("no limit") is refused by RabbitMQ when it has a limit: echo its offer.
    const channelMax = tune.method.name === 'connection.tune' ? tune.method.channelMax : 2047;
    p.send(0, 'connection.tune-ok', { channelMax, frameMax, heartbeat });
    p.send(0, 'connection.open', { virtualHost: vhost });
    await p.waitFor('connection.open-ok');
    return p;
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  send(channel: number, name: Parameters<typeof createMethod>[0], init: object = {}, body?: Buffer): void {
    const m = createMethod(name, init as never);
    this.write(encodeCommand(channel, m, body === undefined ? undefined : { body }));
  }

  /** Resolves with the first command named `name` (or rejects when the socket closes first). */
  async waitFor(name: string, timeoutMs = 3000): Promise<Command> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.commands.find((c) => c.method.name === name);
      if (found !== undefined) return found;
      if (this.isClosed) throw new Error(`socket closed before ${name}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${name}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server closes the socket (bounded). */
  waitClosed(timeoutMs = 3000): Promise<void> {
    return withTimeout(this.closed, timeoutMs, 'server closing the socket');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The RabbitMQ at 5672 when it accepts a connection within a second, else undefined. */
export function rabbitmqUrlIfUp(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect(5672, '127.0.0.1');
    const timer = setTimeout(() => (s.destroy(), resolve(undefined)), 1000);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve('amqp://guest:guest@127.0.0.1:5672')));
    s.once('error', () => (clearTimeout(timer), resolve(undefined)));
  });
}

/**
 * Registers before/after hooks that start Warren's server (port 0) and close it; the returned
 * list is filled with its url and, when it answers, the RabbitMQ at 5672's.
 */
export function serverAndRabbitmq(): { urls: string[]; server: () => TestServer } {
  let srv: TestServer | undefined;
  const urls: string[] = [];
  before(async () => {
    srv = await startServer();
    urls.push(srv.url);
    const rabbit = await rabbitmqUrlIfUp();
    if (rabbit !== undefined) urls.push(rabbit);
  });
  after(async () => {
    await srv?.close();
  });
  return {
    urls,
    server: () => {
      if (srv === undefined) throw new Error('the server starts in before()');
      return srv;
    },
  };
}
