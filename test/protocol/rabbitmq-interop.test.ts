/**
 * The codec against a real RabbitMQ (WARREN_RABBITMQ_URL, default amqp://guest:guest@
 * 127.0.0.1:5672) over a raw socket: handshake, declare, publish with every field-table tag
 * and all properties, a body split over many frames, consume, and a channel error. Skipped
 * when no broker answers. Every wait is bounded, so a misbehaving peer fails the test
 * instead of hanging it.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CommandAssembler,
  CommandWriter,
  Decimal,
  FrameParser,
  PROTOCOL_HEADER,
  createMethod,
  encodeTable,
  typed,
  type Command,
  type Method,
  type MethodMap,
  type MethodName,
  type OutgoingContent,
} from '../../src/protocol/index.js';

const url = new URL(process.env['WARREN_RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
const WAIT_MS = 5000;

class RawClient {
  private readonly parser = new FrameParser({ frameMax: 0 });
  private readonly assembler = new CommandAssembler();
  readonly out = new CommandWriter();
  private readonly inbox: Command[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.parser.push(chunk)) {
          const cmd = this.assembler.push(f);
          if (cmd !== undefined) this.inbox.push(cmd);
        }
      } catch (e) {
        this.failure = e as Error;
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.failure ??= new Error('socket closed');
      this.wake?.();
    });
  }

  static open(): Promise<RawClient | undefined> {
    return new Promise((resolve) => {
      const socket = connect(Number(url.port || 5672), url.hostname);
      const timer = setTimeout(() => (socket.destroy(), resolve(undefined)), 1000);
      socket.once('connect', () => (clearTimeout(timer), resolve(new RawClient(socket))));
      socket.once('error', () => (clearTimeout(timer), resolve(undefined)));
    });
  }

  send(channel: number, method: Method, content?: OutgoingContent): void {
    this.out.command(channel, method, content);
    this.socket.write(this.out.take());
  }

  async next(): Promise<Command> {
    const deadline = Date.now() + WAIT_MS;
    while (this.inbox.length === 0) {
      if (this.failure !== undefined) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a command');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
    return this.inbox.shift()!;
  }

  async expect<N extends MethodName>(name: N): Promise<{ method: MethodMap[N]; cmd: Command }> {
    const cmd = await this.next();
    assert.equal(cmd.method.name, name);
    return { method: cmd.method as MethodMap[N], cmd };
  }

  async handshake(frameMax: number): Promise<void> {
    this.socket.write(PROTOCOL_HEADER);
    const { method: start } = await this.expect('connection.start');
    assert.ok(start.mechanisms.toString().includes('PLAIN'));
    const response = Buffer.from(
      `\0${decodeURIComponent(url.username)}\0${decodeURIComponent(url.password)}`,
    );
    this.send(
      0,
      createMethod('connection.start-ok', { clientProperties: { product: 'warren-codec-test' }, response }),
    );
    const { method: tune } = await this.expect('connection.tune');
    this.out.frameMax = frameMax;
    this.parser.frameMax = frameMax;
    this.send(0, createMethod('connection.tune-ok', { channelMax: tune.channelMax, frameMax, heartbeat: 0 }));
    this.send(
      0,
      createMethod('connection.open', { virtualHost: decodeURIComponent(url.pathname.slice(1)) || '/' }),
    );
    await this.expect('connection.open-ok');
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('interop with a real RabbitMQ', () => {
  let client: RawClient | undefined;

  before(async () => {
    client = await RawClient.open();
  });
  after(() => client?.close());

  test('publish and consume round-trip every field type, all properties and a multi-frame body', async (t) => {
    if (client === undefined) return t.skip(`no RabbitMQ at ${url.host}`);
    const c = client;
    await c.handshake(4096);
    c.send(1, createMethod('channel.open', {}));
    await c.expect('channel.open-ok');
    c.send(
      1,
      createMethod('queue.declare', { exclusive: true, arguments: { 'x-message-ttl': typed('l', 60000) } }),
    );
    const { method: declared } = await c.expect('queue.declare-ok');
    c.send(1, createMethod('confirm.select', {}));
    await c.expect('confirm.select-ok');

    const headers = {
      str: 'héllo',
      int: 42,
      long: 2 ** 40,
      big: 2n ** 62n,
      double: 1.5,
      bool: true,
      void: null,
      bytes: Buffer.from([0, 1, 255]),
      time: new Date(1_700_000_000_000),
      decimal: new Decimal(2, 12345),
      array: [1, 'a', [true], { k: 'v' }],
      table: { nested: { deep: typed('s', -300) } },
      int8: typed('b', -5),
      uint8: typed('B', 200),
      uint16: typed('u', 65000),
      float: typed('f', 0.5),
      uint32: typed('i', 4_000_000_000),
    };
    const properties = {
      contentType: 'application/json',
      contentEncoding: 'identity',
      headers,
      deliveryMode: 2,
      priority: 3,
      correlationId: 'corr',
      replyTo: 'reply',
      expiration: '60000',
      messageId: 'msg',
      timestamp: 1_700_000_000,
      type: 'kind',
      appId: 'app',
    };
    const body = Buffer.alloc(50_000, 0x41);
    c.send(1, createMethod('basic.publish', { routingKey: declared.queue }), { properties, body });
    const { method: ack } = await c.expect('basic.ack');
    assert.equal(ack.deliveryTag, 1);

    c.send(1, createMethod('basic.consume', { queue: declared.queue }));
    const { method: consumeOk } = await c.expect('basic.consume-ok');
    const { method: deliver, cmd } = await c.expect('basic.deliver');
    assert.equal(deliver.consumerTag, consumeOk.consumerTag);
    assert.equal(deliver.routingKey, declared.queue);
    assert.ok(cmd.content !== undefined);
    assert.ok(cmd.content.body.equals(body));
    const { headers: got, ...rest } = cmd.content.properties;
    const { headers: _sent, ...sentRest } = properties;
    assert.deepStrictEqual(rest, sentRest);
    assert.ok(got !== undefined);
    assert.ok(encodeTable(got).equals(encodeTable(headers)), 'RabbitMQ preserved every header tag and value');
    c.send(1, createMethod('basic.ack', { deliveryTag: deliver.deliveryTag }));
  });

  test('a channel error comes back as channel.close naming the failed method', async (t) => {
    if (client === undefined) return t.skip(`no RabbitMQ at ${url.host}`);
    const c = client;
    c.send(1, createMethod('queue.declare', { queue: 'amq.reserved-by-rabbitmq' }));
    const { method: close } = await c.expect('channel.close');
    assert.equal(close.replyCode, 403);
    assert.deepEqual([close.classId, close.methodId], [50, 10]);
    c.send(1, createMethod('channel.close-ok', {}));
    c.send(0, createMethod('connection.close', { replyCode: 200, classId: 0, methodId: 0 }));
    await c.expect('connection.close-ok');
  });
});
