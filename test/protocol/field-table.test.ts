import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  Decimal,
  FrameError,
  MAX_DEPTH,
  ReplyCode,
  WIRE_TYPES,
  decodeTable,
  encodeTable,
  inferFieldType,
  typed,
  type FieldTable,
  type WireTypes,
} from '../../src/protocol/index.js';
import { plainOfTree, plainTableArbitrary, toTypedTable, typedTableArbitrary } from './spec-arbitraries.js';

const RUNS = { numRuns: 150 };

function syntaxErrorOf(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof FrameError && e.replyCode === ReplyCode.SYNTAX_ERROR);
}

describe('field tables: inference', () => {
  test('plain values get the documented tags', () => {
    const cases: [unknown, string][] = [
      ['s', 'S'],
      [true, 't'],
      [0, 'I'],
      [-0x8000_0000, 'I'],
      [0x7fff_ffff, 'I'],
      [0x8000_0000, 'l'],
      [Number.MAX_SAFE_INTEGER, 'l'],
      [2 ** 60, 'd'],
      [1.5, 'd'],
      [-0, 'd'],
      [NaN, 'd'],
      [5n, 'l'],
      [Buffer.from('x'), 'x'],
      [new Uint8Array(2), 'x'],
      [new Date(0), 'T'],
      [new Decimal(2, 5), 'D'],
      [null, 'V'],
      [undefined, 'V'],
      [[1], 'A'],
      [{ a: 1 }, 'F'],
      [typed('u', 3), 'u'],
    ];
    for (const [value, tag] of cases) assert.equal(inferFieldType(value as never), tag, String(value));
  });

  test('encodes inferred tags on the wire', () => {
    const bytes = encodeTable({ a: 1, b: 'x' });
    // len, 'a' I 00000001, 'b' S 00000001 'x'
    assert.deepEqual([...bytes], [0, 0, 0, 15, 1, 97, 73, 0, 0, 0, 1, 1, 98, 83, 0, 0, 0, 1, 120]);
  });

  test('undefined encodes as void and decodes as null', () => {
    assert.deepEqual(decodeTable(encodeTable({ u: undefined })), { u: null });
  });

  test('cyclic or too deeply nested values are a RangeError, not a stack overflow', () => {
    const cyclic: FieldTable = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeTable(cyclic), /nested deeper/);
    const list: unknown[] = [];
    list.push(list);
    assert.throws(() => encodeTable({ list: list as never }), /nested deeper/);
    assert.deepEqual(decodeTable(encodeTable({ ok: { fine: [1] } })), { ok: { fine: [1] } });
  });

  test('unencodable values are rejected', () => {
    assert.throws(() => encodeTable({ f: (() => 1) as never }), TypeError);
    assert.throws(() => encodeTable({ big: 1n << 63n }), RangeError);
    assert.throws(() => encodeTable({ d: new Date(-1000) }), RangeError);
    assert.throws(() => encodeTable({ t: typed('b', 300) }), TypeError);
    assert.throws(() => encodeTable({ t: typed('S', 5) }), TypeError);
    assert.throws(() => encodeTable({ k: 1, [''.padEnd(256, 'k')]: 1 }), RangeError);
  });
});

describe('field tables: round trips', () => {
  test('plain tables decode to equal values and re-encode identically', () => {
    fc.assert(
      fc.property(plainTableArbitrary, (table) => {
        const bytes = encodeTable(table);
        const decoded = decodeTable(bytes);
        assert.deepStrictEqual(decoded, table);
        assert.ok(encodeTable(decoded).equals(bytes));
      }),
      RUNS,
    );
  });

  test('typed trees (every tag, nested tables and arrays): decode → encode is byte-identical', () => {
    fc.assert(
      fc.property(typedTableArbitrary({ rawStrings: true }), (entries) => {
        const bytes = encodeTable(toTypedTable(entries));
        const decoded = decodeTable(bytes);
        assert.ok(encodeTable(decoded).equals(bytes));
      }),
      RUNS,
    );
  });

  test('typed trees decode to the documented plain values', () => {
    fc.assert(
      fc.property(typedTableArbitrary({ rawStrings: true }), (entries) => {
        const decoded = decodeTable(encodeTable(toTypedTable(entries)));
        assert.deepStrictEqual(decoded, plainOfTree(entries));
      }),
      RUNS,
    );
  });

  test('non-inferred tags are remembered in WIRE_TYPES, invisibly', () => {
    const decoded = decodeTable(
      encodeTable({ a: typed('l', 5), b: typed('s', -2), c: 7, d: typed('A', [typed('B', 1), 2]) }),
    );
    assert.deepStrictEqual(decoded, { a: 5, b: -2, c: 7, d: [1, 2] });
    const types = (decoded as { [WIRE_TYPES]?: WireTypes })[WIRE_TYPES];
    assert.deepEqual(
      [...(types ?? [])],
      [
        ['a', 'l'],
        ['b', 's'],
      ],
    );
    const arrayTypes = (decoded.d as { [WIRE_TYPES]?: WireTypes })[WIRE_TYPES];
    assert.deepEqual([...(arrayTypes ?? [])], [[0, 'B']]);
    assert.deepEqual(Object.keys(decoded), ['a', 'b', 'c', 'd']);
    assert.equal(JSON.stringify(decoded), '{"a":5,"b":-2,"c":7,"d":[1,2]}');
  });

  test('a recorded tag is dropped when the value no longer fits it', () => {
    const decoded = decodeTable(encodeTable({ a: typed('b', 5) }));
    decoded.a = 'now a string';
    assert.deepStrictEqual(decodeTable(encodeTable(decoded)), { a: 'now a string' });
    decoded.a = 1000;
    const again = decodeTable(encodeTable(decoded));
    assert.equal(again.a, 1000);
  });

  test('long strings that are not UTF-8 come back as Buffers and re-encode as S', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x41]);
    const bytes = encodeTable({ s: typed('S', raw) });
    const decoded = decodeTable(bytes);
    assert.deepStrictEqual(decoded.s, raw);
    assert.ok(encodeTable(decoded).equals(bytes));
  });

  test('timestamps beyond the Date range stay numeric with their tag', () => {
    const bytes = encodeTable({ t: typed('T', 2n ** 63n) });
    const decoded = decodeTable(bytes);
    assert.equal(decoded.t, 2n ** 63n);
    assert.ok(encodeTable(decoded).equals(bytes));
  });

  test('a __proto__ key is an ordinary own property', () => {
    const source = JSON.parse('{"__proto__": {"polluted": true}}') as FieldTable;
    const decoded = decodeTable(encodeTable(source));
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.deepEqual(Object.keys(decoded), ['__proto__']);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });
});

describe('field tables: malformed input (502 SYNTAX_ERROR)', () => {
  test('unknown type tag', () => {
    syntaxErrorOf(() => decodeTable(Buffer.from([0, 0, 0, 3, 1, 97, 0x51])));
  });

  test('truncated input, or a declared length cutting a value short', () => {
    const good = encodeTable({ key: 'value', n: 123456, nested: { a: [1, 2, 3] } });
    for (let cut = 1; cut < good.length; cut++) {
      syntaxErrorOf(() => decodeTable(Buffer.from(good.subarray(0, cut))));
    }
    for (let len = 0; len < good.length - 4; len++) {
      const lying = Buffer.from(good);
      lying.writeUInt32BE(len, 0);
      syntaxErrorOf(() => decodeTable(lying));
    }
  });

  test('a string length running past the table', () => {
    syntaxErrorOf(() => decodeTable(Buffer.from([0, 0, 0, 7, 1, 97, 0x53, 0, 0, 0, 9])));
    syntaxErrorOf(() => decodeTable(Buffer.from([0, 0, 0, 2, 9, 97])));
  });

  test(`nesting deeper than ${MAX_DEPTH}`, () => {
    // Built by hand: our encoder refuses to produce it. Each level is { a: <inner table> }.
    const nest = (levels: number): Buffer => {
      let inner = Buffer.from([0, 0, 0, 0]);
      for (let i = 0; i < levels; i++) {
        const entry = Buffer.concat([Buffer.from([1, 0x61, 0x46]), inner]);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(entry.length);
        inner = Buffer.concat([len, entry]);
      }
      return inner;
    };
    assert.doesNotThrow(() => decodeTable(nest(MAX_DEPTH - 1)));
    syntaxErrorOf(() => decodeTable(nest(MAX_DEPTH)));
    syntaxErrorOf(() => decodeTable(nest(MAX_DEPTH + 1000)));
  });

  test('trailing bytes after a standalone table', () => {
    syntaxErrorOf(() => decodeTable(Buffer.concat([encodeTable({ a: 1 }), Buffer.from([0])])));
  });

  test('random bytes never escape as anything but a 502', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buf = Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
        try {
          decodeTable(buf);
        } catch (e) {
          assert.ok(e instanceof FrameError && e.replyCode === ReplyCode.SYNTAX_ERROR, String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});
