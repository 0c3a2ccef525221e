// Schemas compile once; failures are ValidationErrors naming every failing field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { SchemaCompiler, ValidationError, isFrameworkError } from '../../src/framework/index.js';

const EmailSchema = {
  type: 'object',
  properties: {
    to: { type: 'string', format: 'email' },
    subject: { type: 'string', minLength: 1 },
    cc: { type: 'array', items: { type: 'string' } },
  },
  required: ['to', 'subject'],
  additionalProperties: false,
} as const;

// ajv's formats are a plugin; the framework's compiler runs strict, so declare the format.
function compiler(): SchemaCompiler {
  const ajv = new Ajv({ allErrors: true, strict: true, logger: false });
  ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
  return new SchemaCompiler({ ajv });
}

test('valid payloads pass', () => {
  const validate = compiler().compile(EmailSchema, 'payload of task "email.send"');
  assert.deepEqual(validate({ to: 'a@b.c', subject: 'hi' }), { ok: true });
});

test('invalid payloads yield a ValidationError naming every failing field', () => {
  const validate = compiler().compile(EmailSchema, 'payload of task "email.send"');
  const result = validate({ to: 42, cc: ['x', 7], extra: true });
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  const err = result.error;
  assert.ok(err instanceof ValidationError);
  assert.ok(isFrameworkError(err, 'ERR_VALIDATION'));
  assert.equal(err.code, 'ERR_VALIDATION');
  assert.equal(err.retryable, false);
  assert.equal(err.name, 'ValidationError');
  assert.deepEqual([...err.fields].sort(), ['', '/cc/1', '/subject', '/to'].sort());
  assert.ok(err.issues.some((i) => i.keyword === 'required' && i.params['missingProperty'] === 'subject'));
  assert.ok(err.issues.some((i) => i.keyword === 'additionalProperties'));
  assert.match(err.message, /^invalid payload of task "email.send": /);
  assert.match(err.message, /\/to must be string/);
});

test('each schema object is compiled once', () => {
  const ajv = new Ajv({ logger: false });
  let compiles = 0;
  const original = ajv.compile.bind(ajv);
  ajv.compile = ((schema: object) => {
    compiles++;
    return original(schema);
  }) as typeof ajv.compile;
  const c = new SchemaCompiler({ ajv });
  const schema = { type: 'string' };
  c.compile(schema, 'a');
  c.compile(schema, 'b');
  c.compile(true, 'c');
  c.compile(true, 'd');
  assert.equal(compiles, 2);
});

test('invalid schemas fail at compile time with the label and the ajv cause', () => {
  const c = new SchemaCompiler();
  assert.throws(
    () => c.compile({ type: 'object', requried: ['x'] }, 'payload of task "t"'),
    (err: unknown) =>
      err instanceof TypeError &&
      /invalid JSON Schema for payload of task "t"/.test(err.message) &&
      !!err.cause,
  );
  assert.throws(() => c.compile({ type: 'strin' }, 'x'), TypeError);
});

test('the default compiler does not coerce or fill defaults (payloads are not mutated)', () => {
  const c = new SchemaCompiler();
  const validate = c.compile(
    { type: 'object', properties: { n: { type: 'number' }, d: { type: 'string', default: 'x' } } },
    'p',
  );
  const payload = { n: '5' };
  assert.equal(validate(payload).ok, false);
  assert.deepEqual(payload, { n: '5' });
});

test('long error lists are summarised in the message but kept in full', () => {
  const c = new SchemaCompiler();
  const props = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, { type: 'string' }]));
  const validate = c.compile({ type: 'object', properties: props }, 'p');
  const result = validate(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, i])));
  assert.ok(!result.ok);
  assert.equal(result.error.issues.length, 8);
  assert.match(result.error.message, /\(\+3 more\)$/);
});
