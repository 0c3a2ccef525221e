import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  FRAME_METHOD,
  FrameParser,
  METHODS,
  Writer,
  createMethod,
  decodeMethodPayload,
  lookupMethod,
  writeMethodFrame,
  type Method,
} from '../../src/protocol/index.js';
import { SPEC_METHODS, methodArbitrary } from './spec-arbitraries.js';

const RUNS = { numRuns: 40 };

function encodeFrame(channel: number, m: Method): Buffer {
  const w = new Writer(64);
  writeMethodFrame(w, channel, m, 0);
  return w.take();
}

describe('every spec method round-trips (enumerated from the spec JSON)', () => {
  for (const spec of SPEC_METHODS) {
    test(`${spec.fullName} (${spec.classId}/${spec.methodId})`, () => {
      const d = lookupMethod(spec.classId, spec.methodId);
      assert.ok(d, `no codec for ${spec.fullName}`);
      assert.equal(d.name, spec.fullName);
      fc.assert(
        fc.property(methodArbitrary(spec), fc.integer({ min: 0, max: 0xffff }), (value, channel) => {
          const m = value as unknown as Method;
          const bytes = encodeFrame(channel, m);
          const [frame, ...rest] = new FrameParser({ frameMax: 0 }).push(bytes);
          assert.equal(rest.length, 0);
          assert.equal(frame!.type, FRAME_METHOD);
          assert.equal(frame!.channel, channel);
          const decoded = decodeMethodPayload(frame!.payload);
          assert.deepStrictEqual(decoded, m);
          assert.deepStrictEqual(Object.keys(decoded), ['name', ...spec.fields.map((f) => f.name)]);
          assert.ok(encodeFrame(channel, decoded).equals(bytes), 're-encoding is byte-identical');
        }),
        RUNS,
      );
    });
  }
});

describe('method helpers', () => {
  test('createMethod fills spec defaults', () => {
    const q = createMethod('queue.declare', {});
    assert.deepStrictEqual(q, {
      name: 'queue.declare',
      ticket: 0,
      queue: '',
      passive: false,
      durable: false,
      exclusive: false,
      autoDelete: false,
      nowait: false,
      arguments: {},
    });
    assert.notEqual(createMethod('queue.declare', {}).arguments, q.arguments, 'fresh table per call');
    const start = createMethod('connection.start', { serverProperties: { product: 'warren' } });
    assert.equal(start.versionMinor, 9);
    assert.deepEqual(start.mechanisms, Buffer.from('PLAIN'));
    assert.deepEqual(start.locales, Buffer.from('en_US'));
    const reject = createMethod('basic.reject', { deliveryTag: 5 });
    assert.equal(reject.requeue, true);
  });

  test('METHODS and lookupMethod agree', () => {
    for (const spec of SPEC_METHODS) {
      const byName = METHODS[spec.fullName as Method['name']];
      assert.equal(byName, lookupMethod(spec.classId, spec.methodId));
    }
    assert.equal(lookupMethod(60, 41), undefined);
    assert.equal(lookupMethod(9999, 1), undefined);
  });

  test('bits pack least-significant first into one octet', () => {
    const m = createMethod('queue.declare', { queue: 'q', durable: true, autoDelete: true });
    const bytes = encodeFrame(1, m);
    // frame header (7) + ids (4) + ticket (2) + shortstr 'q' (2) → bits octet at 15
    assert.equal(bytes[15], 0b01010);
  });

  test('encoding errors name the method and leave no partial frame', () => {
    const w = new Writer();
    assert.throws(
      () => writeMethodFrame(w, 1, createMethod('basic.consume-ok', { consumerTag: 'x'.repeat(256) }), 0),
      (e: unknown) => e instanceof RangeError && e.message.startsWith('basic.consume-ok:'),
    );
    assert.throws(
      () => writeMethodFrame(w, 1, createMethod('basic.qos', { prefetchCount: 70000 }), 0),
      (e: unknown) => e instanceof RangeError && e.message.includes('basic.qos'),
    );
    assert.throws(() => writeMethodFrame(w, 1, { name: 'nope.nope' } as unknown as Method, 0), TypeError);
    assert.throws(
      () =>
        writeMethodFrame(
          w,
          1,
          createMethod('connection.start', { serverProperties: { big: 'x'.repeat(5000) } }),
          4096,
        ),
      (e: unknown) => e instanceof RangeError && /exceeds frame-max/.test(e.message),
    );
    assert.equal(w.length, 0);
  });
});
