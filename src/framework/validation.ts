/**
 * Payload validation with ajv. Every schema is compiled once, when handlers are registered,
 * so a broken schema fails at startup and validating a message is a plain function call.
 * Failures become a ValidationError (ERR_VALIDATION) naming the failing fields.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { ValidationError, type ValidationIssue } from './errors.js';
import type { JsonSchema } from './options.js';

/** The outcome of validating one value. */
export type ValidationResult = { ok: true } | { ok: false; error: ValidationError };

/** A compiled schema. */
export type Validator = (value: unknown) => ValidationResult;

/**
 * ajv settings: every error reported (so all bad fields are named), unknown keywords rejected
 * (a typo such as `requried` is an error, not a silently ignored keyword), no coercion or
 * defaults (payloads are never mutated), and no console logging.
 */
export const DEFAULT_AJV_OPTIONS: Readonly<Options> = Object.freeze({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  coerceTypes: false,
  useDefaults: false,
  logger: false,
});

/** Most issues listed in a ValidationError's message (all are kept on `issues`). */
const MAX_ISSUES_IN_MESSAGE = 5;

/**
 * Compiles JSON Schemas into validators, once per schema object.
 *
 * @example
 * const compiler = new SchemaCompiler();
 * const validate = compiler.compile(EmailSchema, 'task "email.send"');
 * const result = validate(payload);
 * if (!result.ok) throw result.error; // ValidationError, result.error.fields → ['/to']
 */
export class SchemaCompiler {
  readonly #ajv: Ajv;
  readonly #compiled = new WeakMap<object, ValidateFunction>();
  readonly #booleans = new Map<boolean, ValidateFunction>();

  constructor(options: { ajv?: Ajv } = {}) {
    this.#ajv = options.ajv ?? new Ajv({ ...DEFAULT_AJV_OPTIONS });
  }

  /**
   * Compiles `schema`; `label` names what it validates in error messages. Throws a TypeError
   * (with the ajv error as `cause`) when the schema itself is invalid.
   */
  compile(schema: JsonSchema, label: string): Validator {
    const fn = this.#compileOnce(schema, label);
    return (value) => (fn(value) ? { ok: true } : { ok: false, error: toValidationError(label, fn.errors) });
  }

  #compileOnce(schema: JsonSchema, label: string): ValidateFunction {
    const cached = typeof schema === 'boolean' ? this.#booleans.get(schema) : this.#compiled.get(schema);
    if (cached) return cached;
    let fn: ValidateFunction;
    try {
      fn = this.#ajv.compile(schema);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new TypeError(`invalid JSON Schema for ${label}: ${reason}`, { cause: err });
    }
    if (typeof schema === 'boolean') this.#booleans.set(schema, fn);
    else this.#compiled.set(schema, fn);
    return fn;
  }
}

/** Builds the ValidationError for ajv's errors. */
export function toValidationError(label: string, errors: ErrorObject[] | null | undefined): ValidationError {
  const issues = (errors ?? []).map(toIssue);
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map(describeIssue);
  const more = issues.length > listed.length ? ` (+${issues.length - listed.length} more)` : '';
  return new ValidationError(`invalid ${label}: ${listed.join('; ')}${more}`, issues);
}

function toIssue(e: ErrorObject): ValidationIssue {
  return {
    instancePath: e.instancePath,
    schemaPath: e.schemaPath,
    keyword: e.keyword,
    message: e.message ?? e.keyword,
    params: { ...(e.params as Record<string, unknown>) },
  };
}

function describeIssue(issue: ValidationIssue): string {
  return `${issue.instancePath === '' ? '(root)' : issue.instancePath} ${issue.message}`;
}
