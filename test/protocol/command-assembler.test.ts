import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CommandAssembler,
  CommandWriter,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FrameError,
  FrameParser,
  ReplyCode,
  Writer,
  createMethod,
  writeContentHeaderFrame,
  writeFrame,
  writeMethodFrame,
  type Command,
  type Frame,
  type Method,
} from '../../src/protocol/index.js';

const is = (code: number) => (e: unknown) => e instanceof FrameError && e.replyCode === code;
const publish = createMethod('basic.publish', { exchange: 'ex', routingKey: 'rk' });

function frames(build: (w: Writer) => void): Frame[] {
  const w = new Writer();
  build(w);
  return new FrameParser({ frameMax: 0 }).push(w.take());
}

function run(assembler: CommandAssembler, input: Frame[]): Command[] {
  return input.flatMap((f) => assembler.push(f) ?? []);
}

describe('CommandAssembler: assembly', () => {
  test('methods without content complete immediately', () => {
    const [cmd] = run(
      new CommandAssembler(),
      frames((w) => writeMethodFrame(w, 3, createMethod('tx.select', {}), 0)),
    );
    assert.deepStrictEqual(cmd, { channel: 3, method: { name: 'tx.select' }, content: undefined });
  });

  test('publish + header + body frames become one command; narrowing on content', () => {
    const body = Buffer.alloc(10_000, 9);
    const out = new CommandWriter({ frameMax: 4096 });
    out.command(1, publish, { properties: { contentType: 'a/b' }, body });
    const cmds = run(new CommandAssembler(), new FrameParser({ frameMax: 4096 }).push(out.take()));
    assert.equal(cmds.length, 1);
    const cmd = cmds[0]!;
    assert.ok(cmd.content !== undefined);
    assert.equal(cmd.method.name, 'basic.publish');
    assert.deepEqual(cmd.content.properties, { contentType: 'a/b' });
    assert.deepEqual(cmd.content.body, body);
  });

  test('a body in a single frame is not copied', () => {
    const out = new CommandWriter();
    out.command(1, publish, { properties: {}, body: Buffer.from('hello') });
    const bytes = out.take();
    const chunk = Buffer.alloc(bytes.length);
    bytes.copy(chunk);
    const [cmd] = run(new CommandAssembler(), new FrameParser().push(chunk));
    assert.equal(cmd!.content!.body.buffer, chunk.buffer);
    assert.equal(cmd!.content!.body.toString(), 'hello');
  });

  test('empty bodies complete on the header', () => {
    const out = new CommandWriter();
    out.command(1, publish, { body: Buffer.alloc(0) });
    const [cmd] = run(new CommandAssembler(), new FrameParser().push(out.take()));
    assert.equal(cmd!.content!.body.length, 0);
    assert.deepEqual(cmd!.content!.properties, {});
  });

  test('channels interleave independently; heartbeats yield nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ maxLength: 9000 })), {
          maxLength: 12,
        }),
        fc.integer(),
        (messages, seed) => {
          // Per channel: frames of each message in order; across channels: random interleaving.
          const queues = new Map<number, Frame[]>();
          for (const [channel, body] of messages) {
            const out = new CommandWriter({ frameMax: 4096 });
            out.command(channel, publish, { properties: { messageId: String(body.length) }, body });
            const fs = new FrameParser({ frameMax: 4096 }).push(out.take());
            queues.set(channel, [...(queues.get(channel) ?? []), ...fs]);
          }
          const mixed: Frame[] = [];
          let r = seed;
          while ([...queues.values()].some((q) => q.length > 0)) {
            const live = [...queues.values()].filter((q) => q.length > 0);
            r = (r * 1103515245 + 12345) & 0x7fffffff;
            mixed.push(live[r % live.length]!.shift()!);
            if (r % 5 === 0) mixed.push({ type: FRAME_HEARTBEAT, channel: 0, payload: Buffer.alloc(0) });
          }
          const cmds = run(new CommandAssembler(), mixed);
          const byChannel = (list: { channel: number; size: number }[], ch: number) =>
            list.filter((x) => x.channel === ch).map((x) => x.size);
          const got = cmds.map((c) => ({ channel: c.channel, size: c.content!.body.length }));
          const want = messages.map(([channel, body]) => ({ channel, size: body.length }));
          for (let ch = 1; ch <= 4; ch++) assert.deepEqual(byChannel(got, ch), byChannel(want, ch));
          for (const c of cmds) assert.equal(c.content!.properties.messageId, String(c.content!.body.length));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('rawProperties can be forwarded verbatim', () => {
    const out = new CommandWriter();
    out.command(1, publish, { properties: { headers: { x: 1 }, priority: 3 }, body: Buffer.from('b') });
    const [cmd] = run(new CommandAssembler(), new FrameParser().push(out.take()));
    const deliver = new CommandWriter();
    const args = { consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: 'ex', routingKey: 'rk' };
    deliver.deliver(2, args, { rawProperties: cmd!.content!.rawProperties, body: cmd!.content!.body });
    const [back] = run(new CommandAssembler(), new FrameParser().push(deliver.take()));
    assert.deepStrictEqual(back!.content!.properties, { headers: { x: 1 }, priority: 3 });
  });
});

describe('CommandAssembler: state errors', () => {
  const methodFrame = (channel: number, m: Method) => frames((w) => writeMethodFrame(w, channel, m, 0))[0]!;
  const headerFrame = (channel: number, size: number, classId = 60) =>
    frames((w) => writeContentHeaderFrame(w, channel, classId, size, {}, 0))[0]!;
  const bodyFrame = (channel: number, n: number) =>
    frames((w) => writeFrame(w, FRAME_BODY, channel, Buffer.alloc(n), 0))[0]!;

  test('content header without a content method → 505', () => {
    assert.throws(() => new CommandAssembler().push(headerFrame(1, 0)), is(ReplyCode.UNEXPECTED_FRAME));
    const a = new CommandAssembler();
    a.push(methodFrame(1, createMethod('tx.select', {})));
    assert.throws(() => a.push(headerFrame(1, 0)), is(ReplyCode.UNEXPECTED_FRAME));
  });

  test('body without header → 505', () => {
    assert.throws(() => new CommandAssembler().push(bodyFrame(1, 3)), is(ReplyCode.UNEXPECTED_FRAME));
    const a = new CommandAssembler();
    a.push(methodFrame(1, publish));
    assert.throws(() => a.push(bodyFrame(1, 3)), is(ReplyCode.UNEXPECTED_FRAME));
  });

  test('method while a header or body is expected → 505 naming the pending method', () => {
    const a = new CommandAssembler();
    a.push(methodFrame(1, publish));
    assert.throws(
      () => a.push(methodFrame(1, publish)),
      (e: unknown) => is(ReplyCode.UNEXPECTED_FRAME)(e) && (e as FrameError).classId === 60,
    );
    const b = new CommandAssembler();
    b.push(methodFrame(1, publish));
    b.push(headerFrame(1, 10));
    b.push(bodyFrame(1, 4));
    assert.throws(
      () => b.push(methodFrame(1, createMethod('tx.select', {}))),
      is(ReplyCode.UNEXPECTED_FRAME),
    );
  });

  test('body frames beyond the declared size → 505', () => {
    const a = new CommandAssembler();
    a.push(methodFrame(1, publish));
    a.push(headerFrame(1, 10));
    a.push(bodyFrame(1, 6));
    assert.throws(() => a.push(bodyFrame(1, 5)), is(ReplyCode.UNEXPECTED_FRAME));
  });

  test('header for another class, or a second header → 505', () => {
    const a = new CommandAssembler();
    a.push(methodFrame(1, publish));
    assert.throws(() => a.push(headerFrame(1, 0, 50)), is(ReplyCode.UNEXPECTED_FRAME));
    const b = new CommandAssembler();
    b.push(methodFrame(1, publish));
    b.push(headerFrame(1, 5));
    assert.throws(() => b.push(headerFrame(1, 5)), is(ReplyCode.UNEXPECTED_FRAME));
  });

  test('declared body size over maxBodySize → 501', () => {
    const a = new CommandAssembler({ maxBodySize: 100 });
    a.push(methodFrame(1, publish));
    assert.throws(() => a.push(headerFrame(1, 101)), is(ReplyCode.FRAME_ERROR));
  });

  test('heartbeat on a channel other than 0 → 501', () => {
    const bad: Frame = { type: FRAME_HEARTBEAT, channel: 3, payload: Buffer.alloc(0) };
    assert.throws(() => new CommandAssembler().push(bad), is(ReplyCode.FRAME_ERROR));
    const unknown: Frame = { type: 7, channel: 0, payload: Buffer.alloc(0) };
    assert.throws(() => new CommandAssembler().push(unknown), is(ReplyCode.FRAME_ERROR));
  });

  test('a closing channel ignores everything but channel.close / close-ok', () => {
    const a = new CommandAssembler();
    a.push(methodFrame(1, publish));
    a.closeChannel(1);
    assert.equal(a.isAssembling(1), false);
    assert.equal(a.push(bodyFrame(1, 5)), undefined);
    assert.equal(a.push(headerFrame(1, 5)), undefined);
    assert.equal(a.push(methodFrame(1, publish)), undefined);
    const closeOk = a.push(methodFrame(1, createMethod('channel.close-ok', {})));
    assert.equal(closeOk?.method.name, 'channel.close-ok');
    a.resetChannel(1);
    assert.throws(() => a.push(bodyFrame(1, 5)), is(ReplyCode.UNEXPECTED_FRAME));
    const other = a.push(methodFrame(2, createMethod('tx.select', {})));
    assert.equal(other?.channel, 2);
  });

  test('frame types are what the assembler switches on', () => {
    assert.deepEqual([FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT], [1, 2, 3, 8]);
  });
});
