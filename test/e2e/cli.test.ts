// The `warren` bin as a user runs it: a real process, its stdout, stderr and exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/warren.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function warren(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 15_000 });
}

test('warren --help lists commands with one-line descriptions', () => {
  const r = warren('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: warren <command>/);
  assert.match(r.stdout, /version\s+Print the installed Warren version/);
});

test('warren --version prints the package version', () => {
  const r = warren('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('an unknown command prints one clear line and exits non-zero', () => {
  const r = warren('frobnicate');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});
