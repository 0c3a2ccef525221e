/**
 * FromSchema<S>: the TypeScript type a JSON Schema (declared `as const`) describes, so one
 * schema gives both runtime validation (ajv) and compile-time payload types. Deliberately
 * small: type (and type arrays), const, enum, anyOf/oneOf, object properties/required/
 * additionalProperties, array items (list or tuple). Anything else maps to `unknown`.
 */

type Simplify<T> = T extends infer O ? { [K in keyof O]: O[K] } : never;

/**
 * The type a JSON Schema describes.
 *
 * @example
 * const Email = { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } as const;
 * type Email = FromSchema<typeof Email>; // { to: string }
 */
export type FromSchema<S> = S extends true
  ? unknown
  : S extends false
    ? never
    : S extends { readonly const: infer C }
      ? C
      : S extends { readonly enum: readonly (infer E)[] }
        ? E
        : S extends { readonly anyOf: infer A extends readonly unknown[] }
          ? FromEach<A>
          : S extends { readonly oneOf: infer A extends readonly unknown[] }
            ? FromEach<A>
            : S extends { readonly type: infer T }
              ? FromType<S, T extends readonly (infer U)[] ? U : T>
              : S extends { readonly properties: unknown }
                ? FromObject<S>
                : unknown;

type FromEach<A extends readonly unknown[]> = { [I in keyof A]: FromSchema<A[I]> }[number];

/** Distributes over a union of type names (from `type: ['string', 'null']`). */
type FromType<S, T> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? FromArray<S>
          : T extends 'object'
            ? FromObject<S>
            : never;

type FromArray<S> = S extends { readonly items: infer I }
  ? I extends readonly unknown[]
    ? { -readonly [K in keyof I]: FromSchema<I[K]> }
    : FromSchema<I>[]
  : unknown[];

type Props<S> = S extends { readonly properties: infer P } ? P : Record<never, never>;
type RequiredKeys<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;

type FromObject<S> = Simplify<
  { -readonly [K in keyof Props<S> & RequiredKeys<S>]: FromSchema<Props<S>[K]> } & {
    -readonly [K in Exclude<keyof Props<S>, RequiredKeys<S>>]?: FromSchema<Props<S>[K]>;
  } & Additional<S>
>;

/**
 * Extra keys: none with `additionalProperties: false`; a typed map for a schema with no
 * `properties`; otherwise any extra key is allowed with an unknown value, except that a
 * schema listing properties and saying nothing about extras stays closed, so typos in
 * payload literals are caught.
 */
type Additional<S> = S extends { readonly additionalProperties: false }
  ? unknown
  : keyof Props<S> extends never
    ? S extends { readonly additionalProperties: infer A }
      ? Record<string, A extends true ? unknown : FromSchema<A>>
      : Record<string, unknown>
    : S extends { readonly additionalProperties: unknown }
      ? Record<string, unknown>
      : unknown;
