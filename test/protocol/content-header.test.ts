import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  BASIC_PROPERTY_FLAGS,
  CONTENT_HEADER_PREFIX,
  FrameError,
  FrameParser,
  ReplyCode,
  Writer,
  decodeContentHeader,
  writeContentHeaderFrame,
  type BasicProperties,
} from '../../src/protocol/index.js';
import { SPEC_BASIC_PROPERTIES, fieldArbitrary } from './spec-arbitraries.js';

const propertiesArbitrary = fc.record(
  Object.fromEntries(SPEC_BASIC_PROPERTIES.map((p) => [p.name, fieldArbitrary(p.type)])),
  { requiredKeys: [], noNullPrototype: true },
) as fc.Arbitrary<BasicProperties>;

function headerPayload(properties: BasicProperties | Uint8Array, bodySize = 0): Buffer {
  const w = new Writer();
  writeContentHeaderFrame(w, 1, 60, bodySize, properties, 0);
  const [frame] = new FrameParser({ frameMax: 0 }).push(w.take());
  return frame!.payload;
}

const is = (code: number) => (e: unknown) => e instanceof FrameError && e.replyCode === code;

describe('content header', () => {
  test('the spec and BasicProperties agree on the 14 properties, in order', () => {
    assert.deepEqual(
      SPEC_BASIC_PROPERTIES.map((p) => p.name),
      Object.keys(BASIC_PROPERTY_FLAGS),
    );
    assert.equal(SPEC_BASIC_PROPERTIES.length, 14);
  });

  test('random property subsets round-trip (values, flags and bytes)', () => {
    fc.assert(
      fc.property(propertiesArbitrary, fc.maxSafeNat(), (properties, bodySize) => {
        const payload = headerPayload(properties, bodySize);
        const header = decodeContentHeader(payload);
        assert.equal(header.classId, 60);
        assert.equal(header.bodySize, bodySize);
        assert.deepStrictEqual(header.properties, properties);
        let flags = 0;
        for (const name of Object.keys(properties))
          flags |= BASIC_PROPERTY_FLAGS[name as keyof BasicProperties];
        assert.equal(payload.readUInt16BE(CONTENT_HEADER_PREFIX), flags);
        assert.ok(headerPayload(header.properties, bodySize).equals(payload));
        assert.ok(
          headerPayload(header.rawProperties, bodySize).equals(payload),
          'raw properties pass through',
        );
      }),
      { numRuns: 300 },
    );
  });

  test('undefined and null properties are absent', () => {
    const payload = headerPayload({
      contentType: undefined,
      priority: null as unknown as number,
      appId: 'a',
    });
    assert.deepStrictEqual(decodeContentHeader(payload).properties, { appId: 'a' });
  });

  test('shortstr properties over 255 bytes are rejected on encode', () => {
    assert.throws(() => headerPayload({ messageId: 'x'.repeat(256) }), RangeError);
  });

  test('unused flag bits (including continuation) are a 502', () => {
    for (const bit of [0x0001, 0x0002]) {
      const payload = Buffer.from(headerPayload({}));
      payload.writeUInt16BE(bit, CONTENT_HEADER_PREFIX);
      assert.throws(() => decodeContentHeader(payload), is(ReplyCode.SYNTAX_ERROR));
    }
  });

  test('properties announced but missing, or trailing bytes, are a 502', () => {
    const payload = headerPayload({ contentType: 'text/plain', headers: { a: 1 } });
    for (let cut = CONTENT_HEADER_PREFIX + 2; cut < payload.length; cut++) {
      assert.throws(() => decodeContentHeader(payload.subarray(0, cut)), is(ReplyCode.SYNTAX_ERROR));
    }
    const longer = Buffer.concat([payload, Buffer.from([1])]);
    assert.throws(() => decodeContentHeader(longer), is(ReplyCode.SYNTAX_ERROR));
  });

  test('a payload shorter than class/weight/size/flags is a 501', () => {
    for (let n = 0; n < CONTENT_HEADER_PREFIX + 2; n++) {
      assert.throws(() => decodeContentHeader(Buffer.alloc(n)), is(ReplyCode.FRAME_ERROR));
    }
  });
});
