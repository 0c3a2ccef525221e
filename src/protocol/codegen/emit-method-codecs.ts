/**
 * Emits generated/method-codecs.ts: straight-line decode/encode functions per method and a
 * descriptor per method (ids, flags, field metadata, codec). Consecutive bits are packed
 * into octets, least significant bit first, as the spec requires; all bounds and range
 * checks live in Reader/Writer.
 */
import { HEADER, SOURCE_NOTE, binaryLines, callLines, file, indent, key, literal } from './code.js';
import type { FieldModel, MethodModel, SpecModel } from './spec-model.js';
import { READ, WRITE, byteType } from './wire-ops.js';

const RESERVED_LOCALS = new Set(['arguments', 'eval']);

/** A run of fields: a single non-bit field or up to 8 consecutive bits sharing an octet. */
type Group = { kind: 'field'; field: FieldModel } | { kind: 'bits'; fields: FieldModel[]; index: number };

export function groupFields(fields: readonly FieldModel[]): Group[] {
  const groups: Group[] = [];
  let bitGroups = 0;
  for (const field of fields) {
    const last = groups[groups.length - 1];
    if (field.type !== 'bit') groups.push({ kind: 'field', field });
    else if (last?.kind === 'bits' && last.fields.length < 8) last.fields.push(field);
    else groups.push({ kind: 'bits', fields: [field], index: bitGroups++ });
  }
  return groups;
}

export function emitMethodCodecs(spec: SpecModel): string {
  return file([
    [HEADER, SOURCE_NOTE, '// Method codecs: a decoder, an encoder and a descriptor per spec method.'],
    [
      "import { decodeFieldTable, encodeFieldTable } from '../field-table.js';",
      "import type { MethodDescriptor } from '../method-descriptor.js';",
      "import type { Reader } from '../reader.js';",
      "import type { Writer } from '../writer.js';",
      "import type * as M from './methods.js';",
    ],
    ...spec.methods.flatMap((m) => [decoder(m), encoder(m), descriptor(m)]),
    [
      '/** Every method descriptor, in spec order. */',
      'export const METHOD_DESCRIPTORS: readonly MethodDescriptor[] = [',
      ...indent(spec.methods.map((m) => `${m.constName},`)),
      '];',
    ],
  ]);
}

function local(f: FieldModel): string {
  return RESERVED_LOCALS.has(f.name) ? `${f.name}_` : f.name;
}

function decoder(m: MethodModel): string[] {
  const body: string[] = [];
  const props: string[] = [`name: '${m.fullName}'`];
  for (const g of groupFields(m.fields)) {
    if (g.kind === 'field') {
      body.push(`const ${local(g.field)} = ${READ[byteType(g.field.type, g.field.name)]};`);
      props.push(local(g.field) === g.field.name ? g.field.name : `${g.field.name}: ${local(g.field)}`);
    } else {
      body.push(`const bits${g.index} = r.u8();`);
      g.fields.forEach((f, i) => props.push(`${f.name}: (bits${g.index} & ${1 << i}) !== 0`));
    }
  }
  const param = m.fields.length === 0 ? '_r' : 'r';
  return [
    `export function decode${m.typeName}(${param}: Reader): M.${m.typeName} {`,
    ...indent(body),
    ...indent(callLines('return { ', props, ' };', 1).map(fixObjectBreak)),
    '}',
  ];
}

/** callLines breaks `return { ` / ` };` — normalise to prettier's `return {` / `};`. */
function fixObjectBreak(line: string): string {
  if (line === 'return { ') return 'return {';
  if (line === ' };') return '};';
  return line;
}

function encoder(m: MethodModel): string[] {
  const body: string[] = [];
  for (const g of groupFields(m.fields)) {
    if (g.kind === 'field') {
      body.push(WRITE[byteType(g.field.type, g.field.name)](`m.${g.field.name}`));
    } else {
      const operands = g.fields.map((f, i) =>
        g.fields.length === 1 ? `m.${f.name} ? 1 : 0` : `(m.${f.name} ? ${1 << i} : 0)`,
      );
      body.push(...binaryLines('w.u8(', operands, '|', ');', 1));
    }
  }
  const params = m.fields.length === 0 ? '_w: Writer, _m: M.' : 'w: Writer, m: M.';
  return [`export function encode${m.typeName}(${params}${m.typeName}): void {`, ...indent(body), '}'];
}

function descriptor(m: MethodModel): string[] {
  const key32 = `0x${((m.classId << 16) | m.methodId).toString(16).padStart(8, '0')}`;
  return [
    `export const ${m.constName}: MethodDescriptor<M.${m.typeName}> = {`,
    `  name: '${m.fullName}',`,
    `  className: '${m.className}',`,
    `  methodName: '${m.methodName}',`,
    `  typeName: '${m.typeName}',`,
    `  classId: ${m.classId},`,
    `  methodId: ${m.methodId},`,
    `  key: ${key32},`,
    `  synchronous: ${m.synchronous},`,
    `  hasContent: ${m.hasContent},`,
    ...(m.fields.length === 0
      ? ['  fields: [],']
      : ['  fields: [', ...indent(m.fields.flatMap(fieldSpec), 2), '  ],']),
    `  decode: decode${m.typeName},`,
    `  encode: encode${m.typeName},`,
    '};',
  ];
}

function fieldSpec(f: FieldModel): string[] {
  const entries = [`name: '${f.name}'`, `specName: '${f.specName}'`, `type: '${f.type}'`];
  if (f.domain !== undefined) entries.push(`domain: '${f.domain}'`);
  if (f.defaultValue !== undefined) entries.push(`${key('defaultValue')}: ${literal(f.defaultValue)}`);
  return callLines('{ ', entries, ' },', 2).map((l) => (l === '{ ' ? '{' : l === ' },' ? '},' : l));
}
