// defineContract at runtime, and FromSchema at the type level (checked by tsc: each
// `Expect<Equal<…>>` line fails the typecheck if the mapping changes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineContract, type FromSchema } from '../../src/framework/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const Schema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    pair: { type: 'array', items: [{ type: 'number' }, { type: 'boolean' }] },
    kind: { enum: ['a', 'b'] },
    fixed: { const: 7 },
    either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    meta: { type: 'object', additionalProperties: { type: 'number' } },
    anything: true,
  },
  required: ['id', 'name'],
  additionalProperties: false,
} as const;

export type Checks = [
  Expect<
    Equal<
      FromSchema<typeof Schema>,
      {
        id: number;
        name: string | null;
        tags?: string[];
        pair?: [number, boolean];
        kind?: 'a' | 'b';
        fixed?: 7;
        either?: string | number;
        meta?: Record<string, number>;
        anything?: unknown;
      }
    >
  >,
  Expect<Equal<FromSchema<{ type: 'string' }>, string>>,
  Expect<Equal<FromSchema<{ type: 'null' }>, null>>,
  Expect<Equal<FromSchema<{ type: 'array' }>, unknown[]>>,
  Expect<Equal<FromSchema<{ type: 'object' }>, Record<string, unknown>>>,
  Expect<Equal<FromSchema<false>, never>>,
  Expect<Equal<FromSchema<{ description: 'x' }>, unknown>>,
  Expect<
    Equal<
      FromSchema<{ type: 'object'; properties: { a: { type: 'string' } }; additionalProperties: true }>,
      { [key: string]: unknown; a?: string }
    >
  >,
];

test('defineContract returns the schemas, frozen', () => {
  const contract = defineContract({ tasks: { t: Schema } });
  assert.equal(contract.tasks.t, Schema);
  assert.ok(Object.isFrozen(contract));
});
