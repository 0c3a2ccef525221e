// Keeps docs/errors.md in step with the reply codes the code knows (Fastify's habit):
// a code added to or removed from ReplyCode without its row in the docs fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ReplyCode, isHardError } from '../../src/protocol/errors.js';
import { FRAMEWORK_ERROR_CODES } from '../../src/framework/errors.js';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('every reply code has a row in docs/errors.md with its name and soft/hard class', () => {
  for (const [name, code] of Object.entries(ReplyCode)) {
    const row = docs.split('\n').find((line) => line.startsWith(`| ${code} | ${name} |`));
    assert.ok(row, `docs/errors.md lacks a row for ${code} ${name}`);
    if (code !== 200) {
      const expected = isHardError(code) ? 'hard' : 'soft';
      assert.ok(row.includes(`| ${expected} |`), `row for ${code} should say ${expected}`);
    }
  }
});

test('docs/errors.md lists no reply code the code does not know', () => {
  const known = new Set<number>(Object.values(ReplyCode));
  for (const match of docs.matchAll(/^\| (\d{3}) \|/gm)) {
    assert.ok(known.has(Number(match[1])), `docs/errors.md lists unknown code ${match[1]}`);
  }
});

test('every framework error code has a row in docs/errors.md and no unknown code is listed', () => {
  for (const code of FRAMEWORK_ERROR_CODES) {
    assert.ok(docs.includes(`| \`${code}\` |`), `docs/errors.md lacks a row for ${code}`);
  }
  const known = new Set<string>(FRAMEWORK_ERROR_CODES);
  for (const match of docs.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)) {
    assert.ok(known.has(match[1]!), `docs/errors.md lists unknown code ${match[1]}`);
  }
});
