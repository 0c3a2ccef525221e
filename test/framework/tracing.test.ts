// W3C traceparent parsing, formatting and child spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  childTrace,
  createSpanId,
  createTraceId,
  formatTraceparent,
  parseTraceparent,
} from '../../src/framework/index.js';

const SAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('parses and formats a valid traceparent', () => {
  const ctx = parseTraceparent(SAMPLE);
  assert.deepEqual(ctx, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    flags: 1,
  });
  assert.equal(formatTraceparent(ctx), SAMPLE);
  assert.equal(parseTraceparent(` ${SAMPLE} `)?.spanId, '00f067aa0ba902b7');
});

test('rejects invalid values', () => {
  for (const bad of [
    undefined,
    42,
    '',
    SAMPLE.toUpperCase(),
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    `${SAMPLE}-extra`,
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01',
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
});

test('accepts future versions with extra fields, reading the first four', () => {
  const ctx = parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-whatever');
  assert.deepEqual(ctx, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    flags: 0,
  });
  assert.equal(formatTraceparent(ctx).slice(0, 3), '00-');
});

test('ids are random, well-formed and never all zero', () => {
  assert.match(createSpanId(), /^[0-9a-f]{16}$/);
  assert.match(createTraceId(), /^[0-9a-f]{32}$/);
  assert.notEqual(createSpanId(), createSpanId());
  let calls = 0;
  const zeroThenOnes = (n: number): Buffer => Buffer.alloc(n, calls++ === 0 ? 0 : 1);
  assert.equal(createSpanId(zeroThenOnes), '0101010101010101');
  assert.throws(() => createSpanId((n) => Buffer.alloc(n)), /only zero/);
});

test('child spans keep the trace id and flags; no parent starts a sampled root', () => {
  const parent = parseTraceparent(SAMPLE)!;
  const child = childTrace(parent);
  assert.equal(child.traceId, parent.traceId);
  assert.equal(child.flags, parent.flags);
  assert.notEqual(child.spanId, parent.spanId);
  const root = childTrace(undefined);
  assert.equal(root.flags, 1);
  assert.ok(parseTraceparent(formatTraceparent(root)));
});
