/**
 * Method dispatch on top of the generated descriptors: O(1) lookup by (classId, methodId)
 * for decoding and by name for encoding, plus `createMethod` to build a method from its
 * spec defaults.
 *
 * Error mapping (see docs/errors.md): a method payload shorter than the 4 id bytes is a 501
 * FRAME_ERROR; unknown ids are 503 COMMAND_INVALID; anything wrong inside the arguments
 * (truncation, a string or table running past the payload, an unknown field tag, trailing
 * bytes) is 502 SYNTAX_ERROR. (RabbitMQ reports argument decode failures as 501; we keep 501
 * for the frame envelope and 502 for payload contents, as the spec's definitions suggest.)
 */
import { frameError, unknownMethod, type MethodRef } from './errors.js';
import { METHOD_DESCRIPTORS } from './generated/method-codecs.js';
import type { ContentMethod, Method, MethodInit, MethodMap, MethodName } from './generated/methods.js';
import type { FieldSpec, MethodDescriptor } from './method-descriptor.js';
import { Reader } from './reader.js';
import type { Writer } from './writer.js';

type DescriptorMap = { readonly [N in MethodName]: MethodDescriptor<MethodMap[N]> };

const BY_NAME = Object.create(null) as Record<string, MethodDescriptor | undefined>;
const BY_ID: (MethodDescriptor | undefined)[][] = [];
for (const d of METHOD_DESCRIPTORS) {
  BY_NAME[d.name] = d;
  const row = (BY_ID[d.classId] ??= []);
  row[d.methodId] = d;
}
// Keep every row and the outer table dense (no holes) so lookups stay on the fast path.
for (let c = 0; c < BY_ID.length; c++) {
  const row = (BY_ID[c] ??= []);
  for (let m = 0; m < row.length; m++) row[m] ??= undefined;
}

/** Descriptor by method name (`'queue.declare'`). */
export const METHODS = BY_NAME as unknown as DescriptorMap;

/** The descriptor for (classId, methodId), or undefined when the spec has no such method. */
export function lookupMethod(classId: number, methodId: number): MethodDescriptor | undefined {
  return BY_ID[classId]?.[methodId];
}

/** The descriptor of a method value. Throws a TypeError for an unknown `name`. */
export function descriptorOf<M extends Method>(m: M): MethodDescriptor<M> {
  const d = BY_NAME[m.name];
  if (d === undefined) throw new TypeError(`unknown method name ${JSON.stringify(m.name)}`);
  return d as unknown as MethodDescriptor<M>;
}

/** `{ classId, methodId }` of a method, for error reports. */
export function methodRef(m: Method): MethodRef {
  const d = descriptorOf(m);
  return { classId: d.classId, methodId: d.methodId };
}

/** Whether a content header and body follow this method. */
export function isContentMethod(m: Method): m is ContentMethod {
  return descriptorOf(m).hasContent;
}

const shared = new Reader(Buffer.alloc(0));

/**
 * Decodes a method frame payload (class id, method id, arguments). The payload must be
 * consumed exactly. Returned strings are copies; longstr and x values are copied Buffers.
 */
export function decodeMethodPayload(payload: Buffer): Method {
  return decodeArguments(methodOfPayload(payload), payload);
}

/** The descriptor named by a method frame payload's ids (501 if too short, 503 if unknown). */
export function methodOfPayload(payload: Buffer): MethodDescriptor {
  if (payload.length < 4) throw frameError(`method frame payload of ${payload.length} bytes is too short`);
  const classId = (payload[0]! << 8) | payload[1]!;
  const methodId = (payload[2]! << 8) | payload[3]!;
  const d = BY_ID[classId]?.[methodId];
  if (d === undefined) {
    throw unknownMethod(`unknown method class ${classId}, method ${methodId}`, { classId, methodId });
  }
  return d;
}

/** Decodes the arguments of a method frame payload whose ids name `d` (502 on bad input). */
export function decodeArguments<M extends Method>(d: MethodDescriptor<M>, payload: Buffer): M {
  const r = shared.reset(payload, 4, payload.length, d);
  const m = d.decode(r);
  r.expectEnd(`${d.name} arguments`);
  return m;
}

/** Appends a method payload (ids + arguments). Errors name the method. */
export function encodeMethodPayload(w: Writer, m: Method): void {
  const d = descriptorOf(m);
  w.u32(d.key);
  try {
    d.encode(w, m);
  } catch (e) {
    throw withContext(e, d.name);
  }
}

/** Prefixes an encoding error's message with the method name, keeping its class. */
export function withContext(e: unknown, name: string): unknown {
  if (e instanceof RangeError) return new RangeError(`${name}: ${e.message}`, { cause: e });
  if (e instanceof TypeError) return new TypeError(`${name}: ${e.message}`, { cause: e });
  return e;
}

/**
 * Builds a method from `init`, filling omitted fields with their spec defaults (tables get
 * a fresh `{}`, longstr defaults become Buffers). Field order matches decoded methods.
 */
export function createMethod<N extends MethodName>(name: N, init: MethodInit<N>): MethodMap[N] {
  const d = BY_NAME[name];
  if (d === undefined) throw new TypeError(`unknown method name ${JSON.stringify(name)}`);
  const given = init as Record<string, unknown>;
  const m: Record<string, unknown> = { name };
  for (const f of d.fields) {
    const v = given[f.name];
    m[f.name] = v !== undefined ? v : defaultFor(f);
  }
  return m as unknown as MethodMap[N];
}

function defaultFor(f: FieldSpec): unknown {
  const v = f.defaultValue;
  if (v === undefined) return undefined;
  if (f.type === 'table') return {};
  if (f.type === 'longstr') return Buffer.from(typeof v === 'string' ? v : '');
  return v;
}
