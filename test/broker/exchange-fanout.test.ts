// FanoutRouter: every bound destination gets every message, once; keys and arguments only
// identify bindings (as in RabbitMQ), they do not filter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FanoutRouter } from '../../src/broker/exchange/fanout.js';

function routed<D>(r: FanoutRouter<D>, key: string): Set<D> {
  const out = new Set<D>();
  r.route(key, { h: 'v' }, out);
  return out;
}

describe('FanoutRouter', () => {
  it('routes every message to every bound destination whatever the key', () => {
    const r = new FanoutRouter<string>();
    assert.deepEqual(routed(r, 'x'), new Set());
    r.bind('q1', '', {});
    r.bind('q2', 'ignored', {});
    for (const key of ['', 'x', 'a.b.c', 'ignored']) assert.deepEqual(routed(r, key), new Set(['q1', 'q2']));
  });

  it('routes a destination once however many bindings it has', () => {
    const r = new FanoutRouter<string>();
    r.bind('q', 'a', {});
    r.bind('q', 'b', {});
    r.bind('q', 'a', { x: 1 });
    assert.equal(r.size, 3);
    assert.deepEqual(routed(r, 'z'), new Set(['q']));
  });

  it('keeps a destination bound until its last binding goes', () => {
    const r = new FanoutRouter<string>();
    r.bind('q', 'a', {});
    r.bind('q', 'b', {});
    assert.equal(r.bind('q', 'a', {}), false);
    assert.equal(r.unbind('q', 'a', {}), true);
    assert.deepEqual(routed(r, 'z'), new Set(['q']));
    assert.equal(r.unbind('q', 'a', {}), false);
    assert.equal(r.unbind('q', 'b', { x: 1 }), false, 'arguments identify the binding');
    assert.equal(r.unbind('q', 'b', {}), true);
    assert.deepEqual(routed(r, 'z'), new Set());
    assert.equal(r.size, 0);
  });

  it('adds to an existing output set without removing anything', () => {
    const r = new FanoutRouter<string>();
    r.bind('q', '', {});
    const out = new Set(['earlier']);
    r.route('', undefined, out);
    assert.deepEqual(out, new Set(['earlier', 'q']));
  });

  it('unbindAll and bindings()', () => {
    const r = new FanoutRouter<string>();
    r.bind('q', 'a', {});
    r.bind('q', 'b', {});
    r.bind('p', 'a', {});
    assert.equal(r.unbindAll('q'), 2);
    assert.deepEqual([...r.bindings()], [{ destination: 'p', routingKey: 'a', arguments: {} }]);
    assert.deepEqual(routed(r, ''), new Set(['p']));
  });
});
