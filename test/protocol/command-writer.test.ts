import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CommandAssembler,
  CommandWriter,
  FRAME_BODY,
  FrameParser,
  HEARTBEAT_FRAME,
  createMethod,
  encodeCommand,
  type Command,
} from '../../src/protocol/index.js';
import { shortstr } from './spec-arbitraries.js';

function decodeAll(bytes: Buffer, frameMax = 0): Command[] {
  const a = new CommandAssembler();
  return new FrameParser({ frameMax }).push(bytes).flatMap((f) => a.push(f) ?? []);
}

describe('CommandWriter', () => {
  test('many commands coalesce into one Buffer', () => {
    const out = new CommandWriter({ frameMax: 4096 });
    for (let i = 0; i < 100; i++) {
      out.deliver(
        1,
        { consumerTag: 'c', deliveryTag: i + 1, redelivered: false, exchange: '', routingKey: 'q' },
        {
          properties: { deliveryMode: 2 },
          body: Buffer.from(`m${i}`),
        },
      );
    }
    out.heartbeat();
    const bytes = out.take();
    assert.equal(out.length, 0);
    assert.ok(bytes.subarray(bytes.length - 8).equals(HEARTBEAT_FRAME));
    const cmds = decodeAll(bytes, 4096);
    assert.equal(cmds.length, 100);
    assert.deepEqual(
      cmds.map((c) => c.content?.body.toString()),
      cmds.map((_, i) => `m${i}`),
    );
  });

  test('writeDeliver and the generic path produce identical bytes', () => {
    fc.assert(
      fc.property(
        shortstr,
        fc.maxSafeNat(),
        fc.boolean(),
        shortstr,
        shortstr,
        fc.uint8Array({ maxLength: 10_000 }),
        fc.integer({ min: 4096, max: 20_000 }),
        (consumerTag, deliveryTag, redelivered, exchange, routingKey, body, frameMax) => {
          const args = { consumerTag, deliveryTag, redelivered, exchange, routingKey };
          const content = { properties: { contentType: 'x', timestamp: 5 }, body };
          const fast = new CommandWriter({ frameMax }).deliver(7, args, content).take();
          const generic = new CommandWriter({ frameMax })
            .command(7, createMethod('basic.deliver', args), content)
            .take();
          assert.ok(fast.equals(generic));
        },
      ),
      { numRuns: 100 },
    );
  });

  test('bodies are split into frames of at most frameMax - 8 bytes', () => {
    const out = new CommandWriter({ frameMax: 4096 });
    out.command(1, createMethod('basic.publish', {}), { body: Buffer.alloc(3 * 4088 + 1) });
    const bodies = new FrameParser({ frameMax: 4096 })
      .push(out.take())
      .filter((f) => f.type === FRAME_BODY)
      .map((f) => f.payload.length);
    assert.deepEqual(bodies, [4088, 4088, 4088, 1]);
  });

  test('a failing command leaves earlier ones intact and nothing of itself', () => {
    const out = new CommandWriter();
    out.command(1, createMethod('tx.select', {}));
    const before = out.length;
    assert.throws(
      () =>
        out.command(1, createMethod('basic.publish', { routingKey: 'x'.repeat(300) }), {
          body: Buffer.alloc(1),
        }),
      RangeError,
    );
    assert.throws(() => out.command(1, createMethod('basic.publish', {})), TypeError, 'content required');
    assert.throws(() => out.command(1, createMethod('tx.select', {}), { body: Buffer.alloc(1) }), TypeError);
    assert.throws(
      () =>
        out.deliver(
          1,
          { consumerTag: 'é'.repeat(200), deliveryTag: 1, redelivered: false, exchange: '', routingKey: '' },
          { body: Buffer.alloc(1) },
        ),
      RangeError,
    );
    assert.equal(out.length, before);
    assert.equal(decodeAll(out.take()).length, 1);
  });

  test('encodeCommand returns standalone buffers that stay valid', () => {
    const a = encodeCommand(1, createMethod('basic.ack', { deliveryTag: 1 }));
    const copy = Buffer.from(a);
    for (let i = 0; i < 10_000; i++) encodeCommand(1, createMethod('basic.ack', { deliveryTag: i }));
    assert.ok(a.equals(copy));
  });
});
