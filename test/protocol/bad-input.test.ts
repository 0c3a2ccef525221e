/**
 * Bad input through the whole input path (FrameParser → CommandAssembler): every case
 * surfaces as a FrameError (a ConnectionError) whose `replyCode` says what went wrong, or
 * as a ProtocolHeaderError; nothing crashes, hangs or leaks a RangeError/TypeError.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CommandAssembler,
  CommandWriter,
  FRAME_BODY,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FrameError,
  FrameParser,
  PROTOCOL_HEADER,
  ProtocolHeaderError,
  ReplyCode,
  Writer,
  createMethod,
  encodeCommand,
  writeFrame,
  type Command,
} from '../../src/protocol/index.js';

function feed(bytes: Buffer, frameMax = 131072): Command[] {
  const parser = new FrameParser({ frameMax });
  const assembler = new CommandAssembler();
  return parser.push(bytes).flatMap((f) => assembler.push(f) ?? []);
}

function frame(type: number, channel: number, payload: Buffer): Buffer {
  const w = new Writer();
  writeFrame(w, type, channel, payload, 0);
  return w.take();
}

function methodPayload(classId: number, methodId: number, args: number[] | Buffer): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(classId, 0);
  p.writeUInt16BE(methodId, 2);
  return Buffer.concat([p, Buffer.from(args)]);
}

function rejects(bytes: Buffer, code: number, extra?: (e: FrameError) => void): void {
  assert.throws(
    () => feed(bytes),
    (e: unknown) => {
      assert.ok(e instanceof FrameError, `expected FrameError, got ${String(e)}`);
      assert.equal(e.replyCode, code, e.message);
      assert.equal(e.scope, 'connection');
      extra?.(e);
      return true;
    },
  );
}

const ack = encodeCommand(1, createMethod('basic.ack', { deliveryTag: 1 }));

describe('bad input → reply codes', () => {
  test('bad frame-end octet → 501', () => {
    const bytes = Buffer.from(ack);
    bytes[bytes.length - 1] = 0xcd;
    rejects(bytes, ReplyCode.FRAME_ERROR);
  });

  test('frame larger than the negotiated frame-max → 501', () => {
    const big = frame(FRAME_BODY, 1, Buffer.alloc(5000));
    assert.throws(
      () => feed(big, 4096),
      (e: unknown) => e instanceof FrameError && e.replyCode === 501,
    );
  });

  test('unknown frame type → 501, heartbeat on channel ≠ 0 → 505 (as RabbitMQ)', () => {
    rejects(frame(5, 0, Buffer.alloc(0)), ReplyCode.FRAME_ERROR);
    rejects(frame(FRAME_HEARTBEAT, 2, Buffer.alloc(0)), ReplyCode.UNEXPECTED_FRAME);
  });

  test('method frame too short for its ids → 501', () => {
    rejects(frame(FRAME_METHOD, 1, Buffer.from([0, 60, 0])), ReplyCode.FRAME_ERROR);
  });

  test('unknown class or method id → 503 carrying the ids', () => {
    for (const [c, m] of [
      [61, 10],
      [60, 41],
      [0, 0],
      [0xffff, 0xffff],
    ] as const) {
      rejects(frame(FRAME_METHOD, 1, methodPayload(c, m, [])), ReplyCode.COMMAND_INVALID, (e) => {
        assert.equal(e.classId, c);
        assert.equal(e.methodId, m);
      });
    }
  });

  test('truncated arguments → 502 naming the method', () => {
    const payload = frameOf(ack).payload;
    for (let cut = 4; cut < payload.length; cut++) {
      rejects(frame(FRAME_METHOD, 1, payload.subarray(0, cut)), ReplyCode.SYNTAX_ERROR, (e) => {
        assert.equal(e.classId, 60);
        assert.equal(e.methodId, 80);
      });
    }
  });

  test('shortstr length running past the payload → 502', () => {
    // basic.consume-ok: consumer-tag claims 10 bytes, 2 present
    rejects(frame(FRAME_METHOD, 1, methodPayload(60, 21, [10, 97, 98])), ReplyCode.SYNTAX_ERROR);
  });

  test('longstr length running past the payload → 502', () => {
    // connection.secure: challenge claims 100 bytes
    rejects(frame(FRAME_METHOD, 0, methodPayload(10, 20, [0, 0, 0, 100, 1, 2])), ReplyCode.SYNTAX_ERROR);
  });

  test('truncated field table in arguments → 502', () => {
    // queue.declare with an arguments table claiming 50 bytes
    const args = [0, 0, 1, 113, 0, 0, 0, 0, 50, 1, 97, 0x49];
    rejects(frame(FRAME_METHOD, 1, methodPayload(50, 10, args)), ReplyCode.SYNTAX_ERROR);
  });

  test('unknown field-table type tag → 502', () => {
    const args = [0, 0, 1, 113, 0, 0, 0, 0, 3, 1, 97, 0x5a];
    rejects(frame(FRAME_METHOD, 1, methodPayload(50, 10, args)), ReplyCode.SYNTAX_ERROR);
  });

  test('trailing bytes after the arguments → 502', () => {
    const payload = Buffer.concat([frameOf(ack).payload, Buffer.from([0])]);
    rejects(frame(FRAME_METHOD, 1, payload), ReplyCode.SYNTAX_ERROR);
  });

  test('unexpected frames → 505', () => {
    rejects(frame(FRAME_BODY, 1, Buffer.from('x')), ReplyCode.UNEXPECTED_FRAME);
    const publish = new CommandWriter()
      .command(1, createMethod('basic.publish', {}), { body: Buffer.from('abc') })
      .take();
    const frames = new FrameParser().push(publish);
    const [methodBytes, headerBytes] = [sliceFrame(publish, 0), sliceFrame(publish, 1)];
    rejects(headerBytes, ReplyCode.UNEXPECTED_FRAME);
    rejects(Buffer.concat([methodBytes, methodBytes]), ReplyCode.UNEXPECTED_FRAME);
    assert.equal(frames.length, 3);
  });

  test('shortstr over 255 bytes on encode → RangeError', () => {
    assert.throws(
      () => encodeCommand(1, createMethod('queue.delete', { queue: 'q'.repeat(256) })),
      RangeError,
    );
  });

  test('wrong protocol header → ProtocolHeaderError with the header to send back', () => {
    const parser = new FrameParser({ expectProtocolHeader: true });
    assert.throws(
      () => parser.push(Buffer.from('AMQP\x00\x00\x09\x00', 'latin1')),
      (e: unknown) =>
        e instanceof ProtocolHeaderError && e.reply.equals(PROTOCOL_HEADER) && /AMQP/.test(e.message),
    );
  });
});

describe('fuzz: corrupted streams never escape as anything but protocol errors', () => {
  const stream = Buffer.concat([
    PROTOCOL_HEADER,
    new CommandWriter({ frameMax: 4096 })
      .command(
        0,
        createMethod('connection.start-ok', {
          clientProperties: { product: 'x', n: 1 },
          response: Buffer.from('\0a\0b'),
        }),
      )
      .command(
        1,
        createMethod('queue.declare', {
          queue: 'q',
          arguments: { 'x-max-length': 5, t: [1, 'a', { b: true }] },
        }),
      )
      .command(1, createMethod('basic.publish', { routingKey: 'q' }), {
        properties: { headers: { h: new Date(0) }, contentType: 't' },
        body: Buffer.alloc(9000, 1),
      })
      .command(1, createMethod('basic.ack', { deliveryTag: 3, multiple: true }))
      .take(),
  ]);

  test('random byte corruption and truncation, random chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (flips, truncateAt, sizes) => {
          const bytes = Buffer.from(stream.subarray(0, 8 + (truncateAt % (stream.length - 7))));
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          const parser = new FrameParser({ frameMax: 4096, expectProtocolHeader: true });
          const assembler = new CommandAssembler();
          try {
            for (let off = 0, i = 0; off < bytes.length; off += sizes[i++ % sizes.length]!) {
              for (const f of parser.push(bytes.subarray(off, off + sizes[i % sizes.length]!)))
                assembler.push(f);
            }
          } catch (e) {
            const ok =
              e instanceof ProtocolHeaderError ||
              (e instanceof FrameError && [501, 502, 503, 505].includes(e.replyCode));
            assert.ok(ok, `unexpected ${String(e)}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

function frameOf(bytes: Buffer) {
  return new FrameParser().push(bytes)[0]!;
}

/** The n-th frame of a byte stream, as bytes. */
function sliceFrame(bytes: Buffer, n: number): Buffer {
  let off = 0;
  for (let i = 0; i < n; i++) off += 8 + bytes.readUInt32BE(off + 3);
  return bytes.subarray(off, off + 8 + bytes.readUInt32BE(off + 3));
}
