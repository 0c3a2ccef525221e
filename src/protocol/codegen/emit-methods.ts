/**
 * Emits generated/methods.ts: one interface per spec method (spec vocabulary, camelCase
 * fields, a `name: 'class.method'` discriminant), the `Method` union, name → type maps and
 * the `MethodInit` type that makes fields with a spec default optional. Types only.
 */
import { HEADER, MAX_WIDTH, SOURCE_NOTE, file, indent, literal, unionLines } from './code.js';
import type { FieldModel, MethodModel, SpecModel, WireType } from './spec-model.js';

const TS_TYPES: Record<WireType, string> = {
  bit: 'boolean',
  octet: 'number',
  short: 'number',
  long: 'number',
  longlong: 'number',
  timestamp: 'number',
  shortstr: 'string',
  longstr: 'Buffer',
  table: 'FieldTable',
};

export function emitMethods(spec: SpecModel): string {
  const methods = spec.methods;
  const content = methods.filter((m) => m.hasContent);
  const defaulted = (m: MethodModel): string[] => {
    const names = m.fields.filter((f) => f.defaultValue !== undefined).map((f) => `'${f.name}'`);
    const one = `'${m.fullName}': ${names.length === 0 ? 'never' : names.join(' | ')};`;
    if (one.length + 2 <= MAX_WIDTH) return [one];
    return [`'${m.fullName}':`, ...names.map((n, i) => `  | ${n}${i === names.length - 1 ? ';' : ''}`)];
  };
  return file([
    [
      HEADER,
      SOURCE_NOTE,
      '// Method types: one interface per spec method and the `Method` union (switch on `name`).',
      '// longlong fields are numbers (exact up to 2^53); longstr fields are Buffers.',
    ],
    ["import type { FieldTable } from '../field-value.js';"],
    ...methods.map(methodInterface),
    [
      '/** Every method, discriminated by `name`. */',
      ...unionLines(
        'Method',
        methods.map((m) => m.typeName),
      ),
    ],
    ["export type MethodName = Method['name'];"],
    [
      '/** Method type by name. */',
      'export interface MethodMap {',
      ...indent(methods.map((m) => `'${m.fullName}': ${m.typeName};`)),
      '}',
    ],
    [
      '/** The methods followed by a content header and body frames. */',
      ...unionLines(
        'ContentMethod',
        content.map((m) => m.typeName),
      ),
      "export type ContentMethodName = ContentMethod['name'];",
      'export type NonContentMethod = Exclude<Method, ContentMethod>;',
    ],
    [
      '/** Per method, the fields that have a spec default. */',
      'export interface DefaultedFields {',
      ...indent(methods.flatMap(defaulted)),
      '}',
    ],
    [
      '/** A method without its `name`, where fields with a spec default may be omitted. */',
      "export type MethodInit<N extends MethodName> = Omit<MethodMap[N], 'name' | DefaultedFields[N]> &",
      '  Partial<Pick<MethodMap[N], Extract<DefaultedFields[N], keyof MethodMap[N]>>>;',
    ],
  ]);
}

function methodInterface(m: MethodModel): string[] {
  const traits = [m.synchronous ? 'synchronous' : 'asynchronous'];
  if (m.hasContent) traits.push('carries content');
  return [
    `/** \`${m.fullName}\` (class ${m.classId}, method ${m.methodId}): ${traits.join(', ')}. */`,
    `export interface ${m.typeName} {`,
    `  name: '${m.fullName}';`,
    ...indent(m.fields.flatMap(fieldLines)),
    '}',
  ];
}

function fieldLines(f: FieldModel): string[] {
  const domain = f.domain === undefined ? f.type : `${f.type}, domain ${f.domain}`;
  const dflt = f.defaultValue === undefined ? '' : `, default ${literal(f.defaultValue)}`;
  return [`/** ${f.specName} (${domain}${dflt}) */`, `${f.name}: ${TS_TYPES[f.type]};`];
}
