/**
 * The shape of a generated method descriptor: identity (name, ids, `key = classId << 16 |
 * methodId`), whether it is synchronous / carries content, field metadata from the spec
 * (including defaults) and its codec. Descriptors are generated; see generated/method-codecs.ts.
 */
import type { Method } from './generated/methods.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** The nine wire types method arguments and properties use. */
export type DomainType =
  'bit' | 'octet' | 'short' | 'long' | 'longlong' | 'shortstr' | 'longstr' | 'table' | 'timestamp';

/** A spec default: tables default to `{}`, longstr defaults are given as strings. */
export type SpecDefault = string | number | boolean | Readonly<Record<string, never>>;

export interface FieldSpec {
  /** camelCase field name. */
  readonly name: string;
  /** Name in the spec (`auto-delete`). */
  readonly specName: string;
  readonly type: DomainType;
  /** Spec domain the field was declared with, if any (`queue-name`). */
  readonly domain?: string;
  readonly defaultValue?: SpecDefault;
}

export interface MethodDescriptor<M extends Method = Method> {
  readonly name: M['name'];
  readonly className: string;
  readonly methodName: string;
  /** Interface name (`QueueDeclare`). */
  readonly typeName: string;
  readonly classId: number;
  readonly methodId: number;
  /** `classId << 16 | methodId`. */
  readonly key: number;
  readonly synchronous: boolean;
  /** Followed by a content header and body (basic.publish/return/deliver/get-ok). */
  readonly hasContent: boolean;
  readonly fields: readonly FieldSpec[];
  /** Reads the arguments (after the class/method ids). */
  decode(r: Reader): M;
  /** Writes the arguments (after the class/method ids). */
  encode(w: Writer, m: M): void;
}
