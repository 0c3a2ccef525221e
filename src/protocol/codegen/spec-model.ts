/**
 * The vendored AMQP 0-9-1 JSON spec, parsed into the model the emitters use.
 *
 * Invariants checked here so generated code can rely on them: every argument resolves
 * (through its domain) to one of the nine wire types; camelCased field names are valid,
 * unique per method and never collide with the `name` discriminant; class/method ids fit
 * in a short. Order is the spec's order, so generation is deterministic.
 */
import { readFileSync } from 'node:fs';

export const WIRE_TYPES = [
  'bit',
  'octet',
  'short',
  'long',
  'longlong',
  'shortstr',
  'longstr',
  'table',
  'timestamp',
] as const;
export type WireType = (typeof WIRE_TYPES)[number];

export type DefaultValue = string | number | boolean | Record<string, never>;

export interface FieldModel {
  /** Spec name, e.g. `auto-delete`. */
  specName: string;
  /** camelCase name, e.g. `autoDelete`. */
  name: string;
  type: WireType;
  /** The spec domain when the argument was declared through one (e.g. `queue-name`). */
  domain: string | undefined;
  defaultValue: DefaultValue | undefined;
}

export interface MethodModel {
  className: string;
  methodName: string;
  /** `queue.declare` */
  fullName: string;
  /** `QueueDeclare` */
  typeName: string;
  /** `QUEUE_DECLARE` */
  constName: string;
  classId: number;
  methodId: number;
  synchronous: boolean;
  hasContent: boolean;
  fields: FieldModel[];
}

export interface ClassModel {
  name: string;
  typeName: string;
  id: number;
  methods: MethodModel[];
  properties: FieldModel[];
}

export interface ConstantModel {
  specName: string;
  /** `FRAME_METHOD`, `NOT_FOUND` */
  name: string;
  value: number;
  errorClass: 'soft-error' | 'hard-error' | undefined;
}

export interface SpecModel {
  major: number;
  minor: number;
  revision: number;
  port: number;
  copyright: string;
  constants: ConstantModel[];
  classes: ClassModel[];
  methods: MethodModel[];
}

interface RawArgument {
  name: string;
  type?: string;
  domain?: string;
  'default-value'?: DefaultValue;
}
interface RawMethod {
  id: number;
  name: string;
  arguments: RawArgument[];
  synchronous?: boolean;
  content?: boolean;
}
interface RawClass {
  id: number;
  name: string;
  methods: RawMethod[];
  properties?: { name: string; type?: string; domain?: string }[];
}
interface RawSpec {
  'major-version': number;
  'minor-version': number;
  revision: number;
  port: number;
  copyright: string[];
  domains: [string, string][];
  constants: { name: string; value: number; class?: string }[];
  classes: RawClass[];
}

const RESERVED_FIELD_NAMES = new Set(['name']);

export function camelCase(specName: string): string {
  return specName.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function pascalCase(specName: string): string {
  const camel = camelCase(specName);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

export function constCase(specName: string): string {
  return specName.replace(/-/g, '_').toUpperCase();
}

export function loadSpec(path: string): SpecModel {
  return parseSpec(JSON.parse(readFileSync(path, 'utf8')) as RawSpec);
}

export function parseSpec(raw: RawSpec): SpecModel {
  const domains = new Map(raw.domains);
  const resolve = (arg: { name: string; type?: string; domain?: string }, where: string): FieldModel => {
    const declared = arg.type ?? arg.domain;
    const type = arg.type ?? (arg.domain === undefined ? undefined : domains.get(arg.domain));
    if (declared === undefined || type === undefined || !(WIRE_TYPES as readonly string[]).includes(type)) {
      throw new Error(`${where}.${arg.name}: cannot resolve type ${String(declared)}`);
    }
    const name = camelCase(arg.name);
    if (!/^[a-z][A-Za-z0-9]*$/.test(name) || RESERVED_FIELD_NAMES.has(name)) {
      throw new Error(`${where}: field name ${name} is not usable`);
    }
    const defaultValue = 'default-value' in arg ? (arg as RawArgument)['default-value'] : undefined;
    return { specName: arg.name, name, type: type as WireType, domain: arg.domain, defaultValue };
  };
  const classes = raw.classes.map((c): ClassModel => {
    checkId(c.id, c.name);
    const methods = c.methods.map((m): MethodModel => {
      const fullName = `${c.name}.${m.name}`;
      checkId(m.id, fullName);
      const fields = m.arguments.map((a) => resolve(a, fullName));
      if (new Set(fields.map((f) => f.name)).size !== fields.length)
        throw new Error(`${fullName}: duplicate field`);
      return {
        className: c.name,
        methodName: m.name,
        fullName,
        typeName: pascalCase(c.name) + pascalCase(m.name),
        constName: `${constCase(c.name)}_${constCase(m.name)}`,
        classId: c.id,
        methodId: m.id,
        synchronous: m.synchronous === true,
        hasContent: m.content === true,
        fields,
      };
    });
    const properties = (c.properties ?? []).map((p) => resolve(p, `${c.name} properties`));
    return { name: c.name, typeName: pascalCase(c.name), id: c.id, methods, properties };
  });
  return {
    major: raw['major-version'],
    minor: raw['minor-version'],
    revision: raw.revision,
    port: raw.port,
    copyright: raw.copyright.join(''),
    constants: raw.constants.map((k) => ({
      specName: k.name,
      name: constCase(k.name),
      value: k.value,
      errorClass: k.class === 'soft-error' || k.class === 'hard-error' ? k.class : undefined,
    })),
    classes,
    methods: classes.flatMap((c) => c.methods),
  };
}

function checkId(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new Error(`${what}: bad id ${id}`);
}
