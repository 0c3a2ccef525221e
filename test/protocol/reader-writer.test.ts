import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameError, Reader, ReplyCode, Writer } from '../../src/protocol/index.js';

describe('Writer', () => {
  test('take() returns views that later writes never overwrite', () => {
    const w = new Writer(16);
    w.u32(0x01020304);
    const first = w.take();
    for (let i = 0; i < 100; i++) w.u32(0xffffffff);
    const second = w.take();
    assert.deepEqual([...first], [1, 2, 3, 4]);
    assert.equal(second.length, 400);
    assert.equal(w.length, 0);
  });

  test('growth keeps pending bytes and marks valid', () => {
    const w = new Writer(8);
    w.u8(9);
    w.take();
    const mark = w.mark();
    w.u32(0);
    w.bytes(Buffer.alloc(100, 7));
    w.patchU32(mark, 100);
    const out = w.take();
    assert.equal(out.readUInt32BE(0), 100);
    assert.equal(out.length, 104);
  });

  test('a slab grown for a huge write is released at the next take', () => {
    const w = new Writer();
    w.bytes(Buffer.alloc(5_000_000, 1));
    const big = w.take();
    assert.equal(big.length, 5_000_000);
    assert.ok(w.buf.length <= 64 * 1024);
    w.u8(7);
    assert.deepEqual([...w.take()], [7]);
    assert.equal(big[4_999_999], 1);
  });

  test('rollback undoes a partial write', () => {
    const w = new Writer();
    w.u8(1);
    const mark = w.mark();
    w.shortstr('abc');
    w.rollback(mark);
    assert.deepEqual([...w.take()], [1]);
  });

  test('numeric writes reject out-of-range and non-numbers', () => {
    const w = new Writer();
    assert.throws(() => w.u8(256), RangeError);
    assert.throws(() => w.u8(-1), RangeError);
    assert.throws(() => w.u8(1.5), RangeError);
    assert.throws(() => w.u16(0x10000), RangeError);
    assert.throws(() => w.u32(2 ** 32), RangeError);
    assert.throws(() => w.u32(NaN), RangeError);
    assert.throws(() => w.u64(-1), RangeError);
    assert.throws(() => w.u64(2 ** 64), RangeError);
    assert.throws(() => w.u64(1n << 64n), RangeError);
    assert.throws(() => w.i64(2 ** 60), RangeError);
    assert.throws(() => w.u16(undefined as unknown as number), TypeError);
    assert.throws(() => w.shortstr(5 as unknown as string), TypeError);
    assert.equal(w.length, 0);
  });

  test('shortstr enforces 255 bytes, counting UTF-8 bytes', () => {
    const w = new Writer();
    w.shortstr('a'.repeat(255));
    assert.throws(() => w.shortstr('a'.repeat(256)), RangeError);
    assert.throws(() => w.shortstr('é'.repeat(128)), RangeError); // 256 bytes, 128 chars
    w.shortstr('é'.repeat(127));
    const out = w.take();
    assert.equal(out[0], 255);
    assert.equal(out[256], 254);
  });

  test('u64 writes any integer below 2^64 exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        const w = new Writer();
        w.u64(v);
        assert.equal(w.take().readBigUInt64BE(0), v);
      }),
    );
  });
});

describe('Reader', () => {
  test('reads what the writer wrote', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: -0x8000, max: 0x7fff }),
        fc.integer({ min: 0, max: 0xffff_ffff >>> 0 }),
        fc.integer(),
        fc.maxSafeNat(),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.uint8Array({ maxLength: 50 }),
        (a, b, c, d, e, s, bytes) => {
          const w = new Writer(4);
          w.u8(a);
          w.i16(b);
          w.u32(c >>> 0);
          w.i32(d);
          w.u64(e);
          w.shortstr(s);
          w.longstr(bytes);
          w.longstr(s);
          const r = new Reader(w.take());
          assert.equal(r.u8(), a);
          assert.equal(r.i16(), b);
          assert.equal(r.u32(), c >>> 0);
          assert.equal(r.i32(), d);
          assert.equal(r.u64(), e);
          assert.equal(r.shortstr(), s);
          assert.deepEqual(r.longstr(), Buffer.from(bytes));
          assert.equal(r.longstr().toString('utf8'), s);
          r.expectEnd('test');
        },
      ),
    );
  });

  test('every read past the end is a 502 naming the method', () => {
    const r = new Reader(Buffer.from([1, 2, 3]));
    r.method = { classId: 60, methodId: 40 };
    r.u8();
    for (const read of [() => r.u16(), () => r.u32(), () => r.u64(), () => r.shortstr(), () => r.longstr()]) {
      r.pos = 1;
      r.end = 2;
      assert.throws(read, (e: unknown) => {
        assert.ok(e instanceof FrameError);
        assert.equal(e.replyCode, ReplyCode.SYNTAX_ERROR);
        assert.equal(e.classId, 60);
        assert.equal(e.methodId, 40);
        return true;
      });
    }
  });

  test('strings whose length runs past the window are rejected', () => {
    assert.throws(
      () => new Reader(Buffer.from([5, 97, 98])).shortstr(),
      (e: unknown) => e instanceof FrameError && e.replyCode === ReplyCode.SYNTAX_ERROR,
    );
    assert.throws(
      () => new Reader(Buffer.from([0, 0, 0, 9, 97])).longstr(),
      (e: unknown) => e instanceof FrameError && e.replyCode === ReplyCode.SYNTAX_ERROR,
    );
  });

  test('64-bit reads: exact variants switch to bigint beyond 2^53', () => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64BE((1n << 63n) + 5n, 0);
    b.writeBigInt64BE(-(1n << 62n), 8);
    const r = new Reader(b);
    assert.equal(r.u64Exact(), (1n << 63n) + 5n);
    assert.equal(r.i64Exact(), -(1n << 62n));
    r.pos = 0;
    assert.equal(r.u64(), 2 ** 63);
  });
});
