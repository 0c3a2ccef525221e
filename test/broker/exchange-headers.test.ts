// HeadersRouter: x-match modes, x- argument handling, typed value comparison as RabbitMQ 4.x
// does it (=:= on untyped values; timestamps in ms on the header side), and the 406 texts
// for a bad x-match (the texts RabbitMQ sends, checked against a real broker).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeadersRouter, validateHeadersBinding } from '../../src/broker/exchange/headers.js';
import { ChannelError, ReplyCode } from '../../src/protocol/errors.js';
import { Decimal, WIRE_TYPES, typed } from '../../src/protocol/field-value.js';
import type { FieldTable } from '../../src/protocol/field-value.js';

function matches(args: FieldTable, headers: FieldTable | undefined): boolean {
  const r = new HeadersRouter<string>();
  r.bind('q', '', args);
  const out = new Set<string>();
  r.route('ignored', headers, out);
  return out.has('q');
}

function rejects(args: FieldTable, text: string): void {
  assert.throws(
    () => new HeadersRouter<string>().bind('q', '', args),
    (e: unknown) =>
      e instanceof ChannelError &&
      e.replyCode === ReplyCode.PRECONDITION_FAILED &&
      e.replyText === `PRECONDITION_FAILED - ${text}`,
  );
}

describe('HeadersRouter x-match', () => {
  it('defaults to all', () => {
    assert.ok(matches({ a: 1, b: 'x' }, { a: 1, b: 'x', c: true }));
    assert.ok(!matches({ a: 1, b: 'x' }, { a: 1 }));
    assert.ok(!matches({ a: 1, b: 'x' }, { a: 1, b: 'y' }));
  });

  it('all needs every argument, any needs one', () => {
    assert.ok(matches({ 'x-match': 'all', a: 1, b: 2 }, { a: 1, b: 2 }));
    assert.ok(!matches({ 'x-match': 'all', a: 1, b: 2 }, { a: 1, b: 3 }));
    assert.ok(matches({ 'x-match': 'any', a: 1, b: 2 }, { a: 1, b: 3 }));
    assert.ok(matches({ 'x-match': 'any', a: 1, b: 2 }, { b: 2 }));
    assert.ok(!matches({ 'x-match': 'any', a: 1, b: 2 }, { a: 2, b: 1 }));
  });

  it('with no arguments: all matches every message (even without headers), any none', () => {
    assert.ok(matches({}, undefined));
    assert.ok(matches({ 'x-match': 'all' }, { z: 1 }));
    assert.ok(!matches({ 'x-match': 'any' }, { z: 1 }));
    assert.ok(!matches({ 'x-match': 'any', a: 1 }, undefined));
    assert.ok(!matches({ a: 1 }, undefined));
  });

  it('all / any ignore x- arguments', () => {
    assert.ok(matches({ 'x-match': 'all', 'x-foo': 'bar', a: 1 }, { a: 1 }));
    assert.ok(!matches({ 'x-match': 'any', 'x-foo': 'bar' }, { 'x-foo': 'bar' }));
    assert.ok(matches({ 'x-match': 'all', 'x-foo': 'bar' }, {}));
    assert.ok(!matches({ 'x-match': 'any', 'x-foo': 'bar', a: 1 }, { 'x-foo': 'bar' }));
  });

  it('all-with-x / any-with-x check x- arguments too (but not x-match)', () => {
    assert.ok(matches({ 'x-match': 'any-with-x', 'x-foo': 'bar' }, { 'x-foo': 'bar' }));
    assert.ok(!matches({ 'x-match': 'any-with-x', 'x-foo': 'bar' }, { 'x-foo': 'baz' }));
    assert.ok(matches({ 'x-match': 'all-with-x', 'x-foo': 'bar', a: 1 }, { 'x-foo': 'bar', a: 1 }));
    assert.ok(!matches({ 'x-match': 'all-with-x', 'x-foo': 'bar', a: 1 }, { a: 1 }));
    assert.ok(matches({ 'x-match': 'all-with-x' }, {}), 'x-match itself is never matched');
    assert.ok(!matches({ 'x-match': 'any-with-x' }, { 'x-match': 'any-with-x' }));
  });

  it('ignores the routing key and x- keys are case-sensitive', () => {
    assert.ok(matches({ 'X-foo': 'bar' }, { 'X-foo': 'bar' }));
    assert.ok(!matches({ 'X-foo': 'bar' }, {}));
  });
});

describe('HeadersRouter value comparison', () => {
  it('compares integers by value across widths (int8 1 = int32 1 = uint64 1)', () => {
    assert.ok(matches({ a: typed('b', 1) }, { a: typed('I', 1) }));
    assert.ok(matches({ a: typed('u', 7) }, { a: typed('l', 7n) }));
    assert.ok(matches({ a: 2n ** 62n }, { a: typed('L', 2n ** 62n) }));
    assert.ok(!matches({ a: 2n ** 62n }, { a: typed('L', 2n ** 62n + 1n) }));
  });

  it('reads wire types recorded by the decoder on the headers table', () => {
    const headers: FieldTable = { a: 1 };
    Object.defineProperty(headers, WIRE_TYPES, { value: { a: 'd' }, enumerable: false });
    assert.ok(!matches({ a: 1 }, headers), 'a decoded double 1.0 is not the integer 1');
    assert.ok(matches({ a: typed('d', 1) }, headers));
  });

  it('never matches an integer with a float, a string or a boolean', () => {
    assert.ok(!matches({ a: 1 }, { a: typed('d', 1) }));
    assert.ok(!matches({ a: typed('f', 2) }, { a: 2 }));
    assert.ok(!matches({ a: 1 }, { a: '1' }));
    assert.ok(!matches({ a: 1 }, { a: true }));
    assert.ok(!matches({ a: true }, { a: 'true' }));
  });

  it('compares floats by value whatever their width', () => {
    assert.ok(matches({ a: typed('f', 1.5) }, { a: 1.5 }));
    assert.ok(!matches({ a: typed('f', 0.1) }, { a: 0.1 }), 'float32(0.1) is not 0.1');
  });

  it('matches strings and byte arrays with the same bytes', () => {
    assert.ok(matches({ a: 'ab' }, { a: Buffer.from('ab') }));
    assert.ok(matches({ a: Buffer.from('é') }, { a: 'é' }));
    assert.ok(!matches({ a: 'ab' }, { a: Buffer.from('abc') }));
  });

  it('compares decimals by scale and digits', () => {
    assert.ok(matches({ a: new Decimal(1, 10) }, { a: new Decimal(1, 10) }));
    assert.ok(!matches({ a: new Decimal(1, 10) }, { a: new Decimal(0, 1) }));
  });

  it('sees a timestamp header in milliseconds and a timestamp argument in seconds (4.x)', () => {
    assert.ok(matches({ a: 5000 }, { a: typed('T', 5) }));
    assert.ok(matches({ a: 5000 }, { a: new Date(5000) }));
    assert.ok(!matches({ a: 5 }, { a: typed('T', 5) }));
    assert.ok(matches({ a: typed('T', 5) }, { a: 5 }));
    assert.ok(!matches({ a: typed('T', 5) }, { a: typed('T', 5) }));
    assert.ok(matches({ a: typed('T', 0) }, { a: typed('T', 0) }));
  });

  it('treats a void argument as "header present"', () => {
    assert.ok(matches({ a: null }, { a: 'anything' }));
    assert.ok(matches({ a: null }, { a: null }));
    assert.ok(!matches({ a: null }, { b: 1 }));
    assert.ok(!matches({ a: 'x' }, { a: null }), 'a void header does not equal a value');
    assert.ok(matches({ 'x-match': 'any', a: null, b: 1 }, { a: 0 }));
  });

  it('compares arrays and tables exactly, element types and table order included', () => {
    assert.ok(matches({ a: [1, 'x'] }, { a: [1, 'x'] }));
    assert.ok(!matches({ a: [typed('b', 1)] }, { a: [typed('I', 1)] }));
    assert.ok(!matches({ a: [typed('T', 5)] }, { a: [5000] }), 'no ms conversion inside arrays');
    assert.ok(matches({ a: { b: 1, c: 'x' } }, { a: { b: 1, c: 'x' } }));
    assert.ok(!matches({ a: { b: 1, c: 'x' } }, { a: { c: 'x', b: 1 } }));
    assert.ok(matches({ a: [] }, { a: {} }), 'both are the empty Erlang list');
    assert.ok(!matches({ a: [] }, { a: [null] }));
  });
});

describe('HeadersRouter x-match validation', () => {
  it('refuses unknown values with RabbitMQ text', () => {
    rejects(
      { 'x-match': 'bogus' },
      'Invalid x-match field value <<"bogus">>; expected all, any, all-with-x, or any-with-x',
    );
    rejects(
      { 'x-match': 'ALL' },
      'Invalid x-match field value <<"ALL">>; expected all, any, all-with-x, or any-with-x',
    );
    rejects(
      { 'x-match': '' },
      'Invalid x-match field value <<>>; expected all, any, all-with-x, or any-with-x',
    );
  });

  it('refuses non-string x-match with the type in the text', () => {
    rejects({ 'x-match': typed('b', 1) }, 'Invalid x-match field type byte (value 1); expected longstr');
    rejects(
      { 'x-match': Buffer.from('any') },
      'Invalid x-match field type binary (value <<"any">>); expected longstr',
    );
    rejects(
      { 'x-match': { a: typed('b', 1) } },
      'Invalid x-match field type table (value [{<<"a">>,byte,1}]); expected longstr',
    );
    rejects(
      { 'x-match': [1, 'a'] },
      'Invalid x-match field type array (value [{signedint,1},{longstr,<<"a">>}]); expected longstr',
    );
    rejects({ 'x-match': true }, 'Invalid x-match field type bool (value true); expected longstr');
    rejects(
      { 'x-match': Buffer.from([1, 2]) },
      'Invalid x-match field type binary (value <<1,2>>); expected longstr',
    );
    rejects(
      { 'x-match': 'é' },
      'Invalid x-match field value <<"é">>; expected all, any, all-with-x, or any-with-x',
    );
    rejects({ 'x-match': 1.5 }, 'Invalid x-match field type double (value 1.5); expected longstr');
  });

  it('returns the mode and accepts a missing x-match', () => {
    assert.equal(validateHeadersBinding({}), 'all');
    assert.equal(validateHeadersBinding({ 'x-match': 'any-with-x' }), 'any-with-x');
    assert.equal(validateHeadersBinding({ 'x-match': typed('S', 'any') }), 'any');
  });

  it('stores nothing when a bind is refused', () => {
    const r = new HeadersRouter<string>();
    assert.throws(() => r.bind('q', '', { 'x-match': 'nope' }));
    assert.equal(r.size, 0);
  });
});

describe('HeadersRouter bindings', () => {
  it('identifies bindings by destination, routing key and typed arguments', () => {
    const r = new HeadersRouter<string>();
    assert.equal(r.bind('q', '', { 'x-match': 'any', a: 1 }), true);
    assert.equal(r.bind('q', '', { a: 1, 'x-match': 'any' }), false);
    assert.equal(r.bind('q', 'other-key', { 'x-match': 'any', a: 1 }), true);
    assert.equal(r.bind('q', '', { 'x-match': 'any', a: typed('b', 1) }), true);
    assert.equal(r.size, 3);
    const out = new Set<string>();
    r.route('', { a: 1 }, out);
    assert.deepEqual(out, new Set(['q']));
  });

  it('unbind and unbindAll stop routing', () => {
    const r = new HeadersRouter<string>();
    r.bind('q', '', { a: 1 });
    r.bind('p', '', { 'x-match': 'any', a: 1, b: 2 });
    r.bind('p', '', { c: 3 });
    const route = (h: FieldTable) => {
      const out = new Set<string>();
      r.route('', h, out);
      return out;
    };
    assert.deepEqual(route({ a: 1 }), new Set(['q', 'p']));
    assert.equal(r.unbind('q', '', { a: typed('b', 1) }), false);
    assert.equal(r.unbind('q', '', { a: 1 }), true);
    assert.deepEqual(route({ a: 1 }), new Set(['p']));
    assert.deepEqual(route({ c: 3 }), new Set(['p']));
    assert.equal(r.unbindAll('p'), 2);
    assert.deepEqual(route({ a: 1, c: 3 }), new Set());
    assert.equal(r.size, 0);
  });
});
