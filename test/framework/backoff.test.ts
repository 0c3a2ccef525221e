// Backoff: fixed and exponential sequences, the cap, and jitter bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  backoffDelay,
  nominalDelay,
  resolveBackoff,
  type ResolvedBackoff,
} from '../../src/framework/index.js';

const exp: ResolvedBackoff = { type: 'exponential', delay: 1000, maxDelay: 10_000, jitter: 0 };

test('fixed backoff is constant', () => {
  const fixed: ResolvedBackoff = { type: 'fixed', delay: 250, maxDelay: 250, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 10].map((n) => nominalDelay(fixed, n)),
    [250, 250, 250, 250],
  );
});

test('exponential backoff doubles up to maxDelay', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 1000].map((n) => nominalDelay(exp, n)),
    [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  );
});

test('retry numbers must be integers ≥ 1', () => {
  assert.throws(() => nominalDelay(exp, 0), RangeError);
  assert.throws(() => nominalDelay(exp, 1.5), RangeError);
});

test('without jitter the random source is not consulted', () => {
  assert.equal(
    backoffDelay(exp, 2, () => assert.fail('random called')),
    2000,
  );
});

test('jitter only shortens, by at most the jitter fraction', () => {
  const jittered = { ...exp, jitter: 0.25 };
  assert.equal(
    backoffDelay(jittered, 1, () => 0),
    1000,
  );
  assert.equal(
    backoffDelay(jittered, 1, () => 0.999999),
    750,
  );
  assert.equal(
    backoffDelay(jittered, 3, () => 0.5),
    3500,
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
      const d = backoffDelay(jittered, n, () => r);
      const nominal = nominalDelay(jittered, n);
      return Number.isInteger(d) && d <= nominal && d >= Math.floor(nominal * 0.75);
    }),
  );
});

test('out-of-range random values are clamped', () => {
  const jittered = { ...exp, jitter: 1 };
  assert.equal(
    backoffDelay(jittered, 1, () => 5),
    0,
  );
  assert.equal(
    backoffDelay(jittered, 1, () => -1),
    1000,
  );
});

test('resolveBackoff fills defaults and raises the cap for a large fixed delay', () => {
  assert.deepEqual(resolveBackoff(undefined), {
    type: 'exponential',
    delay: 1000,
    maxDelay: 300_000,
    jitter: 0,
  });
  assert.deepEqual(resolveBackoff({ type: 'exponential', delay: 10 }), {
    type: 'exponential',
    delay: 10,
    maxDelay: 300_000,
    jitter: 0,
  });
  assert.equal(resolveBackoff({ type: 'fixed', delay: 900_000 }).maxDelay, 900_000);
});
