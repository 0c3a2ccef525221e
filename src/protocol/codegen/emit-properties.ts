/**
 * Emits generated/properties-codecs.ts: for each class with content properties (only
 * basic in 0-9-1) the property-flags word and the property list codec. Flags are assigned
 * from bit 15 down in spec order; the remaining low bits (including bit 0, the
 * continuation flag, which 0-9-1's 14 basic properties never need) must be zero.
 */
import { HEADER, SOURCE_NOTE, file, indent } from './code.js';
import type { ClassModel, FieldModel, SpecModel } from './spec-model.js';
import { READ, WRITE, byteType } from './wire-ops.js';

export function emitProperties(spec: SpecModel): string {
  const classes = spec.classes.filter((c) => c.properties.length > 0);
  for (const c of classes) {
    if (c.properties.length > 15)
      throw new Error(`${c.name}: more than 15 properties needs flag continuation`);
    if (c.properties.some((p) => p.type === 'bit'))
      throw new Error(`${c.name}: bit properties are not supported`);
  }
  return file([
    [HEADER, SOURCE_NOTE, '// Content-header property codecs (property flags + property list).'],
    [
      "import { decodeFieldTable, encodeFieldTable } from '../field-table.js';",
      ...classes.map((c) => `import type { ${c.typeName}Properties } from '../properties.js';`),
      "import type { Reader } from '../reader.js';",
      "import type { Writer } from '../writer.js';",
    ],
    ...classes.flatMap((c) => [flagTable(c), encoder(c), decoder(c)]),
  ]);
}

const flag = (i: number): string => `0x${(0x8000 >>> i).toString(16).padStart(4, '0')}`;

function flagTable(c: ClassModel): string[] {
  const unused = (1 << (16 - c.properties.length)) - 1;
  return [
    `/** The property-flags bit of each ${c.name} property. */`,
    `export const ${c.name.toUpperCase()}_PROPERTY_FLAGS = {`,
    ...indent(c.properties.map((p, i) => `${p.name}: ${flag(i)},`)),
    '} as const;',
    '',
    `/** Flag bits no ${c.name} property uses (bit 0 is the continuation flag). */`,
    `export const ${c.name.toUpperCase()}_UNUSED_FLAGS = 0x${unused.toString(16).padStart(4, '0')};`,
  ];
}

function encoder(c: ClassModel): string[] {
  const present = (p: FieldModel, i: number): string[] => [
    `if (p.${p.name} != null) {`,
    `  flags |= ${flag(i)};`,
    `  ${WRITE[byteType(p.type, p.name)](`p.${p.name}`)}`,
    '}',
  ];
  return [
    `/** Writes the flags word and the present ${c.name} properties (undefined/null = absent). */`,
    `export function encode${c.typeName}Properties(w: Writer, p: ${c.typeName}Properties): void {`,
    '  const flagsMark = w.mark();',
    '  w.u16(0);',
    '  let flags = 0;',
    ...indent(c.properties.flatMap(present)),
    '  w.patchU16(flagsMark, flags);',
    '}',
  ];
}

function decoder(c: ClassModel): string[] {
  const upper = c.name.toUpperCase();
  return [
    `/** Reads the flags word and the ${c.name} properties it announces; absent ones are omitted. */`,
    `export function decode${c.typeName}Properties(r: Reader): ${c.typeName}Properties {`,
    '  const flags = r.u16();',
    `  if ((flags & ${upper}_UNUSED_FLAGS) !== 0) r.fail(\`unused property flag bits set: 0x\${flags.toString(16)}\`);`,
    `  const p: ${c.typeName}Properties = {};`,
    ...indent(
      c.properties.map(
        (p, i) => `if ((flags & ${flag(i)}) !== 0) p.${p.name} = ${READ[byteType(p.type, p.name)]};`,
      ),
    ),
    '  return p;',
    '}',
  ];
}
