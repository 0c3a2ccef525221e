/**
 * Byte-for-byte agreement with amqplib 2.3.1, in both directions, for every method of the
 * spec JSON, for content headers and for body/heartbeat frames.
 *
 * Documented normalisations (amqplib's value conventions, not differences on the wire):
 * - Field tables are generated as typed trees and given to each encoder in its own idiom
 *   (our `typed(tag, v)`, amqplib's `{'!': type, value}`), because the two infer tags for
 *   bare numbers differently (we pick I/l, amqplib the smallest of b/s/I/l).
 * - amqplib decodes T as `{'!':'timestamp', value}` and D as `{'!':'decimal', value:
 *   {places, digits}}` where we give Date and Decimal; l as a (lossy) number, so int64 values
 *   are kept within ±2^53; it has no 'L' tag. Expected values are derived from the same tree.
 * - amqplib decodes absent basic properties as keys holding undefined; those keys are dropped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  Writer,
  decodeContentHeader,
  decodeMethodPayload,
  writeBodyFrames,
  writeContentHeaderFrame,
  writeMethodFrame,
  type Method,
} from '../../src/protocol/index.js';
import { amqpFrame, amqplibFrames, defs } from './amqplib-codec.js';
import {
  SPEC_BASIC_PROPERTIES,
  SPEC_METHODS,
  amqplibDecoded,
  fieldArbitrary,
  plainOfTree,
  toAmqplib,
  toTypedTable,
  typedTableArbitrary,
  type SpecField,
  type TypedTree,
} from './spec-arbitraries.js';

const RUNS = { numRuns: 30 };
const tables = typedTableArbitrary({ amqplib: true });

type Entries = [string, TypedTree][];

/** The same generated value in the four shapes the comparison needs. */
function views(fields: SpecField[], value: Record<string, unknown>) {
  const ours: Record<string, unknown> = {};
  const theirs: Record<string, unknown> = {};
  const oursDecoded: Record<string, unknown> = {};
  const theirsDecoded: Record<string, unknown> = {};
  for (const f of fields) {
    const v = value[f.name];
    if (f.type === 'table') {
      const entries = v as Entries;
      ours[f.name] = toTypedTable(entries);
      theirs[f.name] = Object.fromEntries(entries.map(([k, t]) => [k, toAmqplib(t)]));
      oursDecoded[f.name] = plainOfTree(entries);
      theirsDecoded[f.name] = Object.fromEntries(entries.map(([k, t]) => [k, amqplibDecoded(t)]));
    } else {
      ours[f.name] = theirs[f.name] = oursDecoded[f.name] = theirsDecoded[f.name] = v;
    }
  }
  return { ours, theirs, oursDecoded, theirsDecoded };
}

function ourFrames(bytes: Buffer) {
  return new FrameParser({ frameMax: 0 }).push(bytes);
}

describe('amqplib agreement: every spec method', () => {
  for (const spec of SPEC_METHODS) {
    test(spec.fullName, () => {
      const key = (spec.classId << 16) | spec.methodId;
      const args = fc.record(
        Object.fromEntries(spec.fields.map((f) => [f.name, fieldArbitrary(f.type, tables)])),
      );
      fc.assert(
        fc.property(args, fc.integer({ min: 0, max: 0xffff }), (value, channel) => {
          const v = views(spec.fields, value);
          const w = new Writer();
          writeMethodFrame(w, channel, { name: spec.fullName, ...v.ours } as unknown as Method, 0);
          const oursBytes = w.take();
          const theirsBytes = defs.encodeMethod(key, channel, v.theirs);
          assert.deepEqual(oursBytes, theirsBytes, 'same bytes');

          const [frame] = ourFrames(theirsBytes);
          assert.equal(frame!.channel, channel);
          assert.deepStrictEqual(decodeMethodPayload(frame!.payload), {
            name: spec.fullName,
            ...v.oursDecoded,
          });

          const [decoded] = amqplibFrames(oursBytes);
          assert.equal(decoded!.id, key);
          assert.equal(decoded!.channel, channel);
          assert.deepStrictEqual(decoded!.fields, v.theirsDecoded);
        }),
        RUNS,
      );
    });
  }
});

describe('amqplib agreement: content', () => {
  const propertyArbitrary = fc.record(
    Object.fromEntries(SPEC_BASIC_PROPERTIES.map((p) => [p.name, fieldArbitrary(p.type, tables)])),
    { requiredKeys: [], noNullPrototype: true },
  );

  test('content headers with random property subsets', () => {
    fc.assert(
      fc.property(
        propertyArbitrary,
        fc.maxSafeNat(),
        fc.integer({ min: 0, max: 0xffff }),
        (props, size, channel) => {
          const present = SPEC_BASIC_PROPERTIES.filter((p) => p.name in props);
          const v = views(present, props);
          const w = new Writer();
          writeContentHeaderFrame(w, channel, 60, size, v.ours, 0);
          const oursBytes = w.take();
          const theirsBytes = defs.encodeProperties(60, channel, size, v.theirs);
          assert.deepEqual(oursBytes, theirsBytes, 'same bytes');

          const [frame] = ourFrames(theirsBytes);
          const header = decodeContentHeader(frame!.payload);
          assert.equal(header.classId, 60);
          assert.equal(header.bodySize, size);
          assert.deepStrictEqual(header.properties, v.oursDecoded);

          const [decoded] = amqplibFrames(oursBytes);
          assert.equal(decoded!.size, size);
          const fields = Object.fromEntries(
            Object.entries(decoded!.fields ?? {}).filter(([, x]) => x !== undefined),
          );
          assert.deepStrictEqual(fields, v.theirsDecoded);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('body frames, split by frame-max', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.integer({ min: 4096, max: 9000 }),
        fc.integer({ min: 0, max: 0xffff }),
        (body, frameMax, channel) => {
          const w = new Writer();
          writeBodyFrames(w, channel, body, frameMax);
          const ours = w.take();
          const step = frameMax - 8;
          const theirs: Buffer[] = [];
          for (let off = 0; off < body.length; off += step) {
            theirs.push(amqpFrame.makeBodyFrame(channel, Buffer.from(body.subarray(off, off + step))));
          }
          assert.deepEqual(ours, Buffer.concat(theirs));
          const contents = amqplibFrames(ours).map((f) => f.content!);
          assert.deepEqual(Buffer.concat(contents), Buffer.from(body));
        },
      ),
      { numRuns: 50 },
    );
  });

  test('heartbeat frame and protocol header', () => {
    assert.deepEqual(HEARTBEAT_FRAME, amqpFrame.HEARTBEAT_BUF);
    assert.deepEqual(PROTOCOL_HEADER, Buffer.from(amqpFrame.PROTOCOL_HEADER, 'latin1'));
  });
});
