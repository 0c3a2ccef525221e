// Binding identity: RabbitMQ compares binding arguments as typed terms. These tests pin the
// rules fieldTablesEqual implements (checked against RabbitMQ by unbinding with differently
// typed arguments and seeing whether the binding survives).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldTablesEqual } from '../../src/broker/exchange/field-equality.js';
import { decodeTable, encodeTable } from '../../src/protocol/field-table.js';
import { Decimal, WIRE_TYPES, typed } from '../../src/protocol/field-value.js';
import type { FieldTable, FieldTypeTag } from '../../src/protocol/field-value.js';

/** A table as the decoder returns it: plain values plus non-enumerable wire types. */
function decoded(table: FieldTable, wire: Record<string, FieldTypeTag>): FieldTable {
  Object.defineProperty(table, WIRE_TYPES, { value: new Map(Object.entries(wire)), enumerable: false });
  return table;
}

describe('fieldTablesEqual', () => {
  it('ignores top-level key order', () => {
    assert.ok(fieldTablesEqual({ a: 1, b: 'x' }, { b: 'x', a: 1 }));
    assert.ok(fieldTablesEqual({}, {}));
  });

  it('needs the same keys', () => {
    assert.ok(!fieldTablesEqual({ a: 1 }, { a: 1, b: 1 }));
    assert.ok(!fieldTablesEqual({ a: 1, b: 1 }, { a: 1 }));
    assert.ok(!fieldTablesEqual({ a: 1 }, { b: 1 }));
  });

  it('treats undefined values as absent keys', () => {
    assert.ok(fieldTablesEqual({ a: 1, b: undefined }, { a: 1 }));
    assert.ok(!fieldTablesEqual({ a: undefined }, { a: null }), 'null is void, undefined is nothing');
  });

  it('distinguishes integer widths, like RabbitMQ binding identity', () => {
    assert.ok(!fieldTablesEqual({ a: typed('b', 1) }, { a: typed('I', 1) }));
    assert.ok(fieldTablesEqual({ a: typed('I', 1) }, { a: typed('I', 1) }));
    assert.ok(fieldTablesEqual({ a: 1 }, { a: typed('I', 1) }), 'an int32-sized integer is inferred as I');
    assert.ok(fieldTablesEqual({ a: 2 ** 40 }, { a: typed('l', 2 ** 40) }), 'a larger one as l');
    assert.ok(!fieldTablesEqual({ a: 1 }, { a: typed('b', 1) }));
    assert.ok(fieldTablesEqual({ a: typed('l', 5n) }, { a: typed('l', 5) }), 'bigint and number agree');
    assert.ok(fieldTablesEqual({ a: 2n ** 60n }, { a: typed('l', 2n ** 60n) }));
    assert.ok(!fieldTablesEqual({ a: 2n ** 60n }, { a: typed('l', 2n ** 60n + 1n) }));
  });

  it('reads the wire types the decoder recorded', () => {
    const a = decoded({ n: 1, s: 'x' }, { n: 'b' });
    assert.ok(fieldTablesEqual(a, { n: typed('b', 1), s: 'x' }));
    assert.ok(!fieldTablesEqual(a, { n: 1, s: 'x' }));
    assert.ok(fieldTablesEqual(decoded({ n: 1 }, { n: 'l' }), { n: typed('l', 1) }));
  });

  it('agrees with what the codec decodes', () => {
    const built: FieldTable = {
      i8: typed('b', 1),
      i32: 7,
      big: 2n ** 60n,
      f: typed('f', 0.5),
      s: 'text',
      raw: Buffer.from([0xff, 0xfe]),
      when: new Date(1_700_000_000_000),
      dec: new Decimal(2, 314),
      list: [typed('u', 3), 'x', null, { deep: typed('s', -2) }],
      nested: { z: 1, a: typed('T', 5) },
    };
    const roundTripped = decodeTable(encodeTable(built));
    assert.ok(fieldTablesEqual(roundTripped, built));
    assert.ok(fieldTablesEqual(built, roundTripped));
    assert.ok(!fieldTablesEqual(roundTripped, { ...built, i8: 1 }));
    assert.ok(!fieldTablesEqual(roundTripped, { ...built, list: [3, 'x', null, { deep: -2 }] }));
  });

  it('distinguishes ints from floats, strings from byte arrays, booleans from ints', () => {
    assert.ok(!fieldTablesEqual({ a: 1 }, { a: typed('d', 1) }));
    assert.ok(!fieldTablesEqual({ a: 'v' }, { a: Buffer.from('v') }));
    assert.ok(fieldTablesEqual({ a: Buffer.from('v') }, { a: Buffer.from('v') }));
    assert.ok(!fieldTablesEqual({ a: true }, { a: 1 }));
    assert.ok(!fieldTablesEqual({ a: 0.5 }, { a: typed('f', 0.5) }), 'double vs float');
    assert.ok(
      fieldTablesEqual({ a: typed('f', 0.1) }, { a: typed('f', Math.fround(0.1)) }),
      'float32 precision',
    );
  });

  it('compares decimals by scale and digits, timestamps in seconds', () => {
    assert.ok(fieldTablesEqual({ d: new Decimal(2, 150) }, { d: new Decimal(2, 150) }));
    assert.ok(!fieldTablesEqual({ d: new Decimal(1, 15) }, { d: new Decimal(2, 150) }));
    assert.ok(fieldTablesEqual({ t: new Date(5000) }, { t: typed('T', 5) }));
    assert.ok(fieldTablesEqual({ t: new Date(5999) }, { t: new Date(5000) }), 'wire precision is seconds');
    assert.ok(!fieldTablesEqual({ t: new Date(5000) }, { t: 5 }));
  });

  it('compares arrays element by element with their types', () => {
    assert.ok(fieldTablesEqual({ a: [1, 'x', null] }, { a: [1, 'x', null] }));
    assert.ok(!fieldTablesEqual({ a: [typed('b', 1)] }, { a: [typed('I', 1)] }));
    assert.ok(!fieldTablesEqual({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!fieldTablesEqual({ a: [1] }, { a: [1, 1] }));
    assert.ok(!fieldTablesEqual({ a: [] }, { a: {} }), 'array and table are different types');
  });

  it('compares nested tables in order (RabbitMQ sorts only the top level)', () => {
    assert.ok(fieldTablesEqual({ t: { p: 1, q: 2 } }, { t: { p: 1, q: 2 } }));
    assert.ok(!fieldTablesEqual({ t: { p: 1, q: 2 } }, { t: { q: 2, p: 1 } }));
    assert.ok(!fieldTablesEqual({ t: { p: 1 } }, { t: { p: typed('l', 1) } }));
  });
});
