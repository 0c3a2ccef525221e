// DirectRouter and FanoutRouter share the binding store; these tests pin the direct
// exchange's routing (exact key) and RabbitMQ's binding identity (destination, key, args).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DirectRouter } from '../../src/broker/exchange/direct.js';
import { typed } from '../../src/protocol/field-value.js';

function routed<D>(r: DirectRouter<D>, key: string): Set<D> {
  const out = new Set<D>();
  r.route(key, undefined, out);
  return out;
}

describe('DirectRouter', () => {
  it('routes to destinations bound with exactly the routing key', () => {
    const r = new DirectRouter<string>();
    r.bind('q1', 'info', {});
    r.bind('q2', 'warn', {});
    r.bind('q3', 'info', {});
    assert.deepEqual(routed(r, 'info'), new Set(['q1', 'q3']));
    assert.deepEqual(routed(r, 'warn'), new Set(['q2']));
    assert.deepEqual(routed(r, 'Info'), new Set(), 'keys are case-sensitive');
    assert.deepEqual(routed(r, 'info '), new Set());
    assert.deepEqual(routed(r, 'inf'), new Set());
  });

  it('treats the empty key and wildcard characters literally', () => {
    const r = new DirectRouter<string>();
    r.bind('empty', '', {});
    r.bind('star', '*', {});
    r.bind('hash', '#', {});
    assert.deepEqual(routed(r, ''), new Set(['empty']));
    assert.deepEqual(routed(r, 'anything'), new Set());
    assert.deepEqual(routed(r, '*'), new Set(['star']));
    assert.deepEqual(routed(r, '#'), new Set(['hash']));
  });

  it('ignores headers', () => {
    const r = new DirectRouter<string>();
    r.bind('q', 'k', { a: 1 });
    const out = new Set<string>();
    r.route('k', { b: 2 }, out);
    assert.deepEqual(out, new Set(['q']));
  });

  it('refuses an identical binding and counts distinct ones', () => {
    const r = new DirectRouter<string>();
    assert.equal(r.bind('q', 'k', {}), true);
    assert.equal(r.bind('q', 'k', {}), false);
    assert.equal(r.bind('q', 'k', { a: 'x' }), true, 'different arguments make another binding');
    assert.equal(r.bind('q', 'k', { a: 'x' }), false);
    assert.equal(r.bind('q', 'k2', {}), true);
    assert.equal(r.size, 3);
    assert.deepEqual(routed(r, 'k'), new Set(['q']), 'a destination is routed once');
  });

  it('compares arguments by value and type, top-level key order ignored', () => {
    const r = new DirectRouter<string>();
    r.bind('q', 'k', { a: 1, b: 'two' });
    assert.equal(r.bind('q', 'k', { b: 'two', a: 1 }), false);
    assert.equal(r.bind('q', 'k', { a: typed('b', 1), b: 'two' }), true, 'int8 1 is not int32 1');
    assert.equal(r.unbind('q', 'k', { b: 'two', a: 1 }), true);
    assert.equal(r.unbind('q', 'k', { a: 1, b: 'two' }), false);
    assert.equal(r.size, 1);
  });

  it('unbinds only the exact binding', () => {
    const r = new DirectRouter<string>();
    r.bind('q', 'k', { foo: 1 });
    assert.equal(r.unbind('q', 'k', {}), false, 'arguments must match (RabbitMQ keeps the binding)');
    assert.equal(r.unbind('other', 'k', { foo: 1 }), false);
    assert.equal(r.unbind('q', 'k2', { foo: 1 }), false);
    assert.deepEqual(routed(r, 'k'), new Set(['q']));
    assert.equal(r.unbind('q', 'k', { foo: 1 }), true);
    assert.deepEqual(routed(r, 'k'), new Set());
    assert.equal(r.size, 0);
  });

  it('unbindAll removes every binding of one destination', () => {
    const r = new DirectRouter<string>();
    r.bind('q', 'a', {});
    r.bind('q', 'a', { x: 1 });
    r.bind('q', 'b', {});
    r.bind('p', 'a', {});
    assert.equal(r.unbindAll('q'), 3);
    assert.equal(r.unbindAll('q'), 0);
    assert.equal(r.size, 1);
    assert.deepEqual(routed(r, 'a'), new Set(['p']));
    assert.deepEqual(routed(r, 'b'), new Set());
    assert.equal(r.bind('q', 'a', {}), true, 'can bind again after unbindAll');
  });

  it('lists its bindings', () => {
    const r = new DirectRouter<{ name: string }>();
    const q = { name: 'q' };
    r.bind(q, 'a', {});
    r.bind(q, 'b', { x: 'y' });
    const list = [...r.bindings()].sort((x, y) => x.routingKey.localeCompare(y.routingKey));
    assert.deepEqual(list, [
      { destination: q, routingKey: 'a', arguments: {} },
      { destination: q, routingKey: 'b', arguments: { x: 'y' } },
    ]);
  });

  it('uses destination identity, not structure', () => {
    const r = new DirectRouter<{ name: string }>();
    const a = { name: 'q' };
    const b = { name: 'q' };
    r.bind(a, 'k', {});
    assert.equal(r.bind(b, 'k', {}), true);
    assert.equal(routed(r, 'k').size, 2);
  });
});
