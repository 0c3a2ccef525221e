// ConfirmCoalescer: which ack frames a flush writes for acks produced in and out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfirmCoalescer } from '../../../src/transports/tcp/confirm-coalescer.js';

function recorder(): { c: ConfirmCoalescer; out: string[] } {
  const out: string[] = [];
  const c = new ConfirmCoalescer((tag, multiple) => out.push(`${tag}${multiple ? '+' : ''}`));
  return { c, out };
}

test('a contiguous burst becomes one multiple ack; a single one stays single', () => {
  const { c, out } = recorder();
  assert.equal(c.add(1), true);
  for (let t = 2; t <= 500; t++) assert.equal(c.add(t), false);
  c.flush();
  c.add(501);
  c.flush();
  assert.deepEqual(out, ['500+', '501']);
});

test('tags above a gap go out singly, and the gap filling later never re-acks them alone', () => {
  const { c, out } = recorder();
  for (const t of [1, 2, 5, 6]) c.add(t);
  c.flush();
  // 3 and 4 wait on a persist; when they are acked, the run covers 1..6 and ends at 4.
  c.add(4);
  c.add(3);
  c.flush();
  c.add(7);
  c.flush();
  assert.deepEqual(out, ['2+', '5', '6', '4+', '7']);
});

test('a nacked tag closes its gap without an ack for it', () => {
  const { c, out } = recorder();
  c.add(1);
  c.flush();
  c.confirmedElsewhere(2); // nacked on the wire
  c.add(3);
  c.add(4);
  c.flush();
  assert.deepEqual(out, ['1', '4+']);
});
