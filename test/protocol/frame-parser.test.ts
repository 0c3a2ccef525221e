import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  FRAME_BODY,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FrameError,
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  ProtocolHeaderError,
  ReplyCode,
  Writer,
  writeFrame,
  type Frame,
} from '../../src/protocol/index.js';

interface RawFrame {
  type: number;
  channel: number;
  payload: Buffer;
}

const frameArbitrary: fc.Arbitrary<RawFrame> = fc.oneof(
  fc.constant({ type: FRAME_HEARTBEAT, channel: 0, payload: Buffer.alloc(0) }),
  fc.record(
    {
      type: fc.constantFrom(FRAME_METHOD, 2, FRAME_BODY),
      channel: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    },
    { noNullPrototype: true },
  ),
);

function encode(frames: RawFrame[]): Buffer {
  const w = new Writer(32);
  for (const f of frames) writeFrame(w, f.type, f.channel, f.payload, 0);
  return w.take();
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(Buffer.from(bytes.subarray(prev, p)));
    prev = p;
  }
  return out;
}

const plain = (f: Frame): RawFrame => ({ type: f.type, channel: f.channel, payload: Buffer.from(f.payload) });
const is = (code: number) => (e: unknown) => e instanceof FrameError && e.replyCode === code;

describe('FrameParser: chunking', () => {
  test('random splits of a many-frame stream yield the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(frameArbitrary, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, cuts) => {
          const bytes = encode(frames);
          const parser = new FrameParser({ frameMax: 0 });
          const got = chunk(bytes, cuts).flatMap((c) => parser.push(c).map(plain));
          assert.deepStrictEqual(got, frames);
          assert.equal(parser.hasPartialData, false);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('one byte at a time, after the protocol header', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 10 }), (frames) => {
        const bytes = Buffer.concat([PROTOCOL_HEADER, encode(frames)]);
        const parser = new FrameParser({ frameMax: 0, expectProtocolHeader: true });
        const got: RawFrame[] = [];
        for (let i = 0; i < bytes.length; i++) got.push(...parser.push(bytes.subarray(i, i + 1)).map(plain));
        assert.deepStrictEqual(got, frames);
      }),
      { numRuns: 50 },
    );
  });

  test('frames inside one chunk are zero-copy views; straddling frames are copied once', () => {
    const frames: RawFrame[] = [
      { type: FRAME_BODY, channel: 1, payload: Buffer.alloc(100, 1) },
      { type: FRAME_BODY, channel: 1, payload: Buffer.alloc(100, 2) },
    ];
    const bytes = encode(frames);
    // Buffer.alloc never uses the shared pool, so each chunk has its own ArrayBuffer.
    const first = Buffer.alloc(150);
    const second = Buffer.alloc(bytes.length - 150);
    bytes.copy(first, 0, 0, 150);
    bytes.copy(second, 0, 150);
    const parser = new FrameParser({ frameMax: 0 });
    const [a] = parser.push(first);
    assert.equal(a!.payload.buffer, first.buffer, 'view of the chunk');
    const [b] = parser.push(second);
    assert.notEqual(b!.payload.buffer, second.buffer, 'straddling frame is copied');
    assert.deepEqual(b!.payload, frames[1]!.payload);
  });

  test('frame-max is enforced on the frame header, before the payload arrives', () => {
    const parser = new FrameParser({ frameMax: 4096 });
    const big = encode([{ type: FRAME_BODY, channel: 1, payload: Buffer.alloc(4089) }]);
    assert.throws(() => parser.push(big.subarray(0, 7)), is(ReplyCode.FRAME_ERROR));
    const ok = new FrameParser({ frameMax: 4096 });
    assert.equal(ok.push(encode([{ type: FRAME_BODY, channel: 1, payload: Buffer.alloc(4088) }])).length, 1);
    ok.frameMax = 0;
    assert.equal(ok.push(big).length, 1);
    assert.throws(() => (ok.frameMax = 100), RangeError);
  });
});

describe('FrameParser: bad input', () => {
  test('bad frame-end octet is a 501, whole or split', () => {
    const bytes = encode([{ type: FRAME_METHOD, channel: 1, payload: Buffer.alloc(10) }]);
    bytes[bytes.length - 1] = 0;
    assert.throws(() => new FrameParser().push(bytes), is(ReplyCode.FRAME_ERROR));
    const split = new FrameParser();
    split.push(bytes.subarray(0, 5));
    assert.throws(() => split.push(bytes.subarray(5)), is(ReplyCode.FRAME_ERROR));
  });

  test('unknown frame type and heartbeats with a payload are 501s, off channel 0 505 (as RabbitMQ)', () => {
    assert.throws(
      () => new FrameParser().push(Buffer.from([4, 0, 0, 0, 0, 0, 0, 0xce])),
      is(ReplyCode.FRAME_ERROR),
    );
    assert.throws(
      () => new FrameParser().push(Buffer.from([8, 0, 1, 0, 0, 0, 0, 0xce])),
      is(ReplyCode.UNEXPECTED_FRAME),
    );
    assert.throws(
      () => new FrameParser().push(Buffer.from([8, 0, 0, 0, 0, 0, 1, 9, 0xce])),
      is(ReplyCode.FRAME_ERROR),
    );
    assert.equal(new FrameParser().push(HEARTBEAT_FRAME).length, 1);
  });

  test('after a framing error the parser stays failed', () => {
    const parser = new FrameParser();
    assert.throws(() => parser.push(Buffer.from([99, 0, 0, 0, 0, 0, 0, 0xce])), FrameError);
    assert.throws(() => parser.push(HEARTBEAT_FRAME), FrameError);
  });

  test('wrong protocol headers are detected at the first differing byte', () => {
    const cases = ['GET / HTTP/1.1\r\n', 'AMQP\x00\x01\x00\x00', 'AMQP\x01\x01\x08\x00', '\x16\x03\x01'];
    for (const text of cases) {
      const parser = new FrameParser({ expectProtocolHeader: true });
      assert.throws(
        () => parser.push(Buffer.from(text, 'latin1')),
        (e: unknown) => e instanceof ProtocolHeaderError && e.reply.equals(PROTOCOL_HEADER),
      );
    }
    const slow = new FrameParser({ expectProtocolHeader: true });
    assert.deepEqual(slow.push(Buffer.from('AMQ')), []);
    assert.throws(() => slow.push(Buffer.from('X')), ProtocolHeaderError);
  });

  test('random bytes: only FrameError or ProtocolHeaderError, and it terminates', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        (header, chunks) => {
          const parser = new FrameParser({ expectProtocolHeader: header });
          try {
            for (const c of chunks) parser.push(Buffer.from(c));
          } catch (e) {
            assert.ok(e instanceof FrameError || e instanceof ProtocolHeaderError, String(e));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
